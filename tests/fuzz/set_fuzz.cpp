// Fuzz target: any bytes given as `--set KEY=VALUE` overrides of the plan's scenario
// (scenarios/shandong-2015.yaml, loaded by Scenario::load and checked by check_ensemble_fits, as
// `clustersim validate` does) end as a validated scenario or an InputError; anything else
// (another exception, a crash, a sanitizer report) is a finding. So is a validated scenario whose
// resolved YAML does not load back to itself (round_trip.hpp).
//
// The input is the list of overrides, one per line: a newline at the end ends the last override
// rather than starting an empty one, an empty line is an empty override. An input that holds a
// NUL byte is split on NUL instead, so that a value can span lines. The inputs reach both limits
// on --set (1,000 overrides, 4 KiB each; scenarios/README.md, "Limits"). Run from scenarios/, as
// `make fuzz` does, so that the scenario's data paths resolve.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/cluster_model.hpp"
#include "round_trip.hpp"
#include "sim/config/scenario.hpp"
#include "sim/core/errors.hpp"
#include "sim/run/ensemble.hpp"

namespace {

constexpr const char* kBase = "shandong-2015.yaml";

const models::ClusterModel& model() {
  static const models::ClusterModel instance;
  return instance;
}

std::vector<std::string> split_overrides(std::string_view text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  const char separator = text.find('\0') != std::string_view::npos ? '\0' : '\n';
  if (text.back() == separator) text.remove_suffix(1);
  for (std::size_t from = 0;;) {
    const std::size_t at = text.find(separator, from);
    if (at == std::string_view::npos) {
      out.emplace_back(text.substr(from));
      return out;
    }
    out.emplace_back(text.substr(from, at - from));
    from = at + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<sim::Scenario> scenario;
  try {
    scenario.emplace(
        sim::Scenario::load(kBase, model().schema(), sim::LoadOptions{split_overrides(text)}));
    sim::check_ensemble_fits(model(), *scenario);
  } catch (const sim::InputError&) {
    return 0;
  }
  fuzz::check_round_trip(*scenario);
  return 0;
}
