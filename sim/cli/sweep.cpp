// `clustersim sweep`: every point x replicate of a sweep file, on this machine's cores, as one
// shard of a job array, or over MPI ranks when an MPI launcher started it.
#include "sim/cli/command.hpp"
#include "sim/cli/signals.hpp"
#include "sim/core/errors.hpp"
#include "sim/sweep/file.hpp"
#include "sim/sweep/runner.hpp"

namespace sim::cli {
namespace {

class SweepCommand final : public Command {
 public:
  explicit SweepCommand(CLI::App& app)
      : Command(app, "sweep",
                "Run every point x replicate of a sweep file: on this machine's cores, as one "
                "shard of a job array (--shard), or over MPI ranks when started by mpirun") {
    CLI::App& cmd = this->app();
    cmd.add_option("sweep", file_, "Sweep file (YAML, see scenarios/README.md)")->required();
    cmd.add_option("-o,--output", options_.output,
                   "Result file; finished runs are kept in <output>.d until assembled")
        ->required();
    cmd.add_option("--shard", shard_,
                   "K/N: run only this shard's share (runs i with i % N == K) into <output>.d; "
                   "join the shards with `clustersim merge`");
    cmd.add_option("--threads", options_.threads,
                   "Worker threads (default: all cores; under MPI the cores per rank)")
        ->check(CLI::Range(1, 1024));
    cmd.add_flag("-q,--quiet", options_.quiet, "No progress output");
    cmd.add_flag("-f,--force", options_.force, "Replace an existing result file");
    cmd.add_flag("--keep-runs", options_.keep_runs,
                 "Keep the finished runs in <output>.d after assembling the result");
  }

  int run(const Context& context) override {
    if (!shard_.empty()) parse_shard(shard_, options_.shard, options_.shards);
    options_.command_line = context.invocation;
    options_.cancel = context.cancel;
    options_.stop_signal = &stop_signal;
    install_stop_handlers();
    const SweepDefinition sweep = load_sweep(file_, context.model);
    run_sweep(context.model, sweep, options_);
    return kExitOk;
  }

 private:
  std::string file_, shard_;
  SweepOptions options_;
};

}  // namespace

std::unique_ptr<Command> add_sweep(CLI::App& app) {
  return std::make_unique<SweepCommand>(app);
}

}  // namespace sim::cli
