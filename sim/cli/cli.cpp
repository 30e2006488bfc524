#include "sim/cli/cli.hpp"

#include <hdf5.h>

#include <fmt/format.h>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <vector>

#include "sim/cli/command.hpp"
#include "sim/cli/signals.hpp"
#include "sim/core/errors.hpp"
#include "sim/io/result_file.hpp"

namespace sim {
namespace {

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) out += (i > 0 ? " " : "") + std::string(argv[i]);
  return out;
}

// Runs the command, turning what it throws into the documented exit codes.
int run_reporting_errors(cli::Command& command, const cli::Context& context) {
  try {
    return command.run(context);
  } catch (const Cancelled&) {
    fmt::print(stderr,
               "stopped by signal {}; finished runs are kept, run the same command to resume\n",
               cli::stop_signal());
    return 128 + cli::stop_signal();
  } catch (const JobStopped& e) {
    // A sweep over MPI ranks that stopped in order: rank 0 has said why; every rank ends with
    // the code rank 0 chose.
    if (e.skip_exit_handlers()) {
      std::fflush(nullptr);
      std::_Exit(e.exit_code());
    }
    return e.exit_code();
  } catch (const InputError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  } catch (const WriteError& e) {
    // Skips HDF5's exit handler, which would try again to close the file that failed.
    fmt::print(stderr, "error: {}\n", e.what());
    std::fflush(nullptr);
    std::_Exit(kExitFailure);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitFailure;
  }
}

}  // namespace

int run_cli(int argc, char** argv, const Model& model) {
  // HDF5 would print its own error stack; errors are reported here instead.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  // Past a file size limit (ulimit -f) a write should fail with an error we report, not kill
  // the process with SIGXFSZ and leave a temporary file behind.
  std::signal(SIGXFSZ, SIG_IGN);

  CLI::App app{"clustersim: agent-based simulator of innovative industrial clusters"};
  app.require_subcommand(1);
  app.set_version_flag("--version", clustersim_version());
  std::vector<std::unique_ptr<cli::Command>> commands;
  for (auto add :
       {cli::add_run, cli::add_validate, cli::add_show, cli::add_diff, cli::add_schema,
        cli::add_goals, cli::add_stats, cli::add_sweep, cli::add_merge, cli::add_sensitivity,
        cli::add_bench, cli::add_calibrate, cli::add_posterior, cli::add_report, cli::add_serve}) {
    commands.push_back(add(app));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  const cli::Context context{model, command_line(argc, argv), &cli::stop_requested()};
  for (auto& command : commands) {
    if (command->chosen()) return run_reporting_errors(*command, context);
  }
  return kExitFailure;
}

}  // namespace sim
