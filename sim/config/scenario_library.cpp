#include "sim/config/scenario_library.hpp"

#include <cstdlib>
#include <system_error>

namespace fs = std::filesystem;

namespace sim {

namespace {

bool is_folder(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// <prefix>/share/clustersim/scenarios for an executable installed as <prefix>/bin/clustersim;
// nothing when /proc/self/exe cannot be read.
std::optional<fs::path> installed_folder() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  return exe.parent_path().parent_path() / "share" / "clustersim" / "scenarios";
}

}  // namespace

std::vector<fs::path> scenario_folders() {
  std::vector<fs::path> folders;
  if (const char* env = std::getenv("CLUSTERSIM_SCENARIOS")) {
    const std::string list = env;
    std::size_t start = 0;
    while (start <= list.size()) {
      const std::size_t colon = std::min(list.find(':', start), list.size());
      if (colon > start) folders.emplace_back(list.substr(start, colon - start));
      start = colon + 1;
    }
  }
  if (auto installed = installed_folder()) folders.push_back(*installed);
#ifdef CLUSTERSIM_SOURCE_SCENARIOS
  folders.emplace_back(CLUSTERSIM_SOURCE_SCENARIOS);
#endif
  std::vector<fs::path> existing;
  for (const auto& f : folders) {
    if (is_folder(f)) existing.push_back(f);
  }
  return existing;
}

std::optional<std::string> find_shipped_scenario(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return std::nullopt;
  }
  const std::string file = name.ends_with(".yaml") ? name : name + ".yaml";
  for (const auto& folder : scenario_folders()) {
    if (is_file(folder / file)) return (folder / file).string();
  }
  return std::nullopt;
}

std::string locate_scenario(const std::string& path) {
  std::error_code ec;
  if (fs::exists(path, ec)) return path;
  return find_shipped_scenario(path).value_or(path);
}

}  // namespace sim
