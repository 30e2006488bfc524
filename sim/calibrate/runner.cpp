#include "sim/calibrate/runner.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>

#include "sim/analysis/outcome.hpp"
#include "sim/analysis/sensitivity.hpp"
#include "sim/core/errors.hpp"
#include "sim/io/result_file.hpp"
#include "sim/sweep/file.hpp"
#include "sim/sweep/runner.hpp"
#if CLUSTERSIM_WITH_MPI
#include "sim/sweep/mpi.hpp"
#endif

namespace fs = std::filesystem;

namespace sim {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Thrown where a job array's shard or step stops: the next call goes on from there.
struct Paused {};

// The calibration's random streams, keyed by (seed, stream) with counter (generation, index).
enum Stream : std::uint64_t { kPilotSeeds = 1, kProposals = 2, kRunSeeds = 3, kResampling = 4 };

// A run's seed: 53 bits, so that the design matrix (doubles) carries it exactly.
std::int64_t run_seed(std::uint64_t seed, Stream stream, std::size_t generation,
                      std::size_t index) {
  RandomStream s(seed, stream, generation, 0, index);
  const std::uint64_t high = s(), low = s();
  return static_cast<std::int64_t>(((high << 32) | low) & ((std::uint64_t{1} << 53) - 1));
}

std::size_t dims_of(const CalibrationDefinition& cal) {
  return cal.parameters.size();
}

// A batch as a sweep of its proposals: one point per proposal, the parameters and run.seed as
// the design's columns, the calibration's replicates per point.
SweepDefinition batch_sweep(const CalibrationDefinition& cal, const EvaluatedBatch& batch) {
  SweepDefinition s;
  s.path = cal.path;
  s.text = cal.text;
  s.base_path = cal.base_path;
  s.base_resolved = cal.base_resolved;
  s.replicates = cal.replicates;
  s.method = SweepMethod::List;
  for (const auto& p : cal.parameters) {
    s.settings.push_back(p.key);
    s.setting_types.push_back(SettingType::Number);
  }
  s.settings.emplace_back("run.seed");
  s.setting_types.push_back(SettingType::Integer);
  const std::size_t dims = dims_of(cal);
  for (std::size_t i = 0; i < batch.size; ++i) {
    std::vector<double> point(
        batch.parameters.begin() + static_cast<std::ptrdiff_t>(i * dims),
        batch.parameters.begin() + static_cast<std::ptrdiff_t>(i * dims + dims));
    point.push_back(static_cast<double>(batch.seeds[i]));
    s.points.push_back(std::move(point));
  }
  s.metrics = cal.metrics;
  s.facts = cal.facts;
  s.fingerprint = fingerprint_of(s);
  return s;
}

// The targets' values of every point of an assembled batch sweep, [point][target].
std::vector<double> target_values(const CalibrationDefinition& cal, const std::string& sweep_file,
                                  std::size_t points) {
  const SweepTable table = read_sweep_table(sweep_file);
  const std::size_t targets = cal.targets.size();
  std::vector<double> values(points * targets);
  for (std::size_t j = 0; j < targets; ++j) {
    const std::vector<double> v = evaluate_outcome(cal.targets[j].expression, table);
    for (std::size_t i = 0; i < points; ++i) values[i * targets + j] = v[i];
  }
  return values;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// Under an MPI launcher every rank runs the same calibration: each batch is a sweep over all
// ranks, every rank reads its values, and rank 0 (the lead) alone prints and writes files.
struct Ranks {
  int rank = 0;
  std::function<void()> barrier;  // empty on one process
};

class Calibration {
 public:
  Calibration(const Model& model, const CalibrationDefinition& cal,
              const CalibrationOptions& options, Ranks ranks)
      : model_(model),
        cal_(cal),
        options_(options),
        ranks_(std::move(ranks)),
        folder_(calibration_folder_of(options.output)),
        start_(std::chrono::steady_clock::now()) {
    for (const auto& p : cal.parameters) priors_.push_back(p.prior);
    for (const auto& t : cal.targets) {
      observed_.push_back(t.observed);
      fitted_.push_back(!t.held_out);
    }
  }

  CalibrationResult run() {
    // The lead makes the folder and its manifest; the others then check them.
    if (lead()) open_calibration_folder(folder_, cal_);
    sync();
    if (!lead()) open_calibration_folder(folder_, cal_);
    pilot();
    for (std::size_t g = 0; result_.stop_reason.empty(); ++g) {
      std::optional<Generation> gen = read_generation(path_of(fmt::format("gen-{:03d}", g)));
      if (gen) {
        result_.runs += gen->proposals * replicates();
      } else {
        gen = next_generation(g);
        if (!gen) break;  // the budget ran out: the last complete generation is the posterior
        if (lead()) write_generation(path_of(fmt::format("gen-{:03d}", g)), *gen);
      }
      report_generation(g, *gen);
      result_.generations.push_back(std::move(*gen));
      result_.stop_reason = stop_reason(g, result_.generations.back());
    }
    if (result_.generations.empty()) {
      throw std::runtime_error(fmt::format(
          "the budget of {} runs ran out before the first generation was complete: raise "
          "method.max_runs",
          cal_.method.max_runs));
    }
    sync();
    if (!lead()) return result_;
    write_calibration_file(options_.output, cal_, result_, options_.command_line);
    fs::remove_all(folder_);
    say("wrote {} ({} generations, {} runs, {}; {:.1f} s)\n", options_.output,
        result_.generations.size(), result_.runs, result_.stop_reason, seconds());
    return result_;
  }

 private:
  std::size_t replicates() const { return static_cast<std::size_t>(cal_.replicates); }
  std::string path_of(const std::string& name) const {
    return (fs::path(folder_) / (name + ".h5")).string();
  }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  template <typename... Args>
  void say(fmt::format_string<Args...> format, Args&&... args) const {
    if (!options_.quiet && lead()) fmt::print(stderr, format, std::forward<Args>(args)...);
  }
  bool lead() const { return ranks_.rank == 0; }
  void sync() const {
    if (ranks_.barrier) ranks_.barrier();
  }

  // The batch's values: read back when a previous invocation finished it, else run as a sweep
  // (which itself resumes from the runs it finds) and kept.
  EvaluatedBatch evaluate(const std::string& name, EvaluatedBatch batch) {
    const std::string path = path_of(name);
    if (auto done = read_batch(path)) {
      if (!same_bits(done->parameters, batch.parameters) || done->seeds != batch.seeds) {
        throw std::runtime_error(fmt::format(
            "{} does not hold the proposals this calibration makes: the folder was changed by "
            "hand or by another build; remove it to start again",
            path));
      }
      return *done;
    }
    if (batches_evaluated_ > 0 && options_.step) {
      say("step done: {} needs its runs next; run the shards (--shard K/N), then --step\n", name);
      throw Paused{};
    }
    SweepOptions so;
    so.output = path_of(name + "-runs");
    so.shard = options_.shard;
    so.shards = options_.shards;
    so.threads = options_.threads;
    so.quiet = true;
    so.force = true;  // a batch sweep file left by a kill before its values were kept
    so.command_line = options_.command_line;
    so.cancel = options_.cancel;
    run_sweep(model_, batch_sweep(cal_, batch), so);
    if (options_.shards > 0) {
      say("shard {}/{} of {} done; when every shard is done, run the same command with --step "
          "instead of --shard\n",
          options_.shard, options_.shards, name);
      throw Paused{};
    }
    ++batches_evaluated_;
    batch.values = target_values(cal_, so.output, batch.size);
    sync();  // every rank has read the assembled batch before the lead removes it
    if (lead()) {
      write_batch(path, batch);
      fs::remove(so.output);
    }
    return batch;
  }

  // Runs at the priors' medians: the model's own spread of each target, which with the
  // observation's standard error sets the unit of its distance.
  void pilot() {
    const std::size_t n = cal_.method.pilot_runs, dims = dims_of(cal_);
    EvaluatedBatch batch;
    batch.size = n;
    for (std::size_t i = 0; i < n; ++i) {
      for (const auto& prior : priors_) batch.parameters.push_back(prior.quantile(0.5));
      batch.seeds.push_back(run_seed(cal_.seed, kPilotSeeds, 0, i));
    }
    say("clustersim {}: calibration {} ({} parameters, {} targets, population {}, {} "
        "replicate(s) per particle)\npilot: {} runs at the priors' medians\n",
        clustersim_version(), cal_.path, dims, cal_.targets.size(), cal_.method.population,
        cal_.replicates, n);
    result_.pilot = evaluate("pilot", std::move(batch));
    result_.runs += n * replicates();
    const std::size_t targets = cal_.targets.size();
    for (std::size_t j = 0; j < targets; ++j) {
      double sum = 0, squares = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double v = result_.pilot.values[i * targets + j];
        if (!std::isfinite(v)) {
          throw InputError(cal_.targets[j].where, "model",
                           fmt::format("target '{}' ({}) is not a finite number at the priors' "
                                       "medians (pilot run {}): a ratio over zero?",
                                       cal_.targets[j].name, cal_.targets[j].expression, i));
        }
        sum += v;
        squares += v * v;
      }
      const auto count = static_cast<double>(n);
      const double mean = sum / count;
      const double spread = std::sqrt(std::max(0.0, (squares - count * mean * mean) / (count - 1)));
      result_.model_spread.push_back(spread);
      result_.scale.push_back(std::hypot(cal_.targets[j].se, spread));
      if (!(result_.scale.back() > 0)) {
        throw InputError(cal_.targets[j].where, "model",
                         fmt::format("target '{}' has neither an observation error nor any "
                                     "spread in the model: it cannot weigh in a distance",
                                     cal_.targets[j].name));
      }
    }
  }

  abc::Population population_of(const Generation& g) const {
    const std::size_t n = g.particles.size, dims = dims_of(cal_);
    abc::Population pop{
        Eigen::MatrixXd(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(dims)), g.weights};
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t d = 0; d < dims; ++d) {
        pop.z(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(d)) =
            priors_[d].to_z(g.particles.parameters[i * dims + d]);
      }
    }
    return pop;
  }

  // Batch b of generation 0: draws from the priors.
  EvaluatedBatch prior_draws(std::size_t b) const {
    const std::size_t n = cal_.method.population;
    EvaluatedBatch batch;
    batch.size = n;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t index = b * n + i;
      RandomStream stream(cal_.seed, kProposals, 0, 0, index);
      const Eigen::VectorXd z = abc::draw_from_priors(priors_, stream);
      for (std::size_t d = 0; d < priors_.size(); ++d) {
        batch.parameters.push_back(priors_[d].from_z(z(static_cast<Eigen::Index>(d))));
      }
      batch.seeds.push_back(run_seed(cal_.seed, kRunSeeds, 0, index));
    }
    return batch;
  }

  static std::vector<double> row(const std::vector<double>& rows, std::size_t width,
                                 std::size_t i) {
    return {rows.begin() + static_cast<std::ptrdiff_t>(i * width),
            rows.begin() + static_cast<std::ptrdiff_t>((i + 1) * width)};
  }

  // Keeps particle i of `from` (its parameters, seed, values and distance) in `to`.
  void keep(Generation& to, const EvaluatedBatch& from, std::size_t i, double distance) const {
    const std::vector<double> x = row(from.parameters, dims_of(cal_), i);
    const std::vector<double> v = row(from.values, cal_.targets.size(), i);
    to.particles.parameters.insert(to.particles.parameters.end(), x.begin(), x.end());
    to.particles.values.insert(to.particles.values.end(), v.begin(), v.end());
    to.particles.seeds.push_back(from.seeds[i]);
    to.distances.push_back(distance);
    ++to.particles.size;
  }

  bool over_budget(std::size_t g, std::size_t runs) {
    if (result_.runs + runs <= cal_.method.max_runs) return false;
    result_.stop_reason = fmt::format("budget of {} runs spent", cal_.method.max_runs);
    say("generation {}: the budget of {} runs is spent; generation {} is discarded\n", g,
        cal_.method.max_runs, g);
    return true;
  }

  // Generation 0: `population` draws from the priors with a finite distance (batches until
  // there are that many); equal weights, tolerance infinite.
  std::optional<Generation> first_generation() {
    const std::size_t n = cal_.method.population;
    Generation gen;
    gen.tolerance = kInf;
    std::size_t finite = 0;
    for (std::size_t b = 0; gen.particles.size < n; ++b) {
      if (over_budget(0, n * replicates())) return std::nullopt;
      say("generation 0, batch {}: {} draws from the priors ({} runs)\n", b, n, n * replicates());
      const EvaluatedBatch batch = evaluate(fmt::format("gen-000-batch-{:03d}", b), prior_draws(b));
      result_.runs += n * replicates();
      gen.proposals += n;
      for (std::size_t i = 0; i < n; ++i) {
        const double d = abc::distance(row(batch.values, cal_.targets.size(), i), observed_,
                                       result_.scale, fitted_);
        if (!std::isfinite(d)) continue;
        ++finite;
        if (gen.particles.size < n) keep(gen, batch, i, d);
      }
    }
    gen.weights.assign(n, 1.0 / static_cast<double>(n));
    gen.ess = static_cast<double>(n);
    gen.acceptance_rate = static_cast<double>(finite) / static_cast<double>(gen.proposals);
    return gen;
  }

  // Generation g > 0 (Del Moral, Doucet and Jasra 2012): the tolerance falls to the `quantile`
  // of the last distances; particles beyond it lose their weight; the rest are resampled
  // (systematic) to `population`; each then tries one move of the kernel, kept when its run is
  // within the tolerance and the prior's ratio allows it (Metropolis-Hastings with a symmetric
  // kernel).
  std::optional<Generation> next_generation(std::size_t g) {
    if (g == 0) return first_generation();
    const std::size_t n = cal_.method.population, dims = dims_of(cal_);
    const Generation& last = result_.generations.back();
    Generation gen;
    gen.tolerance =
        std::max(cal_.method.tolerance,
                 abc::weighted_quantile(last.distances, last.weights, cal_.method.quantile));
    std::vector<double> alive(n);
    for (std::size_t i = 0; i < n; ++i) {
      alive[i] = last.distances[i] <= gen.tolerance ? last.weights[i] : 0.0;
    }
    gen.ess = abc::effective_sample_size(alive);
    RandomStream resampling(cal_.seed, kResampling, g, 0, 0);
    for (const std::size_t i : abc::systematic_resample(alive, resampling.uniform())) {
      keep(gen, last.particles, i, last.distances[i]);
    }
    gen.weights.assign(n, 1.0 / static_cast<double>(n));

    // The moves, with the kernel of the resampled population: as many rounds as give each
    // particle a 99% chance to move at least once at the last generation's acceptance rate
    // (Drovandi and Pettitt 2011, Biometrics 67(1)), at most method.max_moves.
    const abc::Kernel kernel(population_of(gen), abc::move_scale(dims));
    const std::size_t rounds = move_rounds(last.acceptance_rate);
    std::size_t accepted = 0;
    for (std::size_t round = 0; round < rounds; ++round) {
      const std::optional<std::size_t> moved = move(g, round, kernel, gen);
      if (!moved) return std::nullopt;
      accepted += *moved;
    }
    gen.acceptance_rate = static_cast<double>(accepted) / static_cast<double>(n * rounds);
    return gen;
  }

  std::size_t move_rounds(double last_acceptance) const {
    if (!(last_acceptance > 0) || last_acceptance >= 1) return 1;
    const double rounds = std::ceil(std::log(0.01) / std::log(1.0 - last_acceptance));
    return static_cast<std::size_t>(
        std::clamp(rounds, 1.0, static_cast<double>(cal_.method.max_moves)));
  }

  // One round of moves: a proposal per particle from the kernel, refused unrun outside the
  // priors, kept when its run is within the tolerance and a uniform draw is below the priors'
  // density ratio (Metropolis-Hastings, symmetric kernel). Returns the moves kept, or nothing
  // when the budget ran out.
  std::optional<std::size_t> move(std::size_t g, std::size_t round, const abc::Kernel& kernel,
                                  Generation& gen) {
    const std::size_t n = cal_.method.population, dims = dims_of(cal_),
                      targets = cal_.targets.size();
    const abc::Population population = population_of(gen);
    EvaluatedBatch batch;
    std::vector<std::size_t> mover;        // the particle each proposal would move
    std::vector<double> log_ratio, log_u;  // prior ratio and the uniform that decides
    for (std::size_t i = 0; i < n; ++i) {
      RandomStream stream(cal_.seed, kProposals, g, round, i);
      const Eigen::VectorXd from = population.z.row(static_cast<Eigen::Index>(i)).transpose();
      const Eigen::VectorXd z = kernel.perturb(from, stream);
      const double u = stream.uniform();
      if (!abc::inside(priors_, z)) continue;
      for (std::size_t d = 0; d < dims; ++d) {
        batch.parameters.push_back(priors_[d].from_z(z(static_cast<Eigen::Index>(d))));
      }
      batch.seeds.push_back(run_seed(cal_.seed, kRunSeeds, g, round * n + i));
      mover.push_back(i);
      log_ratio.push_back(abc::log_prior(priors_, z) - abc::log_prior(priors_, from));
      log_u.push_back(std::log(u));
    }
    batch.size = mover.size();
    if (over_budget(g, batch.size * replicates())) return std::nullopt;
    say("generation {}, move {}: tolerance {:.4g}, {} proposals inside the priors ({} runs)\n", g,
        round, gen.tolerance, batch.size, batch.size * replicates());
    const EvaluatedBatch moved =
        batch.size == 0 ? batch : evaluate(fmt::format("gen-{:03d}-batch-{:03d}", g, round), batch);
    result_.runs += batch.size * replicates();
    gen.proposals += batch.size;
    std::size_t accepted = 0;
    for (std::size_t k = 0; k < moved.size; ++k) {
      const std::vector<double> values = row(moved.values, targets, k);
      const double d = abc::distance(values, observed_, result_.scale, fitted_);
      if (!(d <= gen.tolerance) || !(log_u[k] < log_ratio[k])) continue;
      const std::size_t i = mover[k];
      std::copy_n(moved.parameters.begin() + static_cast<std::ptrdiff_t>(k * dims), dims,
                  gen.particles.parameters.begin() + static_cast<std::ptrdiff_t>(i * dims));
      std::copy(values.begin(), values.end(),
                gen.particles.values.begin() + static_cast<std::ptrdiff_t>(i * targets));
      gen.particles.seeds[i] = moved.seeds[k];
      gen.distances[i] = d;
      ++accepted;
    }
    return accepted;
  }

  void report_generation(std::size_t g, const Generation& gen) const {
    say("generation {} done: tolerance {:.4g}, acceptance {:.3f}, ESS {:.1f}, {} runs so far, "
        "{:.1f} s\n",
        g, gen.tolerance, gen.acceptance_rate, gen.ess, result_.runs, seconds());
  }

  std::string stop_reason(std::size_t g, const Generation& gen) const {
    const CalibrationMethod& m = cal_.method;
    if (g > 0 && gen.tolerance <= m.tolerance) {
      return fmt::format("tolerance {:g} reached", m.tolerance);
    }
    if (g > 0 && gen.acceptance_rate < m.min_acceptance) {
      return fmt::format("acceptance rate {:.4f} below {:g}", gen.acceptance_rate,
                         m.min_acceptance);
    }
    if (g + 1 >= m.max_generations) return fmt::format("{} generations done", m.max_generations);
    return "";
  }

  const Model& model_;
  const CalibrationDefinition& cal_;
  const CalibrationOptions& options_;
  Ranks ranks_;
  std::size_t batches_evaluated_ = 0;  // by this call
  std::string folder_;
  std::chrono::steady_clock::time_point start_;
  std::vector<abc::Prior> priors_;
  std::vector<double> observed_;
  std::vector<bool> fitted_;
  CalibrationResult result_;
};

}  // namespace

CalibrationState run_calibration(const Model& model, const CalibrationDefinition& cal,
                                 const CalibrationOptions& options) {
  check_output_path(options.output, options.force);
  const auto run = [&](Ranks ranks) {
    try {
      Calibration(model, cal, options, std::move(ranks)).run();
    } catch (const Paused&) {
      return CalibrationState::Paused;
    }
    return CalibrationState::Finished;
  };
  if (!launched_by_mpi()) {
    refuse_unjoined_srun_tasks("calibration", 1);
    return run(Ranks{});
  }
  if (options.shards > 0 || options.step) {
    throw InputError({"<command line>", 0, 0}, options.step ? "--step" : "--shard",
                     "shards and steps are a job array's processes; under mpirun the ranks "
                     "share the runs themselves: drop the option, or run without mpirun");
  }
#if CLUSTERSIM_WITH_MPI
  const MpiJob mpi;
  refuse_unjoined_srun_tasks("calibration", mpi.size());
  return run(Ranks{mpi.rank(), [] { MpiJob::barrier(); }});
#else
  throw InputError({"<command line>", 0, 0}, "",
                   "this clustersim was built without MPI (CMake found no MPI library), yet an "
                   "MPI launcher started it: run the calibration without mpirun");
#endif
}

}  // namespace sim
