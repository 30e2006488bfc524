// `clustersim serve`: a local web app over one scenario and its counterfactual. The page's
// controls come from the schema; a change runs the ensemble (sim/serve/jobs) and its progress
// and partial results stream to the page as server-sent events.
//
// Safe by default: loopback unless told otherwise, a random token on every request, Host and
// Origin checked against the address served, bounded request bodies, and every setting through
// the same validation as `--set`.
#pragma once

#include <atomic>
#include <string>

#include "sim/run/model.hpp"

namespace sim::serve {

struct ServeOptions {
  std::string scenario = "shandong-2015";  // the base scenario (file or shipped name)
  std::string compare = "no-policy";       // the counterfactual
  std::string host = "127.0.0.1";
  int port = 0;       // 0: any free port
  std::string token;  // empty: a random one
  std::string invocation;
  std::size_t max_running = 4;   // ensembles at once
  std::size_t max_kept = 8;      // finished ensembles kept, at most
  double max_kept_share = 0.25;  // of physical memory, for the metrics of those kept
};

// The largest request body the app accepts (a page's changes are a few kB).
inline constexpr std::size_t kMaxBody = std::size_t{64} * 1024;

// Serves until `stop` is raised; prints the page's address (with its token) on standard output
// once listening. Throws InputError for a bad scenario or an address it cannot listen on.
void serve(const Model& model, const ServeOptions& options, const std::atomic<bool>& stop);

// A token of 32 hexadecimal digits from the system's random device.
std::string random_token();

// Pieces of the request checks, for the unit tests.
bool host_allowed(const std::string& host_header, const std::string& served_host, int port);
bool origin_allowed(const std::string& origin, const std::string& served_host, int port);
bool same_token(const std::string& given, const std::string& token);

}  // namespace sim::serve
