// `clustersim stats`: the model's stylized facts of the firm snapshots in a result file.
#include <fmt/format.h>

#include "sim/cli/command.hpp"
#include "sim/core/errors.hpp"
#include "sim/io/result_file.hpp"

namespace sim::cli {
namespace {

int print_stats(const Model& model, const std::string& file, bool json) {
  const std::vector<Snapshot> snapshots = read_snapshots(file);
  if (snapshots.empty()) {
    throw InputError({file, 0, 0}, "",
                     "the file holds no per-agent snapshots; run the scenario with "
                     "output.firm_snapshots: true");
  }
  try {
    fmt::print("{}", model.diagnostics(snapshots, json));
  } catch (const std::runtime_error& e) {
    // The model could not find what it needs in the snapshots: a damaged or foreign file.
    throw InputError({file, 0, 0}, "", fmt::format("unusable snapshots: {}", e.what()));
  }
  return kExitOk;
}

class StatsCommand final : public Command {
 public:
  explicit StatsCommand(CLI::App& app)
      : Command(app, "stats",
                "Stylized facts of the firm snapshots in a result file (sizes, growth, R&D)") {
    this->app()
        .add_option("result", file_, "Result file (HDF5) written with firm snapshots")
        ->required();
    this->app().add_flag("--json", json_, "Machine-readable JSON");
  }
  int run(const Context& context) override { return print_stats(context.model, file_, json_); }

 private:
  std::string file_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> add_stats(CLI::App& app) {
  return std::make_unique<StatsCommand>(app);
}

}  // namespace sim::cli
