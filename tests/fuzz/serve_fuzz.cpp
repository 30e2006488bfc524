// Fuzz target: any bytes as the body of the web app's run request (POST /api/run of
// `clustersim serve`) end as the job they ask for or an InputError, as the server answers them
// (400 with the message), parsed as the server parses them. Anything else (another
// exception, a crash, a sanitizer report) is a finding. Nothing is run: the request is turned
// into its run and counterfactual scenarios, loaded and checked as `clustersim run --set` does.
// Run from scenarios/, as `make fuzz` does, so that the plan's data paths resolve.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "models/cluster_model.hpp"
#include "sim/core/errors.hpp"
#include "sim/serve/request.hpp"

namespace {

const sim::serve::RunRequests& requests() {
  static const models::ClusterModel model;
  static const sim::serve::RunRequests instance(model, "shandong-2015.yaml", "no-policy.yaml");
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  try {
    (void)requests().spec_of(sim::serve::parse_body(body));
  } catch (const sim::InputError&) {
  }
  return 0;
}
