// The shipped scenarios, found by name from any folder: `clustersim run shandong-2015` and
// `extends: shandong-2015` work wherever the user's files are.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sim {

// The folders searched for shipped scenarios, in order: each of $CLUSTERSIM_SCENARIOS
// (colon-separated), the installed folder next to the executable
// (<prefix>/bin/clustersim -> <prefix>/share/clustersim/scenarios), and the source tree's
// scenarios/ the build was made from. Only folders that exist are listed.
std::vector<std::filesystem::path> scenario_folders();

// A bare name (no '/'), with or without ".yaml", of a scenario in one of scenario_folders(),
// the first that has it; nothing for a path or a name no folder has.
std::optional<std::string> find_shipped_scenario(const std::string& name);

// `path` when it exists, else the shipped scenario of that name, else `path` (so that the
// error names what was written).
std::string locate_scenario(const std::string& path);

}  // namespace sim
