// `clustersim goals`: the plan's goals read back from a result file.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

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
    if (is_sweep_result(file_)) return report_points();
    const GoalResults results = read_goal_results(file_);
    fmt::print("{}", json_ ? goals_report_json(results) : goals_report_text(results));
    return kExitOk;
  }

 private:
  // A sweep's goals, point by point: the point's settings, then its report.
  int report_points() const {
    const auto points = read_point_goal_results(file_);
    if (json_) {
      nlohmann::ordered_json out = {{"points", nlohmann::ordered_json::array()}};
      for (std::size_t p = 0; p < points.size(); ++p) {
        auto report = nlohmann::ordered_json::parse(goals_report_json(points[p].goals));
        out["points"].push_back(
            {{"point", p}, {"settings", points[p].settings}, {"goals", report["goals"]}});
      }
      fmt::print("{}\n", out.dump(2));
      return kExitOk;
    }
    for (std::size_t p = 0; p < points.size(); ++p) {
      fmt::print("Point {} of {}: {}\n{}", p, points.size(), points[p].settings,
                 goals_report_text(points[p].goals));
    }
    return kExitOk;
  }

  std::string file_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> add_goals(CLI::App& app) {
  return std::make_unique<GoalsCommand>(app);
}

}  // namespace sim::cli
