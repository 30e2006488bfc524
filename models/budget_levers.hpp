// The levers whose public side is only a budget in proportion to the lever: IP protection and
// open innovation. What the budget buys is the lever's effect in the firm rules (the R&D budget
// and imitation of patent holders; imitation toward the outside frontier), so booking the
// budget is all the province does for them in a quarter (models/README.md, "IP protection",
// "Open innovation").
#pragma once

#include "models/policy.hpp"

namespace models {

// Yuan of a quarter for one cluster: the lever (0-1) times its budget at full strength a year.
struct LeverBudgets {
  double ip_protection = 0.0;
  double open_innovation = 0.0;
};

LeverBudgets quarter_budgets(const Levers& levers, const PolicyCosts& costs);

}  // namespace models
