#include "sim/report/pdf.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "sim/core/errors.hpp"

// POSIX declares it for the programs that use it; glibc's unistd.h only with _GNU_SOURCE.
extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace sim::report {
namespace {

namespace fs = std::filesystem;

InputError pdf_error(const std::string& pdf, const std::string& detail) {
  return {{pdf, 0, 0}, "--pdf", detail};
}

// Waits for `child` up to `timeout_seconds`; kills it after. Its exit status, or -1 if killed.
int wait_for(pid_t child, int timeout_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  int status = 0;
  while (waitpid(child, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

}  // namespace

void print_pdf(const std::string& html, const std::string& pdf, int timeout_seconds) {
  const char* configured = std::getenv("CLUSTERSIM_CHROMIUM");
  const std::string browser =
      configured != nullptr && *configured != '\0' ? configured : "chromium";
  const fs::path target = fs::absolute(pdf);
  const fs::path temporary =
      target.parent_path() / fmt::format(".{}.{}.tmp", target.filename().string(), getpid());
  const fs::path profile =
      fs::temp_directory_path() / fmt::format("clustersim-chromium-{}", getpid());
  std::vector<std::string> args = {
      browser,
      "--headless",
      "--no-sandbox",  // as root in CI; the page is our own, no scripts
      "--disable-gpu",
      "--no-first-run",
      "--disable-extensions",
      "--no-pdf-header-footer",
      "--user-data-dir=" + profile.string(),
      "--print-to-pdf=" + temporary.string(),
      "file://" + fs::absolute(html).string()};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The browser's chatter (GPU, D-Bus) is not the user's business.
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t child = 0;
  const int spawned =
      posix_spawnp(&child, browser.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw pdf_error(pdf, fmt::format("cannot start '{}' ({}): install Debian's chromium, or set "
                                     "CLUSTERSIM_CHROMIUM to a Chromium or Chrome",
                                     browser, std::strerror(spawned)));
  }
  const int status = wait_for(child, timeout_seconds);
  std::error_code ec;
  fs::remove_all(profile, ec);
  if (status != 0 || !fs::exists(temporary, ec) || fs::file_size(temporary, ec) == 0) {
    fs::remove(temporary, ec);
    throw pdf_error(
        pdf, status == -1
                 ? fmt::format("{} took longer than {} s and was stopped", browser, timeout_seconds)
                 : fmt::format("{} did not print the PDF (exit {})", browser, status));
  }
  fs::rename(temporary, target, ec);
  if (ec) throw pdf_error(pdf, fmt::format("cannot write it: {}", ec.message()));
}

}  // namespace sim::report
