#include "sim/outcome.hpp"
