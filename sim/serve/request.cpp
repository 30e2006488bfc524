#include "sim/serve/request.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <array>

#include "sim/config/memory.hpp"
#include "sim/core/errors.hpp"

namespace sim::serve {
namespace {

std::optional<long long> whole_number(const nlohmann::json& body, const char* name, long long low,
                                      long long high) {
  if (!body.contains(name) || body[name].is_null()) return std::nullopt;
  const auto& node = body[name];
  if (!node.is_number_integer() || node.get<long long>() < low || node.get<long long>() > high) {
    throw InputError({"request", 0, 0}, name,
                     fmt::format("must be a whole number from {} to {}", low, high));
  }
  return node.get<long long>();
}

}  // namespace

std::string shell_quote(const std::string& word) {
  const bool plain = !word.empty() && word.find_first_not_of(
                                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789._-/=:") == std::string::npos;
  if (plain) return word;
  std::string out = "'";
  for (const char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

nlohmann::json parse_body(std::string_view body) {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError({"request", 0, 0}, "",
                     fmt::format("the body is not JSON (at byte {})", e.byte));
  } catch (const nlohmann::json::exception& e) {
    // A number past a double's range: nlohmann's out_of_range 406.
    throw InputError({"request", 0, 0}, "", fmt::format("the body cannot be read: {}", e.what()));
  }
}

RunRequests::RunRequests(const Model& model, std::string scenario, std::string compare)
    : model_(model),
      scenario_(std::move(scenario)),
      compare_(std::move(compare)),
      base_(Scenario::load(scenario_, model.schema())) {
  // The counterfactual must load and match before the first page asks for it.
  (void)spec({}, std::nullopt, std::nullopt);
}

JobSpec RunRequests::spec_of(const nlohmann::json& body) const {
  static const std::array<std::string, 4> kFields = {"client", "changes", "seed", "replicates"};
  if (!body.is_object()) throw InputError({"request", 0, 0}, "", "must be a JSON object");
  for (const auto& [name, value] : body.items()) {
    if (std::find(kFields.begin(), kFields.end(), name) == kFields.end()) {
      throw InputError({"request", 0, 0}, name.substr(0, 100),
                       "is not a field of a run request (client, changes, seed, replicates)");
    }
  }
  const std::vector<Change> changes =
      parse_changes(body.value("changes", nlohmann::json::array()), model_.schema());
  return spec(changes, whole_number(body, "seed", 0, 9007199254740991LL),
              whole_number(body, "replicates", 1, kMaxReplicates));
}

JobSpec RunRequests::spec(const std::vector<Change>& changes, std::optional<long long> seed,
                          std::optional<long long> replicates) const {
  std::vector<std::string> sets, compare_sets;
  for (const Change& change : changes) {
    const std::string assignment = to_assignment(change, base_);
    sets.push_back(assignment);
    if (!is_lever(change.key)) compare_sets.push_back(assignment);
  }
  if (replicates) sets.push_back(fmt::format("run.replicates={}", *replicates));
  if (seed) sets.push_back(fmt::format("run.seed={}", *seed));
  Scenario run = Scenario::load(scenario_, model_.schema(), LoadOptions{sets});
  check_fits_in_memory(run, {"run.replicates", "run.end"}, job_bytes(model_, run),
                       fmt::format("the metrics of the ensemble and its counterfactual ({} "
                                   "replicates each)",
                                   run.replicates()));
  std::vector<std::string> counterfactual_sets = counterfactual_overrides(run);
  counterfactual_sets.insert(counterfactual_sets.end(), compare_sets.begin(), compare_sets.end());
  Scenario counterfactual =
      Scenario::load(compare_, model_.schema(), LoadOptions{counterfactual_sets});
  check_same_clusters(run, counterfactual, compare_);
  std::string command =
      fmt::format("clustersim run {} --compare {}", shell_quote(scenario_), shell_quote(compare_));
  for (const auto& set : sets) command += " --set " + shell_quote(set);
  for (const auto& set : compare_sets) command += " --compare-set " + shell_quote(set);
  command += " -o result.h5";
  return JobSpec{std::move(run), std::move(counterfactual), std::move(sets),
                 std::move(compare_sets), std::move(command)};
}

}  // namespace sim::serve
