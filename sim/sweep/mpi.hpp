// A sweep spread over MPI ranks (`mpirun -n N clustersim sweep ...`): rank 0 hands out runs one
// at a time from a queue as ranks ask for them, so slow points never stall the others; every
// rank runs its runs on its own cores and writes them to its own subfolder (rank-K); rank 0
// also runs runs itself and assembles the result file when all ranks are done.
#pragma once

#include "sim/sweep/runner.hpp"

namespace sim {

// Runs the sweep over the ranks of MPI_COMM_WORLD; every rank calls it. Built only with MPI
// (CLUSTERSIM_WITH_MPI).
void sweep_over_mpi(const Model& model, const SweepDefinition& sweep, const SweepOptions& options);

}  // namespace sim
