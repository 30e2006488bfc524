// What a calibration produces and keeps: the pilot's model values, each batch's evaluated
// proposals and each completed generation, as small sealed files in the calibration's folder
// (OUT.h5.d) so that a stopped or killed calibration resumes where it was; and the result file
// OUT.h5 that holds them all. Layout in results/README.md ("Calibration files").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/calibrate/file.hpp"

namespace sim {

// Model values of a set of evaluated proposals: parameters [n][D] (their own units), the seed
// of each, and the targets' values [n][J], all row-major.
struct EvaluatedBatch {
  std::size_t size = 0;
  std::vector<double> parameters;
  std::vector<std::int64_t> seeds;
  std::vector<double> values;
};

// One completed generation: its particles and what decided them.
struct Generation {
  EvaluatedBatch particles;
  std::vector<double> weights;    // normalised
  std::vector<double> distances;  // to the observations
  double tolerance = 0.0;         // accepted when distance <= tolerance (infinity: generation 0)
  double ess = 0.0;               // effective sample size of the weights
  double acceptance_rate = 0.0;   // accepted over proposals evaluated
  std::size_t proposals = 0;      // evaluated in this generation
};

struct CalibrationResult {
  EvaluatedBatch pilot;
  std::vector<double> model_spread;  // per target: SD of the pilot's values
  std::vector<double> scale;         // per target: sqrt(se^2 + spread^2), the distance's unit
  std::vector<Generation> generations;
  std::size_t runs = 0;  // model runs used, pilot included
  std::string stop_reason;
};

// The folder of a calibration written to `output`: "<output>.d".
std::string calibration_folder_of(const std::string& output);

// Opens (creating it and its manifest) the folder of `cal`, or checks that the manifest it
// holds is of the same calibration (fingerprint) and build; InputError naming the folder
// otherwise.
void open_calibration_folder(const std::string& folder, const CalibrationDefinition& cal);

// A batch's or the pilot's values, written once evaluated; read back when resuming. `read`
// returns nothing when the file is not there yet.
void write_batch(const std::string& path, const EvaluatedBatch& batch);
std::optional<EvaluatedBatch> read_batch(const std::string& path);
void write_generation(const std::string& path, const Generation& generation);
std::optional<Generation> read_generation(const std::string& path);

// The result file, written atomically and sealed.
void write_calibration_file(const std::string& path, const CalibrationDefinition& cal,
                            const CalibrationResult& result, const std::string& command_line);

// A result file read back, for `clustersim posterior` and Python.
struct CalibrationFile {
  std::vector<std::string> parameters;  // setting keys
  std::vector<abc::Prior> priors;
  std::vector<std::string> targets, expressions;
  std::vector<double> observed, se, model_spread, scale;
  std::vector<bool> held_out;
  CalibrationResult result;
  std::uint64_t seed = 0;
  std::string definition;  // the calibration file's text
};
CalibrationFile read_calibration_file(const std::string& path);

}  // namespace sim
