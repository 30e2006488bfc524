#include "sim/sobol.hpp"
