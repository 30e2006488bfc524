// `clustersim show`: a scenario as it resolves (every setting, schedules and per-cluster values
// included); `clustersim diff`: the settings in which two scenarios differ.
#include <fmt/format.h>
#include <string>

#include "sim/cli/command.hpp"
#include "sim/config/scenario.hpp"
#include "sim/config/scenario_diff.hpp"

namespace sim::cli {
namespace {

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
  const ScenarioDifferences found = differing_settings(left, right);
  for (const auto& d : found.differences)
    fmt::print("{}\n  - {}\n  + {}\n", d.key, d.left, d.right);
  fmt::print("{} of {} settings differ between {} (-) and {} (+)\n", found.differences.size(),
             found.settings, left.source(), right.source());
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
