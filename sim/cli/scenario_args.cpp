#include <fstream>

#include "sim/cli/command.hpp"
#include "sim/config/config_tree.hpp"
#include "sim/config/limits.hpp"
#include "sim/config/scenario_library.hpp"
#include "sim/core/errors.hpp"

namespace sim::cli {

void add_scenario_args(CLI::App& command, ScenarioArgs& args) {
  command
      .add_option("scenario", args.file,
                  "Scenario file (YAML), or the name of a shipped one (shandong-2015)")
      ->required();
  command
      .add_option("--set", args.sets, "Override a setting: --set path.to.key=value (repeatable)")
      ->allow_extra_args(false);
}

FileKind file_kind(const std::string& path) {
  std::ifstream in(locate_scenario(path), std::ios::binary);
  // Read no further than a file may be long: the scenario loader refuses a longer one.
  const std::string text = limits::read_at_most(in, limits::kFileBytes);
  try {
    const ConfigNode tree = parse_scenario_text(text, path);
    if (tree.child("parameters") != nullptr) return FileKind::calibration;
    if (tree.child("vary") != nullptr || tree.child("base") != nullptr) return FileKind::sweep;
  } catch (const InputError&) {
    // the scenario loader reports what is wrong with it
  }
  return FileKind::scenario;
}

}  // namespace sim::cli
