// The command line: `clustersim <command> ...`. Only the executable includes this folder.
#pragma once

#include "sim/run/model.hpp"

namespace sim {

// Parses the arguments, runs the one subcommand named and returns the process's exit code
// (sim/core/errors.hpp): bad input is reported on one line with exit 2.
int run_cli(int argc, char** argv, const Model& model);

}  // namespace sim
