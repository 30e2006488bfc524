#include <fstream>
#include <sstream>

#include "sim/cli/command.hpp"
#include "sim/config/config_tree.hpp"
#include "sim/core/errors.hpp"

namespace sim::cli {

void add_scenario_args(CLI::App& command, ScenarioArgs& args) {
  command.add_option("scenario", args.file, "Scenario file (YAML)")->required();
  command
      .add_option("--set", args.sets, "Override a setting: --set path.to.key=value (repeatable)")
      ->allow_extra_args(false);
}

bool is_sweep_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  try {
    const ConfigNode tree = parse_scenario_text(text.str(), path);
    return tree.child("vary") != nullptr || tree.child("base") != nullptr;
  } catch (const InputError&) {
    return false;  // the scenario loader reports what is wrong with it
  }
}

}  // namespace sim::cli
