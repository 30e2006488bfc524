// Progress of long work: counters the workers bump, and a printer that shows them.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace sim {

// Work done so far, safe to bump from any thread (once per replicate-step, not per agent).
struct ProgressCounter {
  std::atomic<long> steps_done{0};
  std::atomic<long> replicates_done{0};
  std::atomic<long> replicates_started{0};
  std::atomic<long> total_steps{0};
  std::atomic<long> total_replicates{0};
  const char* replicates_name = "replicates";  // what the replicate counts count ("runs")
};

enum class ProgressStyle { Bar, Lines, Quiet };

// Bar on a terminal, plain lines otherwise.
ProgressStyle default_progress_style(std::FILE* stream);

// Shows a counter on `stream` from a background thread until stopped: a bar redrawn a few
// times a second, or a plain line every few seconds.
class ProgressPrinter {
 public:
  ProgressPrinter(const ProgressCounter& counter, ProgressStyle style, std::FILE* stream = stderr);
  ProgressPrinter(const ProgressPrinter&) = delete;
  ProgressPrinter& operator=(const ProgressPrinter&) = delete;
  ~ProgressPrinter();
  // Prints the final state and stops the thread.
  void stop();

  // One line describing the state, e.g. "replicates 3/32, quarters 96/896, 412 q/s, ETA 2s".
  static std::string describe(long steps, long total_steps, long replicates, long total_replicates,
                              double seconds, const char* replicates_name = "replicates");

 private:
  void loop();
  void print(bool final_line);

  const ProgressCounter& counter_;
  ProgressStyle style_;
  std::FILE* stream_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sim
