// Budgets of the levers whose public side is only a budget (models/budget_levers.hpp): IP
// protection and open innovation, by hand.
#include <gtest/gtest.h>

#include "models/budget_levers.hpp"

namespace {

TEST(BudgetLevers, AQuarterOfTheYearlyBudgetInProportionToTheLever) {
  models::PolicyCosts costs{};
  costs.ip_protection_budget = 2e7;
  costs.open_innovation_budget = 3e7;
  models::Levers l;
  l.ip_protection = 0.3;
  l.open_innovation = 0.1;
  // 0.3 * 20 m / 4 = 1.5 m; 0.1 * 30 m / 4 = 0.75 m.
  const models::LeverBudgets b = models::quarter_budgets(l, costs);
  EXPECT_DOUBLE_EQ(b.ip_protection, 1.5e6);
  EXPECT_DOUBLE_EQ(b.open_innovation, 0.75e6);
}

TEST(BudgetLevers, LeversOffCostNothing) {
  models::PolicyCosts costs{};
  costs.ip_protection_budget = 2e7;
  costs.open_innovation_budget = 3e7;
  const models::LeverBudgets b = models::quarter_budgets(models::Levers{}, costs);
  EXPECT_EQ(b.ip_protection, 0.0);
  EXPECT_EQ(b.open_innovation, 0.0);
}

}  // namespace
