#include "sim/sweep_mpi.hpp"
