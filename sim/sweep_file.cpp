#include "sim/sweep_file.hpp"
