// What every subcommand of the command line shares: its registration with CLI11 and what it is
// run with. One file per subcommand (sim/cli/<name>.cpp) defines its options and its work.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "sim/run/model.hpp"

namespace sim::cli {

// What a subcommand runs with besides its own options.
struct Context {
  const Model& model;
  std::string invocation;           // the whole command line, recorded in result files
  const std::atomic<bool>* cancel;  // raised by SIGINT/SIGTERM
};

// A subcommand: it adds its options to its CLI11 subcommand when made, and runs when named.
class Command {
 public:
  Command(CLI::App& parent, const std::string& name, const std::string& description)
      : app_(parent.add_subcommand(name, description)) {}
  virtual ~Command() = default;
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;
  bool chosen() const { return app_->parsed(); }
  // Returns the exit code; throws InputError, WriteError or Cancelled.
  virtual int run(const Context& context) = 0;

 protected:
  CLI::App& app() { return *app_; }

 private:
  CLI::App* app_;
};

// A scenario argument with its --set overrides, as run and validate take them.
struct ScenarioArgs {
  std::string file;
  std::vector<std::string> sets;
};
void add_scenario_args(CLI::App& command, ScenarioArgs& args);

// What a YAML file holds, by its top-level keys: a calibration file has `parameters:`, a sweep
// file `vary:` or `base:` without it, and anything else is read as a scenario. Run refuses the
// first two; validate checks each by its own rules.
enum class FileKind { scenario, sweep, calibration };
FileKind file_kind(const std::string& path);

// Each adds its subcommand to `app`.
std::unique_ptr<Command> add_run(CLI::App& app);
std::unique_ptr<Command> add_validate(CLI::App& app);
std::unique_ptr<Command> add_schema(CLI::App& app);
std::unique_ptr<Command> add_goals(CLI::App& app);
std::unique_ptr<Command> add_stats(CLI::App& app);
std::unique_ptr<Command> add_sweep(CLI::App& app);
std::unique_ptr<Command> add_merge(CLI::App& app);
std::unique_ptr<Command> add_sensitivity(CLI::App& app);
std::unique_ptr<Command> add_bench(CLI::App& app);
std::unique_ptr<Command> add_calibrate(CLI::App& app);
std::unique_ptr<Command> add_posterior(CLI::App& app);
std::unique_ptr<Command> add_show(CLI::App& app);
std::unique_ptr<Command> add_diff(CLI::App& app);
std::unique_ptr<Command> add_report(CLI::App& app);
std::unique_ptr<Command> add_serve(CLI::App& app);

}  // namespace sim::cli
