// `clustersim serve`: the what-if web app (sim/serve/) on a local port until Ctrl-C.
#include <fmt/format.h>

#include "sim/cli/command.hpp"
#include "sim/cli/signals.hpp"
#include "sim/core/errors.hpp"
#include "sim/serve/server.hpp"

namespace sim::cli {
namespace {

class ServeCommand final : public Command {
 public:
  explicit ServeCommand(CLI::App& app)
      : Command(app, "serve",
                "Serve a what-if web app: levers as controls, ensembles live, goals and costs "
                "side by side") {
    CLI::App& cmd = this->app();
    cmd.add_option("scenario", options_.scenario, "Base scenario (file or shipped name)")
        ->capture_default_str();
    cmd.add_option("--compare", options_.compare, "Counterfactual scenario")->capture_default_str();
    cmd.add_option("--host", options_.host,
                   "Address to listen on (default loopback only; another exposes the app, "
                   "still behind its token)")
        ->capture_default_str();
    cmd.add_option("--port", options_.port, "Port (0: any free port)")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
  }
  int run(const Context& context) override {
#ifdef CLUSTERSIM_WITH_SERVE
    options_.invocation = context.invocation;
    install_stop_handlers();
    serve::serve(context.model, options_, stop_requested());
    fmt::print(stderr, "clustersim serve: stopped by signal {}\n", stop_signal());
    return kExitOk;
#else
    (void)context;
    throw InputError({"serve", 0, 0}, "",
                     "this clustersim was built without cpp-httplib (CMake found no "
                     "cpp-httplib package), so it cannot serve the web app");
#endif
  }

 private:
  serve::ServeOptions options_;
};

}  // namespace

std::unique_ptr<Command> add_serve(CLI::App& app) {
  return std::make_unique<ServeCommand>(app);
}

}  // namespace sim::cli
