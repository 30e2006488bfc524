#include "sim/core/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>

namespace sim {
namespace {

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return fmt::format("{:.0f}s", seconds);
  if (seconds < 3600)
    return fmt::format("{:.0f}m{:02.0f}s", std::floor(seconds / 60), std::fmod(seconds, 60.0));
  return fmt::format("{:.0f}h{:02.0f}m", std::floor(seconds / 3600), std::fmod(seconds / 60, 60.0));
}

}  // namespace

ProgressStyle default_progress_style(std::FILE* stream) {
  return isatty(fileno(stream)) != 0 ? ProgressStyle::Bar : ProgressStyle::Lines;
}

std::string ProgressPrinter::describe(long steps, long total_steps, long replicates,
                                      long total_replicates, double seconds,
                                      const char* replicates_name) {
  const double rate = seconds > 0 ? static_cast<double>(steps) / seconds : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_steps - steps) / rate : NAN;
  return fmt::format("{} {}/{}, quarters {}/{}, {:.0f} quarters/s, elapsed {}, ETA {}",
                     replicates_name, replicates, total_replicates, steps, total_steps, rate,
                     duration_text(seconds), steps >= total_steps ? "0s" : duration_text(eta));
}

ProgressPrinter::ProgressPrinter(const ProgressCounter& counter, ProgressStyle style,
                                 std::FILE* stream)
    : counter_(counter), style_(style), stream_(stream), start_(std::chrono::steady_clock::now()) {
  if (style_ != ProgressStyle::Quiet) thread_ = std::thread([this] { loop(); });
}

ProgressPrinter::~ProgressPrinter() {
  stop();
}

void ProgressPrinter::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  print(true);
}

void ProgressPrinter::loop() {
  const auto period = style_ == ProgressStyle::Bar ? std::chrono::milliseconds(200)
                                                   : std::chrono::milliseconds(5000);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) print(false);
}

void ProgressPrinter::print(bool final_line) {
  const long steps = counter_.steps_done.load();
  const long reps = counter_.replicates_done.load();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string text = describe(steps, counter_.total_steps, reps, counter_.total_replicates,
                                    seconds, counter_.replicates_name);
  if (style_ == ProgressStyle::Bar) {
    constexpr int kWidth = 24;
    const double done = counter_.total_steps > 0
                            ? static_cast<double>(steps) / static_cast<double>(counter_.total_steps)
                            : 1.0;
    const int filled = static_cast<int>(done * kWidth);
    fmt::print(stream_, "\r[{:#<{}}{:.<{}}] {:3.0f}% {}\x1b[K{}", "", filled, "", kWidth - filled,
               100.0 * done, text, final_line ? "\n" : "");
  } else {
    fmt::print(stream_, "progress: {}\n", text);
  }
  std::fflush(stream_);
}

}  // namespace sim
