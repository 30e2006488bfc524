#include "sim/calibrate/result.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "sim/io/hdf5.hpp"
#include "sim/io/posterior_draws.hpp"
#include "sim/io/result_file.hpp"
#include "sim/sweep/store.hpp"

namespace fs = std::filesystem;

namespace sim {
namespace {

constexpr const char* kManifestFiletype = "clustersim-calibration-manifest";
constexpr const char* kBatchFiletype = "clustersim-calibration-batch";
constexpr const char* kGenerationFiletype = "clustersim-calibration-generation";
constexpr int kCalibrationSchemaMinor = 0;

std::string hex(std::uint64_t x) {
  return fmt::format("{:016x}", x);
}

void check_filetype(hid_t file, const std::string& path, const std::string& expected) {
  const std::string type = h5::read_string_attribute(file, "filetype");
  if (type != expected) {
    throw InputError({path, 0, 0}, "",
                     fmt::format("is a '{}' file, not a '{}' file", type, expected));
  }
}

void write_batch_contents(hid_t group, const EvaluatedBatch& b, std::size_t dims,
                          std::size_t targets) {
  const auto n = static_cast<hsize_t>(b.size);
  h5::write_doubles(group, "parameters", {n, dims}, b.parameters.data());
  h5::write_ints(group, "seeds", {n}, b.seeds.data());
  h5::write_doubles(group, "values", {n, targets}, b.values.data());
}

EvaluatedBatch read_batch_contents(hid_t group) {
  EvaluatedBatch b;
  b.parameters = h5::read_doubles(h5::open_dataset(group, "parameters"));
  b.seeds = h5::read_ints(h5::open_dataset(group, "seeds"));
  b.values = h5::read_doubles(h5::open_dataset(group, "values"));
  b.size = b.seeds.size();
  return b;
}

// Rows and columns of a batch's arrays, from their sizes.
std::size_t columns(const std::vector<double>& values, std::size_t rows) {
  return rows == 0 ? 0 : values.size() / rows;
}

double read_scalar(hid_t group, const std::string& name) {
  const auto v = h5::read_doubles(h5::open_dataset(group, name));
  if (v.size() != 1) throw std::runtime_error(name + " is not one number");
  return v[0];
}

void write_scalar(hid_t group, const std::string& name, double value) {
  h5::write_doubles(group, name, {1}, &value);
}

void write_generation_contents(hid_t group, const Generation& g) {
  const std::size_t n = g.particles.size;
  write_batch_contents(group, g.particles, columns(g.particles.parameters, n),
                       columns(g.particles.values, n));
  h5::write_doubles(group, "weights", {n}, g.weights.data());
  h5::write_doubles(group, "distances", {n}, g.distances.data());
  write_scalar(group, "tolerance", g.tolerance);
  write_scalar(group, "ess", g.ess);
  write_scalar(group, "acceptance_rate", g.acceptance_rate);
  write_scalar(group, "proposals", static_cast<double>(g.proposals));
}

Generation read_generation_contents(hid_t group) {
  Generation g;
  g.particles = read_batch_contents(group);
  g.weights = h5::read_doubles(h5::open_dataset(group, "weights"));
  g.distances = h5::read_doubles(h5::open_dataset(group, "distances"));
  g.tolerance = read_scalar(group, "tolerance");
  g.ess = read_scalar(group, "ess");
  g.acceptance_rate = read_scalar(group, "acceptance_rate");
  g.proposals = static_cast<std::size_t>(read_scalar(group, "proposals"));
  return g;
}

// A small file of the folder, sealed and renamed into place; read back only after its seal is
// checked, and a damaged one is an error rather than a silent restart.
template <typename Write>
void write_small(const std::string& path, const char* filetype, Write write) {
  write_atomically(path, [&](const std::string& temporary) {
    h5::Handle file = h5::create_file(temporary);
    h5::write_attribute(file, "filetype", std::string(filetype));
    write(file);
  });
}

}  // namespace

std::string calibration_folder_of(const std::string& output) {
  return output + ".d";
}

void open_calibration_folder(const std::string& folder, const CalibrationDefinition& cal) {
  const std::string manifest = (fs::path(folder) / "calibration.h5").string();
  if (fs::exists(manifest)) {
    const h5::Handle file = h5::open_file(manifest);
    check_filetype(file, manifest, kManifestFiletype);
    const std::string fingerprint = h5::read_string_attribute(file, "fingerprint");
    if (fingerprint != hex(cal.fingerprint)) {
      throw InputError({cal.path, 0, 0}, "",
                       fmt::format("{} holds a calibration of another file or data (fingerprint "
                                   "{}, this one {}): the calibration file, its base scenario "
                                   "or its observations changed; remove the folder to start "
                                   "again, or write to another output",
                                   folder, fingerprint, hex(cal.fingerprint)));
    }
    const std::string build = h5::read_string_attribute(file, "build");
    if (build != build_id()) {
      throw InputError({cal.path, 0, 0}, "",
                       fmt::format("{} was written by {}, not this {}: its runs may differ; "
                                   "resume with that build or remove the folder",
                                   folder, build, build_id()));
    }
    return;
  }
  fs::create_directories(folder);
  write_small(manifest, kManifestFiletype, [&](hid_t file) {
    h5::write_attribute(file, "fingerprint", hex(cal.fingerprint));
    h5::write_attribute(file, "build", build_id());
    h5::write_strings(file, "definition", {cal.text}, true);
  });
}

void write_batch(const std::string& path, const EvaluatedBatch& batch) {
  write_small(path, kBatchFiletype, [&](hid_t file) {
    write_batch_contents(file, batch, columns(batch.parameters, batch.size),
                         columns(batch.values, batch.size));
  });
}

std::optional<EvaluatedBatch> read_batch(const std::string& path) {
  if (!fs::exists(path)) return std::nullopt;
  const h5::Handle file = h5::open_file(path);
  check_filetype(file, path, kBatchFiletype);
  return read_batch_contents(file);
}

void write_generation(const std::string& path, const Generation& generation) {
  write_small(path, kGenerationFiletype,
              [&](hid_t file) { write_generation_contents(file, generation); });
}

std::optional<Generation> read_generation(const std::string& path) {
  if (!fs::exists(path)) return std::nullopt;
  const h5::Handle file = h5::open_file(path);
  check_filetype(file, path, kGenerationFiletype);
  return read_generation_contents(file);
}

void write_calibration_file(const std::string& path, const CalibrationDefinition& cal,
                            const CalibrationResult& result, const std::string& command_line) {
  write_atomically(path, [&](const std::string& temporary) {
    h5::Handle file = h5::create_file(temporary);
    write_file_identity(file, kCalibrationSchemaMinor, command_line, kCalibrationFiletype);
    h5::write_attribute(file, "seed", static_cast<std::int64_t>(cal.seed));
    h5::write_attribute(file, "fingerprint", hex(cal.fingerprint));
    h5::write_attribute(file, "stop_reason", result.stop_reason);
    h5::write_attribute(file, "runs", static_cast<std::int64_t>(result.runs));
    h5::write_attribute(file, "replicates_per_particle", static_cast<std::int64_t>(cal.replicates));
    h5::write_strings(file, "scenario", {cal.base_resolved}, true);
    h5::Handle def = h5::create_group(file, "calibration");
    h5::write_strings(def, "definition", {cal.text}, true);
    h5::write_strings(def, "observations", {cal.observations_text}, true);

    std::vector<std::string> keys, kinds;
    std::vector<double> lo, hi, mean, sd;
    for (const auto& p : cal.parameters) {
      keys.push_back(p.key);
      kinds.push_back(abc::prior_name(p.prior.kind));
      lo.push_back(p.prior.min);
      hi.push_back(p.prior.max);
      mean.push_back(p.prior.mean);
      sd.push_back(p.prior.sd);
    }
    const auto dims = static_cast<hsize_t>(keys.size());
    h5::Handle params = h5::create_group(file, "parameters");
    h5::write_strings(params, "name", keys);
    h5::write_strings(params, "prior", kinds);
    h5::write_doubles(params, "prior_min", {dims}, lo.data());
    h5::write_doubles(params, "prior_max", {dims}, hi.data());
    h5::write_doubles(params, "prior_mean", {dims}, mean.data());
    h5::write_doubles(params, "prior_sd", {dims}, sd.data());

    std::vector<std::string> names, expressions, sources;
    std::vector<double> observed, se;
    std::vector<std::int8_t> held_out;
    for (const auto& t : cal.targets) {
      held_out.push_back(t.held_out ? 1 : 0);
      names.push_back(t.name);
      expressions.push_back(t.expression);
      sources.push_back(t.source);
      observed.push_back(t.observed);
      se.push_back(t.se);
    }
    const auto targets = static_cast<hsize_t>(names.size());
    h5::Handle tg = h5::create_group(file, "targets");
    h5::write_strings(tg, "name", names);
    h5::write_strings(tg, "expression", expressions);
    h5::write_strings(tg, "source", sources);
    h5::write_doubles(tg, "observed", {targets}, observed.data());
    h5::write_doubles(tg, "se", {targets}, se.data());
    h5::write_doubles(tg, "model_spread", {targets}, result.model_spread.data());
    h5::write_doubles(tg, "scale", {targets}, result.scale.data());
    h5::write_bytes(tg, "held_out", {targets}, held_out.data());

    std::vector<std::string> skipped_series, skipped_reason;
    std::vector<std::int64_t> skipped_year;
    for (const auto& s : cal.skipped) {
      skipped_series.push_back(s.series);
      skipped_year.push_back(s.year);
      skipped_reason.push_back(s.reason);
    }
    h5::Handle sk = h5::create_group(file, "skipped_observations");
    h5::write_strings(sk, "series", skipped_series);
    h5::write_ints(sk, "year", {skipped_year.size()}, skipped_year.data());
    h5::write_strings(sk, "reason", skipped_reason);

    h5::Handle pilot = h5::create_group(file, "pilot");
    write_batch_contents(pilot, result.pilot, dims, targets);

    h5::Handle gens = h5::create_group(file, "generations");
    for (std::size_t g = 0; g < result.generations.size(); ++g) {
      h5::Handle group = h5::create_group(gens, fmt::format("{:03d}", g));
      write_generation_contents(group, result.generations[g]);
    }
    if (!result.generations.empty()) {
      h5::Handle posterior = h5::create_group(file, "posterior");
      write_generation_contents(posterior, result.generations.back());
    }
  });
}

CalibrationFile read_calibration_file(const std::string& path) {
  const h5::Handle file = h5::open_file(path);
  check_filetype(file, path, kCalibrationFiletype);
  CalibrationFile out;
  out.seed = static_cast<std::uint64_t>(h5::read_int_attribute(file, "seed").at(0));
  out.result.stop_reason = h5::read_string_attribute(file, "stop_reason");
  out.result.runs = static_cast<std::size_t>(h5::read_int_attribute(file, "runs").at(0));
  out.definition = h5::read_strings(h5::open_dataset(file, "calibration/definition")).at(0);
  const h5::Handle params = h5::open_group(file, "parameters");
  out.parameters = h5::read_strings(h5::open_dataset(params, "name"));
  const auto kinds = h5::read_strings(h5::open_dataset(params, "prior"));
  const auto lo = h5::read_doubles(h5::open_dataset(params, "prior_min"));
  const auto hi = h5::read_doubles(h5::open_dataset(params, "prior_max"));
  const auto mean = h5::read_doubles(h5::open_dataset(params, "prior_mean"));
  const auto sd = h5::read_doubles(h5::open_dataset(params, "prior_sd"));
  for (std::size_t d = 0; d < out.parameters.size(); ++d) {
    abc::Prior p;
    p.kind = kinds.at(d) == "log_uniform" ? abc::PriorKind::LogUniform
             : kinds.at(d) == "normal"    ? abc::PriorKind::Normal
                                          : abc::PriorKind::Uniform;
    p.min = lo.at(d);
    p.max = hi.at(d);
    p.mean = mean.at(d);
    p.sd = sd.at(d);
    out.priors.push_back(p);
  }
  const h5::Handle tg = h5::open_group(file, "targets");
  out.targets = h5::read_strings(h5::open_dataset(tg, "name"));
  out.expressions = h5::read_strings(h5::open_dataset(tg, "expression"));
  out.observed = h5::read_doubles(h5::open_dataset(tg, "observed"));
  out.se = h5::read_doubles(h5::open_dataset(tg, "se"));
  out.model_spread = h5::read_doubles(h5::open_dataset(tg, "model_spread"));
  out.scale = h5::read_doubles(h5::open_dataset(tg, "scale"));
  for (const auto flag : h5::read_ints(h5::open_dataset(tg, "held_out"))) {
    out.held_out.push_back(flag != 0);
  }
  out.result.model_spread = out.model_spread;
  out.result.scale = out.scale;
  out.result.pilot = read_batch_contents(h5::open_group(file, "pilot"));
  const h5::Handle gens = h5::open_group(file, "generations");
  for (const auto& name : h5::member_names(gens)) {
    out.result.generations.push_back(read_generation_contents(h5::open_group(gens, name)));
  }
  if (out.result.generations.empty()) {
    throw InputError({path, 0, 0}, "", "the calibration file holds no generation");
  }
  return out;
}

}  // namespace sim
