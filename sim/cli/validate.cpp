// `clustersim validate`: checks a scenario, sweep or calibration file without running it.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/calibrate/file.hpp"
#include "sim/cli/command.hpp"
#include "sim/core/errors.hpp"
#include "sim/run/ensemble.hpp"
#include "sim/sweep/file.hpp"

namespace sim::cli {
namespace {

int validate_sweep(const Model& model, const ScenarioArgs& args) {
  if (!args.sets.empty()) {
    throw InputError({args.file, 0, 0}, "--set",
                     "a sweep file takes its overrides from its own `set:`, not from --set");
  }
  const SweepDefinition sweep = load_sweep(args.file, model);
  fmt::print("{}: valid sweep ({} design over {}, {} points x {} replicates = {} runs)\n",
             args.file, method_name(sweep.method), fmt::join(sweep.settings, ", "),
             sweep.points.size(), sweep.replicates,
             sweep.points.size() * static_cast<std::size_t>(sweep.replicates));
  return kExitOk;
}

int validate_calibration(const Model& model, const ScenarioArgs& args) {
  if (!args.sets.empty()) {
    throw InputError({args.file, 0, 0}, "--set",
                     "a calibration file takes its overrides from its own `set:`, not from --set");
  }
  const CalibrationDefinition cal = load_calibration(args.file, model);
  const auto fitted = static_cast<std::size_t>(std::count_if(
      cal.targets.begin(), cal.targets.end(), [](const auto& t) { return !t.held_out; }));
  fmt::print(
      "{}: valid calibration ({} parameters, {} targets fitted, {} held out, population {})\n",
      args.file, cal.parameters.size(), fitted, cal.targets.size() - fitted, cal.method.population);
  return kExitOk;
}

int validate(const Model& model, const ScenarioArgs& args) {
  switch (file_kind(args.file)) {
    case FileKind::sweep:
      return validate_sweep(model, args);
    case FileKind::calibration:
      return validate_calibration(model, args);
    case FileKind::scenario:
      break;
  }
  const Scenario scenario = Scenario::load(args.file, model.schema(), LoadOptions{args.sets});
  check_ensemble_fits(model, scenario);
  fmt::print("{}: valid ({} clusters, {} to {}, {} replicates)\n", args.file,
             scenario.clusters().size(), quarter_label(scenario.calendar().first_quarter),
             quarter_label(scenario.calendar().last_quarter), scenario.replicates());
  return kExitOk;
}

class ValidateCommand final : public Command {
 public:
  explicit ValidateCommand(CLI::App& app)
      : Command(app, "validate", "Check a scenario, sweep or calibration file without running it") {
    add_scenario_args(this->app(), args_);
  }
  int run(const Context& context) override { return validate(context.model, args_); }

 private:
  ScenarioArgs args_;
};

}  // namespace

std::unique_ptr<Command> add_validate(CLI::App& app) {
  return std::make_unique<ValidateCommand>(app);
}

}  // namespace sim::cli
