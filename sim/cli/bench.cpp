// `clustersim bench`: a scenario's speed, memory and HDF5 time beside reference kernels.
#include <fmt/format.h>

#include "sim/analysis/bench.hpp"
#include "sim/cli/command.hpp"
#include "sim/core/errors.hpp"
#include "sim/run/ensemble.hpp"

namespace sim::cli {
namespace {

class BenchCommand final : public Command {
 public:
  explicit BenchCommand(CLI::App& app)
      : Command(app, "bench",
                "Measure a scenario's speed, memory and HDF5 time beside reference kernels") {
    CLI::App& cmd = this->app();
    options_.scenario = "scenarios/bench/scale.yaml";
    cmd.add_option("scenario", options_.scenario,
                   "Scenario file (default scenarios/bench/scale.yaml)");
    cmd.add_option("--set", sets_, "Override a setting (repeatable)")->allow_extra_args(false);
    cmd.add_option("--threads", options_.threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(1, 1024));
    cmd.add_flag("--json", json_, "Machine-readable JSON (rate: agent_steps_per_s)");
    cmd.add_flag("-q,--quiet", quiet_, "No progress output");
  }
  int run(const Context& context) override {
    const Scenario scenario = Scenario::load(options_.scenario, context.model.schema(), {sets_});
    check_ensemble_fits(context.model, scenario);
    options_.show_progress = !quiet_ && !json_;
    fmt::print("{}", bench_report(run_bench(context.model, scenario, options_), json_));
    return kExitOk;
  }

 private:
  BenchOptions options_;
  std::vector<std::string> sets_;
  bool json_ = false, quiet_ = false;
};

}  // namespace

std::unique_ptr<Command> add_bench(CLI::App& app) {
  return std::make_unique<BenchCommand>(app);
}

}  // namespace sim::cli
