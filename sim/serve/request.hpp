// The page's run requests: a JSON body ({client, changes, seed, replicates}) becomes the job it
// asks for, through the same scenario loading and checks as `clustersim run --set`, with the
// command line that runs the same.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/serve/changes.hpp"
#include "sim/serve/jobs.hpp"

namespace sim::serve {

// A request body as JSON; InputError (file "request") when it is not JSON or holds a number
// no double can hold.
nlohmann::json parse_body(std::string_view body);

class RunRequests {
 public:
  // Loads the base scenario, and checks that its counterfactual loads and matches it.
  RunRequests(const Model& model, std::string scenario, std::string compare);

  const Scenario& base() const { return base_; }
  // The job a request body asks for; InputError (file "request") for anything wrong with it.
  JobSpec spec_of(const nlohmann::json& body) const;
  // The job of `changes` on top of the base, with the run's seed and replicates when given:
  // the run with the changes, the counterfactual on its calendar and seed with the changed
  // assumptions, both memory-checked together.
  JobSpec spec(const std::vector<Change>& changes, std::optional<long long> seed,
               std::optional<long long> replicates) const;

 private:
  const Model& model_;
  std::string scenario_, compare_;
  Scenario base_;
};

// A word as a POSIX shell reads it back: as it is when plain, else in single quotes.
std::string shell_quote(const std::string& word);

}  // namespace sim::serve
