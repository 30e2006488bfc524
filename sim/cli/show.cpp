// `clustersim show`: a scenario as it resolves (every setting, schedules and per-cluster values
// included); `clustersim diff`: the settings in which two scenarios differ.
#include <yaml-cpp/yaml.h>

#include <fmt/format.h>
#include <map>
#include <set>
#include <string>

#include "sim/cli/command.hpp"
#include "sim/config/scenario.hpp"

namespace sim::cli {
namespace {

// A node written on one line: flow style all the way down (parsed nodes keep their block style).
void set_flow(YAML::Node node) {
  if (!node.IsMap() && !node.IsSequence()) return;
  node.SetStyle(YAML::EmitterStyle::Flow);
  for (auto entry : node) set_flow(node.IsMap() ? entry.second : entry);
}

// Every setting of a resolved scenario as one line of flow YAML, by its dotted key.
std::map<std::string, std::string> flat_settings(const Scenario& scenario) {
  std::map<std::string, std::string> out;
  const YAML::Node root = YAML::Load(scenario.resolved_yaml());
  const auto walk = [&](const auto& self, const YAML::Node& node,
                        const std::string& prefix) -> void {
    for (const auto& entry : node) {
      const std::string key =
          prefix.empty() ? entry.first.Scalar() : prefix + "." + entry.first.Scalar();
      if (scenario.schema().find(key) == nullptr && entry.second.IsMap()) {
        self(self, entry.second, key);
        continue;
      }
      YAML::Node value = YAML::Clone(entry.second);
      set_flow(value);
      YAML::Emitter text;
      text << value;
      out[key] = text.c_str();
    }
  };
  walk(walk, root, "");
  return out;
}

int show(const Model& model, const ScenarioArgs& args) {
  const Scenario scenario = Scenario::load(args.file, model.schema(), LoadOptions{args.sets});
  fmt::print("# {} resolved: every setting, with its schedule and per-cluster values\n{}\n",
             scenario.source(), scenario.resolved_yaml());
  return kExitOk;
}

struct DiffArgs {
  std::string left, right;
};

int diff(const Model& model, const DiffArgs& args) {
  const Scenario left = Scenario::load(args.left, model.schema());
  const Scenario right = Scenario::load(args.right, model.schema());
  const auto a = flat_settings(left), b = flat_settings(right);
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  std::size_t differing = 0;
  for (const auto& key : keys) {
    const auto x = a.find(key), y = b.find(key);
    const std::string lhs = x == a.end() ? "(not set)" : x->second;
    const std::string rhs = y == b.end() ? "(not set)" : y->second;
    if (lhs == rhs) continue;
    ++differing;
    fmt::print("{}\n  - {}\n  + {}\n", key, lhs, rhs);
  }
  fmt::print("{} of {} settings differ between {} (-) and {} (+)\n", differing, keys.size(),
             left.source(), right.source());
  return kExitOk;
}

class ShowCommand final : public Command {
 public:
  explicit ShowCommand(CLI::App& app)
      : Command(app, "show",
                "Print a scenario as it resolves: every setting after extends and --set, "
                "schedules and per-cluster values included") {
    add_scenario_args(this->app(), args_);
  }
  int run(const Context& context) override { return show(context.model, args_); }

 private:
  ScenarioArgs args_;
};

class DiffCommand final : public Command {
 public:
  explicit DiffCommand(CLI::App& app)
      : Command(app, "diff", "List the settings in which two scenarios differ, as they resolve") {
    this->app().add_option("a", args_.left, "First scenario (-)")->required();
    this->app().add_option("b", args_.right, "Second scenario (+)")->required();
  }
  int run(const Context& context) override { return diff(context.model, args_); }

 private:
  DiffArgs args_;
};

}  // namespace

std::unique_ptr<Command> add_show(CLI::App& app) {
  return std::make_unique<ShowCommand>(app);
}
std::unique_ptr<Command> add_diff(CLI::App& app) {
  return std::make_unique<DiffCommand>(app);
}

}  // namespace sim::cli
