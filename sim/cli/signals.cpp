#include "sim/cli/signals.hpp"

#include <csignal>

namespace sim::cli {
namespace {

std::atomic<bool> g_cancel{false};
std::atomic<int> g_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "signal handlers need lock-free atomics");

extern "C" void on_stop_signal(int signal) {
  g_signal.store(signal);
  g_cancel.store(true);
}

}  // namespace

const std::atomic<bool>& stop_requested() {
  return g_cancel;
}

int stop_signal() {
  return g_signal.load();
}

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace sim::cli
