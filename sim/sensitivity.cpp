#include "sim/sensitivity.hpp"
