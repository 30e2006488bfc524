// `clustersim goals`: the plan's goals read back from a result file.
#include <fmt/format.h>

#include "sim/cli/command.hpp"
#include "sim/core/errors.hpp"
#include "sim/io/result_file.hpp"

namespace sim::cli {
namespace {

class GoalsCommand final : public Command {
 public:
  explicit GoalsCommand(CLI::App& app)
      : Command(app, "goals", "Report the plan's goals from a result file") {
    this->app().add_option("result", file_, "Result file (HDF5)")->required();
    this->app().add_flag("--json", json_, "Machine-readable JSON");
  }
  int run(const Context& /*context*/) override {
    const GoalResults results = read_goal_results(file_);
    fmt::print("{}", json_ ? goals_report_json(results) : goals_report_text(results));
    return kExitOk;
  }

 private:
  std::string file_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> add_goals(CLI::App& app) {
  return std::make_unique<GoalsCommand>(app);
}

}  // namespace sim::cli
