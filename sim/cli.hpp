// The command-line interface: run, validate, schema, goals.
#pragma once

#include "sim/model.hpp"

namespace sim {

// Exit codes: 0 ok, 1 runtime failure, 2 bad input.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

int run_cli(int argc, char** argv, const Model& model);

}  // namespace sim
