// `clustersim sensitivity`: Sobol indices of an outcome over a saltelli sweep's result file.
#include <fmt/format.h>

#include "sim/analysis/sensitivity.hpp"
#include "sim/cli/command.hpp"
#include "sim/core/errors.hpp"

namespace sim::cli {
namespace {

class SensitivityCommand final : public Command {
 public:
  explicit SensitivityCommand(CLI::App& app)
      : Command(app, "sensitivity",
                "First-order and total Sobol indices of an outcome over a saltelli sweep") {
    CLI::App& cmd = this->app();
    cmd.add_option("result", file_, "Result file of a saltelli sweep")->required();
    cmd.add_option("--outcome", options_.outcome,
                   "G3 | G3.value | G3.cost | sum(M[, P]) | mean(M[, P]) | clusters(M >= X[, P]) "
                   "(see results/README.md)")
        ->required();
    cmd.add_option("--bootstrap", options_.bootstrap, "Bootstrap resamples for the intervals")
        ->check(CLI::Range(std::size_t{0}, std::size_t{1000000}));
    cmd.add_option("--confidence", options_.confidence, "Level of the intervals")
        ->check(CLI::Range(0.5, 0.999));
    cmd.add_option("--seed", options_.seed, "Seed of the bootstrap resamples");
    cmd.add_flag("--json", json_, "Machine-readable JSON");
  }
  int run(const Context& /*context*/) override {
    const SensitivityResult result = sensitivity_of(file_, options_);
    fmt::print("{}",
               sensitivity_report(result.design.settings, result.indices, options_.outcome, json_));
    return kExitOk;
  }

 private:
  std::string file_;
  SensitivityOptions options_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> add_sensitivity(CLI::App& app) {
  return std::make_unique<SensitivityCommand>(app);
}

}  // namespace sim::cli
