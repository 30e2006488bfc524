#include "models/budget_levers.hpp"

namespace models {

LeverBudgets quarter_budgets(const Levers& l, const PolicyCosts& costs) {
  LeverBudgets b;
  b.ip_protection = l.ip_protection * costs.ip_protection_budget / 4.0;
  b.open_innovation = l.open_innovation * costs.open_innovation_budget / 4.0;
  return b;
}

}  // namespace models
