// Stop requests: SIGINT and SIGTERM raise a flag that runs and sweeps poll between steps.
#pragma once

#include <atomic>

namespace sim::cli {

// Raised by SIGINT/SIGTERM once install_stop_handlers has run.
const std::atomic<bool>& stop_requested();
// The signal that raised it (0: none); the process then exits with 128 + it.
int stop_signal();
void install_stop_handlers();

}  // namespace sim::cli
