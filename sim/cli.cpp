#include "sim/cli.hpp"

#include <algorithm>

#include <hdf5.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "sim/bench.hpp"
#include "sim/ensemble.hpp"
#include "sim/result_file.hpp"
#include "sim/sensitivity.hpp"
#include "sim/sweep_runner.hpp"

namespace fs = std::filesystem;

namespace sim {
namespace {

// Set by SIGINT/SIGTERM: the run stops at the next quarter and writes nothing.
std::atomic<bool> g_cancel{false};
std::atomic<int> g_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "signal handlers need lock-free atomics");

extern "C" void on_stop_signal(int signal) {
  g_signal.store(signal);
  g_cancel.store(true);
}

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

struct ScenarioArgs {
  std::string file;
  std::vector<std::string> sets;
};

void add_scenario_args(CLI::App& cmd, ScenarioArgs& args) {
  cmd.add_option("scenario", args.file, "Scenario file (YAML)")->required();
  cmd.add_option("--set", args.sets, "Override a setting: --set path.to.key=value (repeatable)")
      ->allow_extra_args(false);
}

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) out += (i > 0 ? " " : "") + std::string(argv[i]);
  return out;
}

// Loads the counterfactual scenario on the run's calendar, seed and replicates, and checks that
// it describes the same clusters.
std::optional<Scenario> load_counterfactual(const Model& model, const std::string& file,
                                            const Scenario& run) {
  if (file.empty()) return std::nullopt;
  Scenario counterfactual =
      Scenario::load(file, model.schema(), LoadOptions{counterfactual_overrides(run)});
  check_same_clusters(run, counterfactual, file);
  check_ensemble_fits(model, counterfactual);
  return counterfactual;
}

// A sweep file names a base scenario and what to vary; a scenario has neither key.
bool is_sweep_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  try {
    const ConfigNode tree = parse_scenario_text(text.str(), path);
    return tree.child("vary") != nullptr || tree.child("base") != nullptr;
  } catch (const InputError&) {
    return false;  // the scenario loader reports what is wrong with it
  }
}

int run_command(const Model& model, const ScenarioArgs& args, std::string output,
                std::optional<long> replicates, std::optional<long> seed, int threads, bool quiet,
                bool force, const std::string& compare, const std::string& invocation) {
  if (is_sweep_file(args.file)) {
    throw InputError({args.file, 0, 0}, "",
                     "is a sweep file (it has base: and vary:); run it with clustersim sweep");
  }
  LoadOptions options{args.sets};
  if (replicates) options.overrides.push_back(fmt::format("run.replicates={}", *replicates));
  if (seed) options.overrides.push_back(fmt::format("run.seed={}", *seed));
  const Scenario scenario = Scenario::load(args.file, model.schema(), options);
  check_ensemble_fits(model, scenario);
  const std::optional<Scenario> counterfactual = load_counterfactual(model, compare, scenario);
  if (output.empty())
    output = (fs::path("results") / (fs::path(args.file).stem().string() + ".h5"));
  check_output_path(output, force);

  const int max_threads = tbb::info::default_concurrency();
  const int used_threads = threads > 0 ? std::min(threads, max_threads) : max_threads;
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(used_threads));
  if (!quiet) {
    fmt::print(stderr, "clustersim {}: {} ({} clusters, {} to {}, {} replicates, {} threads)\n",
               clustersim_version(), scenario.name(), scenario.clusters().size(),
               quarter_label(scenario.calendar().first_quarter),
               quarter_label(scenario.calendar().last_quarter), scenario.replicates(),
               used_threads);
  }
  EnsembleResult result, counterfactual_result;
  install_stop_handlers();
  const auto run = [&](const Scenario& which, const char* label) {
    if (!quiet && counterfactual) fmt::print(stderr, "{}: {}\n", label, which.name());
    ProgressCounter counter;
    ProgressPrinter printer(counter, quiet ? ProgressStyle::Quiet : default_progress_style(stderr));
    return run_ensemble(model, which, RunControl{&counter, &g_cancel});
  };
  try {
    result = run(scenario, "run");
    if (counterfactual) counterfactual_result = run(*counterfactual, "counterfactual");
  } catch (const Cancelled&) {
    fmt::print(stderr, "stopped by signal {}; no result written\n", g_signal.load());
    return 128 + g_signal.load();
  }
  std::optional<CounterfactualRun> with;
  if (counterfactual) {
    attach_comparison(model, scenario, result, *counterfactual, counterfactual_result);
    with.emplace(CounterfactualRun{*counterfactual, counterfactual_result});
  }
  write_result_file(output, model, scenario, result, Provenance{invocation, used_threads},
                    with ? &*with : nullptr);
  if (!quiet) {
    fmt::print(stderr, "simulated in {:.2f} s; wrote {}\n",
               result.wall_seconds + counterfactual_result.wall_seconds, output);
  }
  fmt::print("{}", goals_report_text(result.goals));
  return kExitOk;
}

int validate_sweep(const Model& model, const ScenarioArgs& args) {
  if (!args.sets.empty()) {
    throw InputError({args.file, 0, 0}, "--set",
                     "a sweep file takes its overrides from its own `set:`, not from --set");
  }
  const SweepDefinition sweep = load_sweep(args.file, model);
  fmt::print("{}: valid sweep ({} design over {}, {} points x {} replicates = {} runs)\n",
             args.file, method_name(sweep.method), fmt::join(sweep.settings, ", "),
             sweep.points.size(), sweep.replicates,
             sweep.points.size() * static_cast<std::size_t>(sweep.replicates));
  return kExitOk;
}

int validate_command(const Model& model, const ScenarioArgs& args) {
  if (is_sweep_file(args.file)) return validate_sweep(model, args);
  const Scenario scenario = Scenario::load(args.file, model.schema(), LoadOptions{args.sets});
  check_ensemble_fits(model, scenario);
  fmt::print("{}: valid ({} clusters, {} to {}, {} replicates)\n", args.file,
             scenario.clusters().size(), quarter_label(scenario.calendar().first_quarter),
             quarter_label(scenario.calendar().last_quarter), scenario.replicates());
  return kExitOk;
}

// Rewrites the part of a Markdown file between kSchemaBegin and kSchemaEnd with the schema.
int update_schema_table(const std::string& file, const Schema& schema) {
  constexpr std::string_view kSchemaBegin = "<!-- schema:begin -->\n";
  constexpr std::string_view kSchemaEnd = "<!-- schema:end -->";
  std::ifstream in(file);
  if (!in) throw InputError({file, 0, 0}, "", "cannot read the file to update");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  const auto begin = text.find(kSchemaBegin);
  const auto end = text.find(kSchemaEnd);
  if (begin == std::string::npos || end == std::string::npos || end < begin) {
    throw InputError({file, 0, 0}, "", "the file lacks the <!-- schema:begin/end --> markers");
  }
  text.replace(begin + kSchemaBegin.size(), end - begin - kSchemaBegin.size(), schema.markdown());
  std::ofstream(file) << text;
  fmt::print("updated the settings table in {}\n", file);
  return kExitOk;
}

int goals_command(const std::string& file, bool json) {
  const GoalResults results = read_goal_results(file);
  fmt::print("{}", json ? goals_report_json(results) : goals_report_text(results));
  return kExitOk;
}

int stats_command(const Model& model, const std::string& file, bool json) {
  const std::vector<Snapshot> snapshots = read_snapshots(file);
  if (snapshots.empty()) {
    throw InputError({file, 0, 0}, "",
                     "the file holds no per-agent snapshots; run the scenario with "
                     "output.firm_snapshots: true");
  }
  try {
    fmt::print("{}", model.diagnostics(snapshots, json));
  } catch (const std::runtime_error& e) {
    // The model could not find what it needs in the snapshots: a damaged or foreign file.
    throw InputError({file, 0, 0}, "", fmt::format("unusable snapshots: {}", e.what()));
  }
  return kExitOk;
}

}  // namespace

int run_cli(int argc, char** argv, const Model& model) {
  // HDF5 would print its own error stack; errors are reported here instead.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  // Past a file size limit (ulimit -f) a write should fail with an error we report, not kill
  // the process with SIGXFSZ and leave a temporary file behind.
  std::signal(SIGXFSZ, SIG_IGN);

  CLI::App app{"clustersim: agent-based simulator of innovative industrial clusters"};
  app.require_subcommand(1);
  app.set_version_flag("--version", clustersim_version());

  ScenarioArgs run_args;
  std::string output;
  std::optional<long> replicates, seed;
  int threads = 0;
  bool quiet = false, force = false;
  CLI::App* run = app.add_subcommand("run", "Run a scenario's ensemble and write an HDF5 result");
  add_scenario_args(*run, run_args);
  run->add_option("-o,--output", output, "Result file (default results/<scenario>.h5)");
  run->add_option("--replicates", replicates, "Number of replicates (overrides run.replicates)")
      ->check(CLI::Range(1L, 100000L));
  run->add_option("--seed", seed, "Random seed (overrides run.seed)")
      ->check(CLI::Range(0L, 9007199254740991L));
  run->add_option("--threads", threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  run->add_flag("-q,--quiet", quiet, "No progress output");
  run->add_flag("-f,--force", force, "Replace an existing result file");
  std::string compare;
  run->add_option("--compare", compare,
                  "Also run this counterfactual scenario with the same seed and replicates, and "
                  "report output gained per yuan of public money against it");

  ScenarioArgs validate_args;
  CLI::App* validate =
      app.add_subcommand("validate", "Check a scenario or sweep file without running it");
  add_scenario_args(*validate, validate_args);

  std::string schema_update;
  CLI::App* schema = app.add_subcommand("schema", "Print every setting as a Markdown table");
  schema->add_option("--update", schema_update,
                     "Replace the table between the schema markers of this Markdown file");

  std::string goals_file;
  bool json = false;
  CLI::App* goals = app.add_subcommand("goals", "Report the plan's goals from a result file");
  goals->add_option("result", goals_file, "Result file (HDF5)")->required();
  goals->add_flag("--json", json, "Machine-readable JSON");

  std::string stats_file;
  bool stats_json = false;
  CLI::App* stats = app.add_subcommand(
      "stats", "Stylized facts of the firm snapshots in a result file (sizes, growth, R&D)");
  stats->add_option("result", stats_file, "Result file (HDF5) written with firm snapshots")
      ->required();
  stats->add_flag("--json", stats_json, "Machine-readable JSON");

  std::string sweep_file, shard;
  SweepOptions sweep_options;
  CLI::App* sweep = app.add_subcommand(
      "sweep",
      "Run every point x replicate of a sweep file: on this machine's cores, as one "
      "shard of a job array (--shard), or over MPI ranks when started by mpirun");
  sweep->add_option("sweep", sweep_file, "Sweep file (YAML, see scenarios/README.md)")->required();
  sweep
      ->add_option("-o,--output", sweep_options.output,
                   "Result file; finished runs are kept in <output>.d until assembled")
      ->required();
  sweep->add_option("--shard", shard,
                    "K/N: run only this shard's share (runs i with i % N == K) into <output>.d; "
                    "join the shards with `clustersim merge`");
  sweep
      ->add_option("--threads", sweep_options.threads,
                   "Worker threads (default: all cores; under MPI the cores per rank)")
      ->check(CLI::Range(1, 1024));
  sweep->add_flag("-q,--quiet", sweep_options.quiet, "No progress output");
  sweep->add_flag("-f,--force", sweep_options.force, "Replace an existing result file");
  sweep->add_flag("--keep-runs", sweep_options.keep_runs,
                  "Keep the finished runs in <output>.d after assembling the result");

  std::string merge_folder, merge_output;
  bool merge_force = false;
  CLI::App* merge = app.add_subcommand(
      "merge", "Join the shards of a sweep (<output>.d from `sweep --shard`) into its result file");
  merge->add_option("folder", merge_folder, "Folder of finished runs (<output>.d)")->required();
  merge->add_option("-o,--output", merge_output, "Result file")->required();
  merge->add_flag("-f,--force", merge_force, "Replace an existing result file");

  std::string sensitivity_file, outcome;
  std::size_t bootstrap = 1000;
  double confidence = 0.95;
  std::uint64_t bootstrap_seed = 0;
  bool sensitivity_json = false;
  CLI::App* sensitivity = app.add_subcommand(
      "sensitivity", "First-order and total Sobol indices of an outcome over a saltelli sweep");
  sensitivity->add_option("result", sensitivity_file, "Result file of a saltelli sweep")
      ->required();
  sensitivity
      ->add_option("--outcome", outcome,
                   "G3 | G3.value | G3.cost | sum(M[, P]) | mean(M[, P]) | clusters(M >= X[, P]) "
                   "(see results/README.md)")
      ->required();
  sensitivity->add_option("--bootstrap", bootstrap, "Bootstrap resamples for the intervals")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1000000}));
  sensitivity->add_option("--confidence", confidence, "Level of the intervals")
      ->check(CLI::Range(0.5, 0.999));
  sensitivity->add_option("--seed", bootstrap_seed, "Seed of the bootstrap resamples");
  sensitivity->add_flag("--json", sensitivity_json, "Machine-readable JSON");

  BenchOptions bench_options;
  bench_options.scenario = "scenarios/bench/scale.yaml";
  CLI::App* bench = app.add_subcommand(
      "bench", "Measure a scenario's speed, memory and HDF5 time beside reference kernels");
  bench->add_option("scenario", bench_options.scenario,
                    "Scenario file (default scenarios/bench/scale.yaml)");
  bench->add_option("--set", bench_options.sets, "Override a setting (repeatable)")
      ->allow_extra_args(false);
  bench->add_option("--threads", bench_options.threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  bench->add_flag("--json", bench_options.json, "Machine-readable JSON (rate: agent_steps_per_s)");
  bench->add_flag("-q,--quiet", bench_options.quiet, "No progress output");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }

  try {
    if (*run) {
      return run_command(model, run_args, output, replicates, seed, threads, quiet, force, compare,
                         command_line(argc, argv));
    }
    if (*validate) return validate_command(model, validate_args);
    if (*schema) {
      if (!schema_update.empty()) return update_schema_table(schema_update, model.schema());
      fmt::print("{}", model.schema().markdown());
      return kExitOk;
    }
    if (*goals) return goals_command(goals_file, json);
    if (*stats) return stats_command(model, stats_file, stats_json);
    if (*sweep) {
      if (!shard.empty()) parse_shard(shard, sweep_options.shard, sweep_options.shards);
      sweep_options.command_line = command_line(argc, argv);
      sweep_options.cancel = &g_cancel;
      install_stop_handlers();
      return sweep_command(model, sweep_file, sweep_options);
    }
    if (*bench) return bench_command(model, bench_options);
    if (*merge) {
      return merge_command(model, merge_folder, merge_output, merge_force,
                           command_line(argc, argv));
    }
    if (*sensitivity) {
      return sensitivity_command(sensitivity_file, outcome, bootstrap, confidence, bootstrap_seed,
                                 sensitivity_json);
    }
  } catch (const Cancelled&) {
    fmt::print(stderr,
               "stopped by signal {}; finished runs are kept, run the same command to resume\n",
               g_signal.load());
    return 128 + g_signal.load();
  } catch (const InputError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  } catch (const WriteError& e) {
    // Skips HDF5's exit handler, which would try again to close the file that failed.
    fmt::print(stderr, "error: {}\n", e.what());
    std::fflush(nullptr);
    std::_Exit(kExitFailure);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitFailure;
  }
  return kExitFailure;
}

}  // namespace sim
