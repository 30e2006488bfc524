// A sweep spread over MPI ranks (`mpirun -n N clustersim sweep ...`): rank 0 hands out runs one
// at a time from a queue as ranks ask for them, so slow points never stall the others; every
// rank runs its runs on its own cores and writes them to its own subfolder (rank-K); rank 0
// also runs runs itself and assembles the result file when all ranks are done. A signal, a
// failed run or bad input on any rank stops every rank at its next run boundary through the
// same messages (never MPI_Abort): every rank ends through MPI_Finalize with the exit code rank
// 0 chose, and the finished runs are kept for the same command to resume.
#pragma once

#include "sim/sweep/runner.hpp"

namespace sim {

// Runs the sweep over the ranks of MPI_COMM_WORLD; every rank calls it. Built only with MPI
// (CLUSTERSIM_WITH_MPI). Throws InputError before MPI starts (every rank finds the same bad
// input), and JobStopped, once MPI is finished, on every rank of a job that stopped: rank 0
// has then printed why, how many runs are finished and how to resume.
void sweep_over_mpi(const Model& model, const SweepDefinition& sweep, const SweepOptions& options);

// MPI for a job of many sweeps (a calibration's batches): started when made, finished when
// destroyed; every sweep run inside it under the launcher uses it. Every rank makes one.
class MpiJob {
 public:
  MpiJob();
  MpiJob(const MpiJob&) = delete;
  MpiJob& operator=(const MpiJob&) = delete;
  ~MpiJob();
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Waits until every rank has called it.
  static void barrier();

 private:
  int rank_ = 0, size_ = 1;
};

}  // namespace sim
