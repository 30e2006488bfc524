// The plan's goals (policy-summary.md): G1, 5 clusters with annual output over 100 bn yuan by
// the end of 2015; G3, 20 such clusters by the end of 2020.
#pragma once

#include <vector>

#include "sim/goals.hpp"
#include "sim/scenario.hpp"
#include "sim/schema.hpp"

namespace models {

// Annual output of each cluster over the four quarters ending at each step, from quarterly
// sales (output_value / 4); the first three steps use the quarters available, annualised.
// trailing[t * clusters + c].
std::vector<double> trailing_annual_output(const double* output_value_annualised, std::size_t steps,
                                           std::size_t clusters);

// Per replicate: the number of clusters over `mark` at each step.
std::vector<double> clusters_over_mark(const std::vector<double>& annual, std::size_t steps,
                                       std::size_t clusters, double mark);

// Fills one goal's results for one replicate from the series of its value by step.
void evaluate_count_goal(const std::vector<double>& count_by_step, const sim::Calendar& calendar,
                         std::size_t goal, std::size_t replicate, sim::GoalResults& out);

// The goals as defined by the scenario (goals.* settings).
std::vector<sim::GoalDefinition> plan_goals(const sim::Scenario& scenario);

void add_goal_settings(sim::Schema& schema);

}  // namespace models
