// The value objective (issue 11, item 4) and training jobs, on problems small enough to
// solve by hand: one period, one site, 10,000 USD accelerators of one kind serving two
// chat services (A: 1e9 tokens/day per accelerator, B: 2e9) within a budget.
#include <gtest/gtest.h>

#include "plan/plan.h"

namespace fleetplan::plan {
namespace {

constexpr double kPrice = 10000;

// Values are USD per (token/day served for the whole period).
Problem two_services(double demand_a, double demand_b, double value_a, double value_b,
                     double budget = 1e6) {
  Problem problem;
  problem.name = "value";
  problem.periods.push_back({"2026", 8760, budget});
  problem.sites.push_back({"dc", std::nullopt, std::nullopt});
  ServiceRow a;
  a.name = "a";
  a.demand = {demand_a};
  a.value_usd = {value_a};
  ServiceRow b = a;
  b.name = "b";
  b.demand = {demand_b};
  b.value_usd = {value_b};
  problem.services = {a, b};
  Option chip;
  chip.accelerator = "X";
  chip.upfront_usd = {kPrice};
  chip.capacity = {1e9, 2e9};
  problem.options.push_back(chip);
  return problem;
}

SolveOptions exact(Objective objective = Objective::kMaxServed) {
  SolveOptions options;
  options.objective = objective;
  options.relative_gap = 1e-9;
  options.rule_costs = false;
  return options;
}

double served(const Plan& plan, int s) { return plan.periods[0].served[s]; }
double value_served(const Problem& problem, const Plan& plan) {
  return problem.services[0].value_usd[0] * served(plan, 0) +
         problem.services[1].value_usd[0] * served(plan, 1);
}

// 1 M USD buys 100 accelerators. An accelerator earns 1e9 x 3e-6 = 3,000 USD on A and
// 2e9 x 1e-6 = 2,000 USD on B: A first (50 accelerators for its 50e9), the other 50 on B.
TEST(ValueObjective, ServesTheMostValueWithinTheBudget) {
  const Problem problem = two_services(50e9, 1000e9, 3e-6, 1e-6);
  auto plan = solve(problem, exact());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(served(*plan, 0), 50e9, 1e3);
  EXPECT_NEAR(served(*plan, 1), 100e9, 1e3);
  ASSERT_EQ(plan->periods[0].value_usd.size(), 2U);
  EXPECT_NEAR(plan->periods[0].value_usd[0], 50e9 * 3e-6, 1e-3);
}

// Property 1: more demand never lowers the value served.
TEST(ValueObjective, MoreDemandNeverLowersTheValueServed) {
  for (const double factor : {1.5, 2.0, 10.0}) {
    const Problem base = two_services(50e9, 100e9, 3e-6, 1e-6);
    const Problem more = two_services(50e9 * factor, 100e9, 3e-6, 1e-6);
    auto p0 = solve(base, exact());
    auto p1 = solve(more, exact());
    ASSERT_TRUE(p0.ok() && p1.ok());
    EXPECT_GE(value_served(more, *p1), value_served(base, *p0) - 1e-6) << factor;
  }
}

// Property 2: at equal value per token, the tokens served never fall when demand rises.
// (Under the old objective, equal weight on each service's served *share*, doubling A's
// demand halves what each of A's tokens counts for, and B's tokens win the budget.)
TEST(ValueObjective, EqualValueTokensServedNeverFallWhenDemandRises) {
  for (const double demand_a : {50e9, 100e9, 400e9, 2000e9}) {
    const Problem base = two_services(50e9, 150e9, 1e-6, 1e-6);
    const Problem more = two_services(demand_a, 150e9, 1e-6, 1e-6);
    auto p0 = solve(base, exact());
    auto p1 = solve(more, exact());
    ASSERT_TRUE(p0.ok() && p1.ok());
    EXPECT_GE(served(*p1, 0) + served(*p1, 1), served(*p0, 0) + served(*p0, 1) - 1e3) << demand_a;
  }
}

// Property 3: no service's served share depends on another service's demand units. B's
// demand written per thousand tokens (demand / 1000, capacity / 1000, value x 1000) is the
// same problem, and A is served the same.
TEST(ValueObjective, ServedShareDoesNotDependOnAnotherServicesUnits) {
  const Problem tokens = two_services(80e9, 1000e9, 1.5e-6, 1e-6);
  Problem thousands = tokens;
  thousands.services[1].demand = {1000e9 / 1000};
  thousands.services[1].value_usd = {1e-6 * 1000};
  thousands.options[0].capacity[1] = 2e9 / 1000;
  auto p0 = solve(tokens, exact());
  auto p1 = solve(thousands, exact());
  ASSERT_TRUE(p0.ok() && p1.ok());
  EXPECT_NEAR(served(*p1, 0), served(*p0, 0), 1e3);
  EXPECT_NEAR(served(*p1, 1) * 1000, served(*p0, 1), 1e6);
}

// min-cost prices unmet demand at its value: an accelerator costs 10,000 USD and serves
// 1e9 tokens/day on A, so a token/day costs 1e-5 USD; valued above that A is served in full,
// below it not at all.
TEST(ValueObjective, MinCostPricesUnmetDemandAtItsValue) {
  Problem worth = two_services(20e9, 0, 2e-5, 1e-6, 1e9);
  worth.services[0].shortfall_penalty_usd = worth.services[0].value_usd;
  worth.services[1].shortfall_penalty_usd = worth.services[1].value_usd;
  auto served_all = solve(worth, exact(Objective::kMinCost));
  ASSERT_TRUE(served_all.ok());
  EXPECT_NEAR(served(*served_all, 0), 20e9, 1e3);
  Problem cheap = worth;
  cheap.services[0].value_usd = {0.5e-5};
  cheap.services[0].shortfall_penalty_usd = {0.5e-5};
  auto served_none = solve(cheap, exact(Objective::kMinCost));
  ASSERT_TRUE(served_none.ok());
  EXPECT_NEAR(served(*served_none, 0), 0, 1e3);
}

// Priority tiers: B in tier 1 is served before A in tier 2, although A's tokens are worth
// more per accelerator (3,000 against 2,000 USD).
TEST(ValueObjective, TierOneIsServedFirst) {
  Problem problem = two_services(50e9, 150e9, 3e-6, 1e-6);
  problem.services[0].priority = 2;
  auto plan = solve(problem, exact());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  // B takes 75 accelerators (150e9 / 2e9), A the other 25.
  // (Each stage keeps the earlier tier's score less 1e-7 of it, for floating point.)
  EXPECT_NEAR(served(*plan, 1), 150e9, 150e9 * 1e-6);
  EXPECT_NEAR(served(*plan, 0), 25e9, 150e9 * 1e-6);
}

// Marginal cost: with integers free to grow and the budget lifted, one more T tokens/day on
// A takes 1e12 / 1e9 = 1,000 more accelerators: 10 M USD.
TEST(ValueObjective, MarginalCostOfOneMoreTTokensPerDay) {
  const Problem problem = two_services(50e9, 1000e9, 3e-6, 1e-6);
  auto plan = solve(problem, exact());
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->marginal_costs.size(), 2U);
  // Within a millionth: the figure comes from the LP's duals, exact up to its tolerances.
  EXPECT_NEAR(plan->marginal_costs[0].usd, 1000 * kPrice, 1e-6 * 1000 * kPrice);
  EXPECT_EQ(plan->marginal_costs[0].unit, "T tokens/day");
  // On B an accelerator serves 2e9: 500 accelerators.
  EXPECT_NEAR(plan->marginal_costs[1].usd, 500 * kPrice, 1e-6 * 500 * kPrice);
}

// Training jobs: two sites, 4 accelerators of 1 PFLOP/s at each; a 6 PFLOP/s job cannot run
// at one site although the two together have 8; a 3 PFLOP/s job needing 3 accelerators
// runs at one site.
TEST(TrainingJobs, AJobRunsAtOneSiteWithItsMinimumCluster) {
  Problem problem;
  problem.name = "jobs";
  problem.periods.push_back({"2026", 8760, 1e9});
  problem.sites = {{"east", std::nullopt, std::nullopt}, {"west", std::nullopt, std::nullopt}};
  ServiceRow train;
  train.name = "train";
  train.kind = ServiceKind::kTraining;
  train.demand = {9e15};
  train.value_usd = {1e-12};
  problem.services = {train};
  for (int k = 0; k < 2; ++k) {
    Option chip;
    chip.accelerator = "T";
    chip.site = k;
    chip.existing = 4;
    chip.installed_base = true;
    chip.can_acquire = {false};
    chip.capacity = {1e15};
    problem.options.push_back(chip);
  }
  problem.training_jobs = {{"big", 0, 0, 6e15, 6, {}}, {"small", 0, 0, 3e15, 3, {}}};
  auto plan = solve(problem, exact());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->training_jobs.size(), 2U);
  EXPECT_EQ(plan->training_jobs[0].site, -1);
  EXPECT_FALSE(plan->training_jobs[0].fits);
  EXPECT_GE(plan->training_jobs[1].site, 0);
  EXPECT_TRUE(plan->training_jobs[1].fits);
  EXPECT_NEAR(served(*plan, 0), 3e15, 1);
  ASSERT_EQ(plan->largest_training_cluster.size(), 1U);
}

}  // namespace
}  // namespace fleetplan::plan
