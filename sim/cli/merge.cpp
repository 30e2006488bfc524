// `clustersim merge`: joins the shards of a sweep into its result file.
#include "sim/cli/command.hpp"
#include "sim/core/errors.hpp"
#include "sim/sweep/runner.hpp"

namespace sim::cli {
namespace {

class MergeCommand final : public Command {
 public:
  explicit MergeCommand(CLI::App& app)
      : Command(app, "merge",
                "Join the shards of a sweep (<output>.d from `sweep --shard`) into its result "
                "file") {
    CLI::App& cmd = this->app();
    cmd.add_option("folder", folder_, "Folder of finished runs (<output>.d)")->required();
    cmd.add_option("-o,--output", output_, "Result file")->required();
    cmd.add_flag("-f,--force", force_, "Replace an existing result file");
  }
  int run(const Context& context) override {
    merge_sweep(context.model, folder_, output_, force_, context.invocation);
    return kExitOk;
  }

 private:
  std::string folder_, output_;
  bool force_ = false;
};

}  // namespace

std::unique_ptr<Command> add_merge(CLI::App& app) {
  return std::make_unique<MergeCommand>(app);
}

}  // namespace sim::cli
