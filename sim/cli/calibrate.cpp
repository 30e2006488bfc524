// `clustersim calibrate`: fits a calibration file's parameters to its targets by ABC-SMC, on
// this machine's cores, resuming from <output>.d when stopped; `clustersim posterior` reports
// the result.
#include <fmt/format.h>

#include "sim/calibrate/file.hpp"
#include "sim/calibrate/posterior.hpp"
#include "sim/calibrate/runner.hpp"
#include "sim/cli/command.hpp"
#include "sim/cli/signals.hpp"
#include "sim/core/errors.hpp"
#include "sim/sweep/runner.hpp"

namespace sim::cli {
namespace {

class CalibrateCommand final : public Command {
 public:
  explicit CalibrateCommand(CLI::App& app)
      : Command(app, "calibrate",
                "Fit a calibration file's parameters to its observations by ABC-SMC; a stopped "
                "calibration resumes from <output>.d when run again") {
    CLI::App& cmd = this->app();
    cmd.add_option("calibration", file_, "Calibration file (YAML, see scenarios/README.md)")
        ->required();
    cmd.add_option("-o,--output", options_.output,
                   "Result file; work in progress is kept in <output>.d until it is written")
        ->required();
    cmd.add_option("--threads", options_.threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(1, 1024));
    cmd.add_flag("-q,--quiet", options_.quiet, "No progress output");
    cmd.add_flag("-f,--force", options_.force, "Replace an existing result file");
    cmd.add_option("--shard", shard_,
                   "K/N: in a job array, run only this shard's share of the next batch that "
                   "needs runs, then stop (scenarios/README.md, \"Calibrations\")");
    cmd.add_flag("--step", options_.step,
                 "In a job array, after the shards: evaluate their batch (running any run left "
                 "undone), go on to the next batch that needs runs, and stop there");
    cmd.add_flag("--check", check_only_,
                 "Check the calibration file, print its targets and what it leaves out, and "
                 "stop before any run");
  }

  int run(const Context& context) override {
    if (!shard_.empty()) parse_shard(shard_, options_.shard, options_.shards);
    if (!shard_.empty() && options_.step) {
      throw InputError({"<command line>", 0, 0}, "--step",
                       "a process is either one shard (--shard) or the step after them (--step)");
    }
    options_.command_line = context.invocation;
    options_.cancel = context.cancel;
    install_stop_handlers();
    const CalibrationDefinition cal = load_calibration(file_, context.model);
    if (check_only_ || !options_.quiet) describe(cal);
    if (check_only_) return kExitOk;
    run_calibration(context.model, cal, options_);
    return kExitOk;
  }

 private:
  static void describe(const CalibrationDefinition& cal) {
    fmt::print(stderr, "{} targets:\n", cal.targets.size());
    for (const auto& t : cal.targets) {
      fmt::print(stderr, "    {:<36} {:.6g} (se {:.3g}){}  = {}\n", t.name, t.observed, t.se,
                 t.held_out ? ", held out" : "", t.expression);
    }
    if (!cal.skipped.empty()) {
      fmt::print(stderr, "{} observations not fitted:\n", cal.skipped.size());
      for (const auto& s : cal.skipped) {
        fmt::print(stderr, "    {} {}: {}\n", s.series, s.year, s.reason);
      }
    }
  }

  std::string file_, shard_;
  CalibrationOptions options_;
  bool check_only_ = false;
};

class PosteriorCommand final : public Command {
 public:
  explicit PosteriorCommand(CLI::App& app)
      : Command(app, "posterior",
                "A calibration's posterior: medians and 90% intervals against the priors, "
                "shrinkage, correlations and the fit to each target") {
    CLI::App& cmd = this->app();
    cmd.add_option("result", file_, "Result file of clustersim calibrate")->required();
    cmd.add_flag("--json", json_, "Machine-readable JSON");
  }
  int run(const Context& /*context*/) override {
    fmt::print("{}", posterior_report(summarise_posterior(read_calibration_file(file_)), json_));
    return kExitOk;
  }

 private:
  std::string file_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> add_calibrate(CLI::App& app) {
  return std::make_unique<CalibrateCommand>(app);
}

std::unique_ptr<Command> add_posterior(CLI::App& app) {
  return std::make_unique<PosteriorCommand>(app);
}

}  // namespace sim::cli
