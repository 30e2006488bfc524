#include "sim/sweep_runner.hpp"
