// `clustersim run`: one scenario's ensemble, optionally beside a counterfactual, to a result file.
#include <tbb/global_control.h>
#include <tbb/info.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <filesystem>
#include <optional>

#include "sim/cli/command.hpp"
#include "sim/cli/signals.hpp"
#include "sim/core/errors.hpp"
#include "sim/io/posterior_draws.hpp"
#include "sim/io/result_file.hpp"
#include "sim/run/ensemble.hpp"

namespace fs = std::filesystem;

namespace sim::cli {
namespace {

struct RunOptions {
  ScenarioArgs scenario;
  std::string output;  // default results/<scenario>.h5
  std::optional<long> replicates, seed;
  int threads = 0;  // 0: all cores
  bool quiet = false;
  bool force = false;
  std::string compare;  // counterfactual scenario file, or empty
  // Overrides of the counterfactual, after its calendar, seed and replicates: the assumptions a
  // comparison changes on both sides (clustersim serve's "Copy command" writes them).
  std::vector<std::string> compare_sets;
};

// Loads the counterfactual scenario on the run's calendar, seed and replicates, and checks that
// it describes the same clusters.
std::optional<Scenario> load_counterfactual(const Model& model, const RunOptions& options,
                                            const Scenario& run) {
  const std::string& file = options.compare;
  if (file.empty()) {
    if (!options.compare_sets.empty()) {
      throw InputError({"--compare-set", 0, 0}, "", "needs --compare: there is no counterfactual");
    }
    return std::nullopt;
  }
  std::vector<std::string> overrides = counterfactual_overrides(run);
  overrides.insert(overrides.end(), options.compare_sets.begin(), options.compare_sets.end());
  Scenario counterfactual = Scenario::load(file, model.schema(), LoadOptions{overrides});
  check_same_clusters(run, counterfactual, file);
  check_ensemble_fits(model, counterfactual);
  return counterfactual;
}

Scenario load_scenario(const Model& model, const RunOptions& options) {
  const ScenarioArgs& args = options.scenario;
  switch (file_kind(args.file)) {
    case FileKind::sweep:
      throw InputError({args.file, 0, 0}, "",
                       "is a sweep file (it has base: and vary:); run it with clustersim sweep");
    case FileKind::calibration:
      throw InputError({args.file, 0, 0}, "",
                       "is a calibration file (it has parameters:); run it with clustersim "
                       "calibrate");
    case FileKind::scenario:
      break;
  }
  LoadOptions load{args.sets};
  if (options.replicates)
    load.overrides.push_back(fmt::format("run.replicates={}", *options.replicates));
  if (options.seed) load.overrides.push_back(fmt::format("run.seed={}", *options.seed));
  Scenario scenario = Scenario::load(args.file, model.schema(), load);
  check_ensemble_fits(model, scenario);
  return scenario;
}

void print_header(const Scenario& scenario, int threads) {
  fmt::print(stderr, "clustersim {}: {} ({} clusters, {} to {}, {} replicates, {} threads)\n",
             clustersim_version(), scenario.name(), scenario.clusters().size(),
             quarter_label(scenario.calendar().first_quarter),
             quarter_label(scenario.calendar().last_quarter), scenario.replicates(), threads);
}

int run_scenario(const RunOptions& options, const Context& context) {
  const Model& model = context.model;
  const Scenario scenario = load_scenario(model, options);
  const std::optional<Scenario> counterfactual = load_counterfactual(model, options, scenario);
  const std::string output =
      options.output.empty()
          ? (fs::path("results") / (fs::path(options.scenario.file).stem().string() + ".h5"))
                .string()
          : options.output;
  check_output_path(output, options.force);

  const int max_threads = tbb::info::default_concurrency();
  const int threads = options.threads > 0 ? std::min(options.threads, max_threads) : max_threads;
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
  if (!options.quiet) print_header(scenario, threads);
  install_stop_handlers();
  const ReplicateOverrides draws = replicate_overrides(scenario);
  if (counterfactual && !counterfactual->path("calibration.file").empty() &&
      counterfactual->path("calibration.file") != scenario.path("calibration.file")) {
    counterfactual->fail("calibration.file",
                         "the counterfactual names another calibration than the run: a paired "
                         "comparison draws both from the run's posterior, so leave it out");
  }
  std::vector<std::string> drawn_keys;
  if (!draws.empty()) {
    for (const auto& assignment : draws.front()) {
      drawn_keys.push_back(assignment.substr(0, assignment.find('=')));
    }
  }
  const std::string uncertainty =
      draws.empty()
          ? ""
          : fmt::format(
                "parameter uncertainty: each replicate{} runs with one particle "
                "drawn from the posterior of {} ({} settings: {}; the draws "
                "are in the result file's /replicate_settings)\n",
                counterfactual ? ", and its counterfactual," : "",
                scenario.path("calibration.file"), drawn_keys.size(), fmt::join(drawn_keys, ", "));
  ProgressCounter counter;
  const auto run = [&](const Scenario& which, const char* label) {
    if (!options.quiet && counterfactual) fmt::print(stderr, "{}: {}\n", label, which.name());
    counter.steps_done = 0;
    counter.replicates_done = 0;
    const ProgressPrinter printer(
        counter, options.quiet ? ProgressStyle::Quiet : default_progress_style(stderr));
    return run_ensemble(model, which, RunControl{&counter, context.cancel}, draws);
  };
  EnsembleResult result, counterfactual_result;
  try {
    result = run(scenario, "run");
    if (counterfactual) counterfactual_result = run(*counterfactual, "counterfactual");
  } catch (const Cancelled&) {
    // The counts let a test check that no replicate started after the stop, whatever the load.
    fmt::print(stderr, "stopped by signal {} with {} of {} replicates started; no result written\n",
               stop_signal(), counter.replicates_started.load(), scenario.replicates());
    return 128 + stop_signal();
  }
  std::optional<CounterfactualRun> with;
  if (counterfactual) {
    attach_comparison(model, scenario, result, *counterfactual, counterfactual_result);
    with.emplace(CounterfactualRun{*counterfactual, counterfactual_result});
  }
  Provenance provenance{context.invocation, threads, {}};
  for (const auto& replicate : draws) {
    provenance.replicate_settings.push_back(fmt::format("{}", fmt::join(replicate, "\n")));
  }
  write_result_file(output, model, scenario, result, provenance, with ? &*with : nullptr);
  if (!options.quiet) {
    fmt::print(stderr, "simulated in {:.2f} s; wrote {}\n",
               result.wall_seconds + counterfactual_result.wall_seconds, output);
  }
  fmt::print("{}{}", uncertainty, goals_report_text(result.goals));
  return kExitOk;
}

class RunCommand final : public Command {
 public:
  explicit RunCommand(CLI::App& app)
      : Command(app, "run", "Run a scenario's ensemble and write an HDF5 result") {
    CLI::App& cmd = this->app();
    add_scenario_args(cmd, options_.scenario);
    cmd.add_option("-o,--output", options_.output, "Result file (default results/<scenario>.h5)");
    cmd.add_option("--replicates", options_.replicates,
                   "Number of replicates (overrides run.replicates)")
        ->check(CLI::Range(1L, 100000L));
    cmd.add_option("--seed", options_.seed, "Random seed (overrides run.seed)")
        ->check(CLI::Range(0L, 9007199254740991L));
    cmd.add_option("--threads", options_.threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(1, 1024));
    cmd.add_flag("-q,--quiet", options_.quiet, "No progress output");
    cmd.add_flag("-f,--force", options_.force, "Replace an existing result file");
    cmd.add_option("--compare", options_.compare,
                   "Also run this counterfactual scenario with the same seed and replicates, and "
                   "report output gained per yuan of public money against it");
    cmd.add_option("--compare-set", options_.compare_sets,
                   "KEY=VALUE override of the counterfactual (repeatable), e.g. an assumption "
                   "changed on both sides");
  }
  int run(const Context& context) override { return run_scenario(options_, context); }

 private:
  RunOptions options_;
};

}  // namespace

std::unique_ptr<Command> add_run(CLI::App& app) {
  return std::make_unique<RunCommand>(app);
}

}  // namespace sim::cli
