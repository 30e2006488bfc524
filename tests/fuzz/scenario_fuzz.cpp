// Fuzz target: any text given as a scenario or a sweep file ends as a validated scenario or an
// InputError; anything else (another exception, a crash, a sanitizer report) is a finding. So is
// a validated scenario whose resolved YAML does not load back to itself (round_trip.hpp).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "models/cluster_model.hpp"
#include "round_trip.hpp"
#include "sim/config/scenario.hpp"
#include "sim/sweep/file.hpp"

namespace {

const models::ClusterModel& model() {
  static const models::ClusterModel instance;
  return instance;
}

// Sweep files are read from disk (their base is a path relative to them).
std::string sweep_path() {
  static const std::string path = (std::filesystem::temp_directory_path() /
                                   ("clustersim-fuzz-" + std::to_string(getpid()) + ".yaml"))
                                      .string();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    fuzz::check_round_trip(sim::Scenario::from_yaml(text, "fuzz.yaml", model().schema()));
  } catch (const sim::InputError&) {
  }
  {
    std::ofstream out(sweep_path(), std::ios::binary | std::ios::trunc);
    out << text;
  }
  try {
    sim::load_sweep(sweep_path(), model());
  } catch (const sim::InputError&) {
  }
  return 0;
}
