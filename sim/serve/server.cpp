#include "sim/serve/server.hpp"

#include <httplib.h>

#include <fmt/format.h>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "sim/config/memory.hpp"
#include "sim/core/errors.hpp"
#include "sim/io/result_file.hpp"
#include "sim/report/report.hpp"
#include "sim/serve/changes.hpp"
#include "sim/serve/jobs.hpp"
#include "sim/serve/page.hpp"
#include "sim/serve/request.hpp"
#include "sim/serve/summary.hpp"

namespace fs = std::filesystem;

namespace sim::serve {
namespace {

constexpr auto kEventWait = std::chrono::milliseconds(1000);
constexpr std::size_t kMaxClientId = 64;
constexpr std::size_t kHttpThreads = 16;

// What the app serves: the base scenario, its counterfactual and the jobs.
class App {
 public:
  App(const Model& model, const ServeOptions& options)
      : model_(model),
        options_(options),
        requests_(model, options.scenario, options.compare),
        board_(model, options.max_running, options.max_kept,
               options.max_kept_share * physical_memory_bytes()) {
    char pattern[] = "/tmp/clustersim-serve-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw WriteError("cannot make a temporary folder in /tmp");
    downloads_ = pattern;
  }
  ~App() {
    std::error_code ignored;
    fs::remove_all(downloads_, ignored);
  }
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  JobBoard& board() { return board_; }
  const RunRequests& requests() const { return requests_; }

  nlohmann::json setup() const {
    const Scenario& base_ = requests_.base();
    nlohmann::json clusters = nlohmann::json::array();
    for (std::size_t c = 0; c < base_.clusters().size(); ++c) {
      const auto& info = base_.clusters()[c];
      clusters.push_back({{"id", info.id}, {"name", info.name}, {"name_zh", info.name_zh}});
    }
    nlohmann::json quarters = nlohmann::json::array();
    const Calendar& calendar = base_.calendar();
    for (int q = calendar.first_quarter; q <= calendar.last_quarter; ++q) {
      quarters.push_back(quarter_label(q));
    }
    const ReportLayout layout = model_.report_layout();
    const Setting* mark = model_.schema().find(layout.mark_setting);
    return {{"version", clustersim_version()},
            {"commit", git_commit()},
            {"scenario", options_.scenario},
            {"scenario_name", base_.name()},
            {"plan", base_.text("plan")},
            {"compare", options_.compare},
            {"seed", base_.seed()},
            {"replicates", base_.replicates()},
            {"clusters", clusters},
            {"quarters", quarters},
            {"fan_metric", layout.fan_metric},
            {"fan_unit", model_.metrics()[metric_index(model_, layout.fan_metric)].units},
            {"mark", mark != nullptr ? nlohmann::json(base_.number(layout.mark_setting))
                                     : nlohmann::json()},
            {"controls", controls_json(base_)}};
  }

  std::string download_result(const Job& job) const {
    const fs::path path = downloads_ / fmt::format("{}-{}.h5", job.key(), next_download());
    const CounterfactualRun with{job.spec().counterfactual, job.counterfactual_result()};
    write_result_file(path.string(), model_, job.spec().run, job.result(),
                      Provenance{job.spec().command, 0, {}}, &with);
    return path.string();
  }

  std::string report(const Job& job) const {
    const std::string path = download_result(job);
    std::string html = report::report_html(path, model_, {});
    std::error_code ignored;
    fs::remove(path, ignored);
    return html;
  }

 private:
  std::size_t next_download() const { return downloads_made_.fetch_add(1); }

  const Model& model_;
  ServeOptions options_;
  RunRequests requests_;
  JobBoard board_;
  fs::path downloads_;
  mutable std::atomic<std::size_t> downloads_made_{0};
};

void reply_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void reply_error(httplib::Response& res, int status, const std::string& message) {
  reply_json(res, status, {{"error", message}});
}

std::string url_host(const std::string& host) {
  if (host == "0.0.0.0" || host.empty()) return "127.0.0.1";
  if (host == "::") return "[::1]";
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// The request checks every route passes first: Host, Origin, token.
httplib::Server::HandlerResponse check_request(const httplib::Request& req, httplib::Response& res,
                                               const std::string& host, int port,
                                               const std::string& token) {
  if (!host_allowed(req.get_header_value("Host"), host, port)) {
    res.status = 403;
    res.set_content("refused: the Host header is not the address this server listens on\n",
                    "text/plain");
    return httplib::Server::HandlerResponse::Handled;
  }
  if (req.has_header("Origin") && !origin_allowed(req.get_header_value("Origin"), host, port)) {
    res.status = 403;
    res.set_content("refused: requests from another origin are not served\n", "text/plain");
    return httplib::Server::HandlerResponse::Handled;
  }
  const std::string given = req.has_param("token") ? req.get_param_value("token")
                                                   : req.get_header_value("X-Clustersim-Token");
  if (!same_token(given, token)) {
    res.status = 401;
    res.set_content("refused: open the address clustersim serve printed, with its token\n",
                    "text/plain");
    return httplib::Server::HandlerResponse::Handled;
  }
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cache-Control", "no-store");
  return httplib::Server::HandlerResponse::Unhandled;
}

void add_routes(httplib::Server& server, App& app, const std::atomic<bool>& stop) {
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                   "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'");
    res.set_content(page_html(), "text/html; charset=utf-8");
  });
  server.Get("/api/setup", [&app](const httplib::Request&, httplib::Response& res) {
    reply_json(res, 200, app.setup());
  });
  server.Post("/api/run", [&app](const httplib::Request& req, httplib::Response& res) {
    try {
      const nlohmann::json body = parse_body(req.body);
      const std::string client = body.is_object() ? body.value("client", "") : "";
      if (client.empty() || client.size() > kMaxClientId) {
        reply_error(res, 400, "request: key 'client': must be a text of 1 to 64 characters");
        return;
      }
      JobSpec spec = app.requests().spec_of(body);
      nlohmann::json reply = {
          {"sets", spec.sets}, {"compare_sets", spec.compare_sets}, {"command", spec.command}};
      const auto job = app.board().submit(client, std::move(spec));
      if (job == nullptr) {
        reply_error(res, 503, "busy: the most ensembles at once are running; try again soon");
        return;
      }
      reply["job"] = job->key();
      reply["state"] = state_name(job->state());
      reply_json(res, 200, reply);
    } catch (const InputError& e) {
      reply_error(res, 400, e.what());
    } catch (const nlohmann::json::exception& e) {
      reply_error(res, 400, fmt::format("request: {}", e.what()));
    }
  });
  server.Get("/api/events", [&app, &stop](const httplib::Request& req, httplib::Response& res) {
    const auto job = app.board().find(req.get_param_value("job"));
    if (job == nullptr) {
      reply_error(res, 404, "no such job (it may have been replaced by newer ones)");
      return;
    }
    res.set_chunked_content_provider(
        "text/event-stream", [job, &stop, seen = std::uint64_t{0}, ended = false](
                                 std::size_t, httplib::DataSink& sink) mutable {
          if (ended || stop.load()) {
            sink.done();
            return true;
          }
          const std::uint64_t before = seen;
          const nlohmann::json update = job->wait_for_update(seen, kEventWait);
          std::string event;
          if (seen == before && before != 0) {
            event = ": still running\n\n";  // lets a closed connection show itself
          } else {
            const std::string state = update["state"];
            ended = state != "running";
            event =
                fmt::format("event: {}\ndata: {}\n\n", ended ? "end" : "progress", update.dump());
          }
          return sink.write(event.data(), event.size());
        });
  });
  auto finished_job = [&app](const httplib::Request& req, httplib::Response& res) {
    auto job = app.board().find(req.get_param_value("job"));
    if (job == nullptr || job->state() != JobState::done) {
      reply_error(res, 404, "no finished job by that key");
      return std::shared_ptr<Job>();
    }
    return job;
  };
  server.Get("/api/result.h5",
             [&app, finished_job](const httplib::Request& req, httplib::Response& res) {
               const auto job = finished_job(req, res);
               if (job == nullptr) return;
               const std::string path = app.download_result(*job);
               std::ifstream in(path, std::ios::binary);
               std::stringstream bytes;
               bytes << in.rdbuf();
               std::error_code ignored;
               fs::remove(path, ignored);
               res.set_header("Content-Disposition",
                              fmt::format("attachment; filename=\"clustersim-{}.h5\"", job->key()));
               res.set_content(bytes.str(), "application/x-hdf5");
             });
  server.Get("/api/report.html", [&app, finished_job](const httplib::Request& req,
                                                      httplib::Response& res) {
    const auto job = finished_job(req, res);
    if (job == nullptr) return;
    res.set_header("Content-Disposition",
                   fmt::format("attachment; filename=\"clustersim-{}.html\"", job->key()));
    res.set_content(app.report(*job), "text/html; charset=utf-8");
  });
}

}  // namespace

std::string random_token() {
  std::random_device device;
  std::string out;
  for (int i = 0; i < 4; ++i) out += fmt::format("{:08x}", device());
  return out;
}

bool host_allowed(const std::string& host_header, const std::string& served_host, int port) {
  const std::array<std::string, 4> names = {"127.0.0.1", "localhost", "[::1]",
                                            url_host(served_host)};
  return std::any_of(names.begin(), names.end(), [&](const std::string& name) {
    return host_header == fmt::format("{}:{}", name, port);
  });
}

bool origin_allowed(const std::string& origin, const std::string& served_host, int port) {
  const std::string prefix = "http://";
  return origin.rfind(prefix, 0) == 0 &&
         host_allowed(origin.substr(prefix.size()), served_host, port);
}

bool same_token(const std::string& given, const std::string& token) {
  if (given.size() != token.size() || token.empty()) return false;
  unsigned char differ = 0;  // every byte compared, so the time says nothing of the token
  for (std::size_t i = 0; i < token.size(); ++i) {
    differ |= static_cast<unsigned char>(given[i] ^ token[i]);
  }
  return differ == 0;
}

void serve(const Model& model, const ServeOptions& options, const std::atomic<bool>& stop) {
  App app(model, options);
  const std::string token = options.token.empty() ? random_token() : options.token;
  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(kHttpThreads); };
  server.set_payload_max_length(kMaxBody);
  // httplib's default also sets SO_REUSEPORT, with which a second server would share a port in
  // use rather than fail.
  server.set_socket_options([](socket_t socket) {
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  int port = options.port;
  if (port == 0) {
    port = server.bind_to_any_port(options.host);
  } else if (!server.bind_to_port(options.host, port)) {
    port = -1;
  }
  if (port < 0) {
    throw InputError({"--port", 0, 0}, "",
                     fmt::format("cannot listen on {}:{} (in use, or not an address of this "
                                 "machine)",
                                 options.host, options.port));
  }
  server.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    return check_request(req, res, options.host, port, token);
  });
  add_routes(server, app, stop);
  std::thread listener([&server] { server.listen_after_bind(); });
  fmt::print("clustersim serve: {} against {} at http://{}:{}/?token={}\n", options.scenario,
             options.compare, url_host(options.host), port, token);
  std::fflush(stdout);
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  app.board().cancel_all();
  server.stop();
  listener.join();
}

}  // namespace sim::serve
