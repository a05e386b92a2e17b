// Supply pools, delivery by day, lot sizes, minimum orders and whole deployments, each on a
// problem small enough to solve by hand (each test's comment shows the working).
#include "plan/plan.h"

#include <gtest/gtest.h>

#include <string>

namespace fleetplan::plan {
namespace {

constexpr double kTolerance = 1e-6;

// Periods of the given hours, one site without limits, one inference service with the
// same demand in every period.
Problem problem_of(const std::vector<double>& hours, double demand) {
  Problem problem;
  problem.name = "realism";
  for (std::size_t p = 0; p < hours.size(); ++p) {
    problem.periods.push_back({"p" + std::to_string(p), hours[p], std::nullopt});
  }
  problem.sites.push_back({"dc", std::nullopt, std::nullopt});
  ServiceRow chat;
  chat.name = "chat";
  chat.kind = ServiceKind::kInference;
  chat.demand.assign(hours.size(), demand);
  problem.services.push_back(chat);
  return problem;
}

int add_buy(Problem& problem, const std::string& name, double price, double capacity) {
  Option option;
  option.accelerator = name;
  option.upfront_usd = {price};
  option.capacity = {capacity};
  problem.options.push_back(option);
  return static_cast<int>(problem.options.size()) - 1;
}

double acquired(const Plan& plan, int period, int option) {
  double total = 0;
  for (const auto& line : plan.fleet) {
    if (line.period == period && line.option == option) {
      total += line.acquired;
    }
  }
  return total;
}

double allocated(const Plan& plan, int period, int option) {
  for (const auto& line : plan.fleet) {
    if (line.period == period && line.option == option) {
      return line.allocated.at(0);
    }
  }
  return 0;
}

SolveOptions options(Objective objective) {
  SolveOptions o;
  o.objective = objective;
  o.relative_gap = 1e-9;
  o.rule_costs = false;
  return o;
}

// Two chips share a pool of 300 dies: "big" takes 2 dies and serves 2 units, "small" takes
// 1 die and serves 1. Either way a die serves one unit, so the most served is 300, and the
// dies used, 2 x big + small, are at most 300. Without the pool the demand of 1,000 is met.
TEST(Realism, SupplyPoolLinksTheChipsOfOneVendor) {
  Problem problem = problem_of({8760}, 1000);
  const int big = add_buy(problem, "big", 2, 2);
  const int small = add_buy(problem, "small", 1, 1);
  problem.pools.push_back({"dies", "dies", {big, small}, {2, 1}, {300}, false});
  auto plan = solve(problem, options(Objective::kMaxServed));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(plan->periods[0].served[0], 300, kTolerance);
  EXPECT_LE(2 * acquired(*plan, 0, big) + acquired(*plan, 0, small), 300 + kTolerance);
  problem.pools.clear();
  plan = solve(problem, options(Objective::kMaxServed));
  ASSERT_TRUE(plan.ok());
  EXPECT_NEAR(plan->periods[0].served[0], 1000, kTolerance);
}

// A cumulative pool (a stockpile) of 100 over two periods: what the first takes the second
// cannot. Demand 80 a period, one unit serves one; bought units stay. The best plan buys 80
// in the first period (serving 80 in both) and 20 in the second (serving 100, capped at 80):
// at most 100 in all, and both periods served in full.
TEST(Realism, CumulativePoolIsSharedAcrossPeriods) {
  Problem problem = problem_of({4380, 4380}, 80);
  const int chip = add_buy(problem, "chip", 1, 1);
  problem.pools.push_back({"stock", "units", {chip}, {1}, {50, 50}, true});
  auto plan = solve(problem, options(Objective::kMaxServed));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_LE(acquired(*plan, 0, chip) + acquired(*plan, 1, chip), 100 + kTolerance);
  EXPECT_NEAR(plan->periods[0].served[0], 80, kTolerance);  // 80 > the 50 of a per-period pool
  EXPECT_NEAR(plan->periods[1].served[0], 80, kTolerance);
}

// A chip delivered from day 321 of 365 (2026-02-15) serves 320/365 of the year and pays
// energy for as long. 100 may be bought (a cap); each serves 1 unit of demand (1,000) and
// draws 365 USD of energy a year. Served: 100 x 320/365 = 87.67; cash: 100 x 10 (price) +
// 100 x 365 x 320/365 = 1,000 + 32,000.
TEST(Realism, DeliveryMidPeriodServesAndPaysForItsDays) {
  Problem problem = problem_of({8760}, 1000);
  const int chip = add_buy(problem, "chip", 10, 1);
  problem.options[chip].recurring_usd = {365};
  problem.options[chip].delivered_fraction = {320.0 / 365.0};
  problem.supply_caps.push_back({"cap", "", {chip}, {}, 100, false});
  auto plan = solve(problem, options(Objective::kMaxServed));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(acquired(*plan, 0, chip), 100, kTolerance);
  EXPECT_NEAR(plan->periods[0].served[0], 100 * 320.0 / 365.0, 1e-3);
  EXPECT_NEAR(plan->periods[0].spend_usd, 1000 + 32000, 1e-3);
}

// The same chip and cap over four quarters (2,160, 2,184, 2,208, 2,208 hours = 90, 91, 92,
// 92 days), the cap cumulative and delivery from day 46 of Q1 (45 of its 90 days left). The
// cap allows 100 in all, as in one period; bought in Q1 they serve 50 in Q1 and 100 after.
TEST(Realism, QuartersBuyWhatTheYearBuysUnderACumulativeCap) {
  Problem problem = problem_of({2160, 2184, 2208, 2208}, 1000);
  const int chip = add_buy(problem, "chip", 10, 1);
  problem.options[chip].delivered_fraction = {0.5, 1, 1, 1};
  problem.supply_caps.push_back({"cap", "", {chip}, {}, 100, true});
  auto plan = solve(problem, options(Objective::kMaxServed));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  double total = 0;
  for (int p = 0; p < 4; ++p) {
    total += acquired(*plan, p, chip);
  }
  EXPECT_NEAR(total, 100, kTolerance);
  EXPECT_NEAR(acquired(*plan, 0, chip), 100, kTolerance);  // earliest serves most
  EXPECT_NEAR(plan->periods[0].served[0], 50, kTolerance);
  EXPECT_NEAR(plan->periods[3].served[0], 100, kTolerance);
}

// Demand 10, one unit per accelerator, lots of 8 and a minimum order of 64: min-cost with
// the demand hard buys ceil(10 / 8) = 2 lots without the minimum, 64 with it.
TEST(Realism, LotsAndMinimumOrders) {
  Problem problem = problem_of({8760}, 10);
  const int chip = add_buy(problem, "chip", 100, 1);
  problem.options[chip].unit_size = 8;
  auto plan = solve(problem, options(Objective::kMinCost));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(acquired(*plan, 0, chip), 16, kTolerance);
  problem.options[chip].min_order = 64;
  problem.periods[0].budget_usd = 1e6;  // bounds the order (1e6 / 800 = 1,250 lots)
  plan = solve(problem, options(Objective::kMinCost));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(acquired(*plan, 0, chip), 64, kTolerance);
  EXPECT_NEAR(plan->periods[0].spend_usd, 6400, 1e-6);
}

// 20 installed accelerators, deployments of 8, demand 20: only whole deployments serve, so
// 16 accelerators (two deployments) serve 16, never 20 x a fraction.
TEST(Realism, AllocationsAreWholeDeployments) {
  Problem problem = problem_of({8760}, 20);
  Option installed;
  installed.accelerator = "old";
  installed.existing = 20;
  installed.installed_base = true;
  installed.can_acquire = {false};
  installed.capacity = {1};
  installed.deployment = {8};
  problem.options.push_back(installed);
  auto plan = solve(problem, options(Objective::kMaxServed));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(allocated(*plan, 0, 0), 16, kTolerance);
  EXPECT_NEAR(plan->periods[0].served[0], 16, kTolerance);
}

}  // namespace
}  // namespace fleetplan::plan
