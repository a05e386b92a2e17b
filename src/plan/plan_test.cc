// Plans checked against optima solved by hand (each test's comment shows the working).
#include "plan/plan.h"
#include "plan/synthetic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace fleetplan::plan {
namespace {

constexpr double kTolerance = 1e-6;

// One period, one site without a power limit, one inference service.
Problem one_period(double demand_tokens_per_day, std::optional<double> budget_usd) {
  Problem problem;
  problem.name = "test";
  problem.periods.push_back({"2026", 8760, budget_usd});
  problem.sites.push_back({"dc", std::nullopt, std::nullopt});
  problem.services.push_back(
      {"chat", ServiceKind::kInference, {demand_tokens_per_day}, 1.0, {}, {}, {}, 1});
  return problem;
}

int add_chip(Problem& problem, const std::string& name, double price_usd, double tokens_per_day,
             bool domestic = false, Mode mode = Mode::kBuy) {
  Option option;
  option.accelerator = name;
  option.mode = mode;
  option.domestic = domestic;
  option.upfront_usd = {price_usd};
  option.capacity.assign(problem.services.size(), tokens_per_day);
  problem.options.push_back(option);
  return static_cast<int>(problem.options.size()) - 1;
}

double acquired(const Plan& plan, int period, int option) {
  for (const auto& line : plan.fleet) {
    if (line.period == period && line.option == option) {
      return line.acquired;
    }
  }
  return 0;
}

const RuleCost& rule_cost(const Plan& plan, const std::string& rule) {
  auto it = std::find_if(plan.rule_costs.begin(), plan.rule_costs.end(),
                         [&](const RuleCost& c) { return c.rule == rule; });
  EXPECT_NE(it, plan.rule_costs.end()) << rule;
  return *it;
}

SolveOptions min_cost() {
  SolveOptions options;
  options.objective = Objective::kMinCost;
  options.relative_gap = 1e-9;
  return options;
}

SolveOptions max_served() {
  SolveOptions options;
  options.objective = Objective::kMaxServed;
  options.relative_gap = 1e-9;
  return options;
}

// Two chips, one budget, one demand far above what the budget buys. "fast" serves 1 M
// tokens/day for 30,000 USD (33.3 tokens/day per USD), "cheap" 0.5 M for 10,000 USD (50 per
// USD). 1 M USD buys at most 100 cheap = 50 M tokens/day; any fast chip lowers that.
TEST(Plan, MaxServedSpendsTheBudgetOnTheBestRatio) {
  Problem problem = one_period(1e9, 1e6);
  const int fast = add_chip(problem, "fast", 30000, 1e6);
  const int cheap = add_chip(problem, "cheap", 10000, 0.5e6);
  auto plan = solve(problem, max_served());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->status, SolveStatus::kOptimal);
  EXPECT_NEAR(acquired(*plan, 0, fast), 0, kTolerance);
  EXPECT_NEAR(acquired(*plan, 0, cheap), 100, kTolerance);
  EXPECT_NEAR(plan->periods[0].served[0], 50e6, 1);
  EXPECT_NEAR(plan->periods[0].spend_usd, 1e6, kTolerance);
  EXPECT_NEAR(plan->served_score, 0.05, 1e-9);
}

// Min-cost with lumpy chips: demand 2.2 M tokens/day; fast 18,000 USD for 1 M, cheap 10,000
// for 0.5 M. 0.5c + f >= 2.2: f=0 -> c=5, 50k; f=1 -> c=3, 48k; f=2 -> c=1, 46k; f=3 -> 54k.
// Optimum 46,000 USD at 2 fast + 1 cheap (the LP relaxation, 2.2 fast = 39,600, is not).
TEST(Plan, MinCostFindsTheIntegerOptimum) {
  Problem problem = one_period(2.2e6, std::nullopt);
  const int fast = add_chip(problem, "fast", 18000, 1e6);
  const int cheap = add_chip(problem, "cheap", 10000, 0.5e6);
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->status, SolveStatus::kOptimal);
  EXPECT_NEAR(acquired(*plan, 0, fast), 2, kTolerance);
  EXPECT_NEAR(acquired(*plan, 0, cheap), 1, kTolerance);
  EXPECT_NEAR(plan->cost_usd, 46000, 1e-3);
  EXPECT_NEAR(plan->periods[0].served[0], 2.2e6, 1e-3);
}

// Servers of 8: the same chips in units of 8 and demand 2.2 M. 8 cheap give 4 M (80k),
// 8 fast give 8 M (144k): one server of cheap chips is the optimum, 80,000 USD.
TEST(Plan, UnitSizeBuysWholeServers) {
  Problem problem = one_period(2.2e6, std::nullopt);
  const int fast = add_chip(problem, "fast", 18000, 1e6);
  const int cheap = add_chip(problem, "cheap", 10000, 0.5e6);
  problem.options[fast].unit_size = 8;
  problem.options[cheap].unit_size = 8;
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(acquired(*plan, 0, cheap), 8, kTolerance);
  EXPECT_NEAR(acquired(*plan, 0, fast), 0, kTolerance);
  EXPECT_NEAR(plan->cost_usd, 80000, 1e-3);
}

// Buy or lease over two years of 8,760 h, one chip's worth of demand in each. Leasing at
// 1 USD/h costs 2 x 8,760 = 17,520; buying costs 20,000 once and carries over to year two.
// Without residual value the lease wins; with 5,000 USD left at the end (20,000 - 5,000 =
// 15,000 < 17,520) buying wins, and the bought chip serves both years.
TEST(Plan, BuyOrLeaseWithResidualValueAndCarryOver) {
  Problem problem;
  problem.periods = {{"y1", 8760, std::nullopt}, {"y2", 8760, std::nullopt}};
  problem.sites.push_back({"dc", std::nullopt, std::nullopt});
  problem.services.push_back({"chat", ServiceKind::kInference, {1e6, 1e6}, 1.0, {}, {}, {}, 1});
  const int buy = add_chip(problem, "chip", 20000, 1e6);
  const int lease = add_chip(problem, "chip", 0, 1e6, false, Mode::kLease);
  problem.options[lease].recurring_usd = {8760, 8760};

  auto leased = solve(problem, min_cost());
  ASSERT_TRUE(leased.ok()) << leased.error().message;
  EXPECT_NEAR(leased->cost_usd, 17520, 1e-3);
  EXPECT_NEAR(acquired(*leased, 0, lease) + acquired(*leased, 1, lease), 2, kTolerance);
  EXPECT_NEAR(acquired(*leased, 0, buy), 0, kTolerance);

  problem.options[buy].residual_usd = {5000, 12000};
  auto bought = solve(problem, min_cost());
  ASSERT_TRUE(bought.ok()) << bought.error().message;
  EXPECT_NEAR(bought->cost_usd, 15000, 1e-3);
  EXPECT_NEAR(bought->spend_usd, 20000, 1e-3);
  EXPECT_NEAR(acquired(*bought, 0, buy), 1, kTolerance);
  EXPECT_NEAR(acquired(*bought, 1, buy), 0, kTolerance);
  EXPECT_NEAR(bought->periods[1].served[0], 1e6, 1e-3);
}

// A lease with a two-period term started for one period of demand pays both periods.
// Demand only in y1: a 2-period lease at 8,760 per period costs 17,520; buying at 20,000
// without residual is dearer, so the lease is taken and is still active (unused) in y2.
TEST(Plan, LeaseTermIsPaidInFull) {
  Problem problem;
  problem.periods = {{"y1", 8760, std::nullopt}, {"y2", 8760, std::nullopt}};
  problem.sites.push_back({"dc", std::nullopt, std::nullopt});
  problem.services.push_back({"chat", ServiceKind::kInference, {1e6, 0}, 1.0, {}, {}, {}, 1});
  add_chip(problem, "chip", 20000, 1e6);
  const int lease = add_chip(problem, "chip", 0, 1e6, false, Mode::kLease);
  problem.options[lease].recurring_usd = {8760, 8760};
  problem.options[lease].lease_term_periods = 2;
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(plan->cost_usd, 17520, 1e-3);
  EXPECT_NEAR(plan->periods[1].spend_usd, 8760, 1e-3);
  EXPECT_NEAR(plan->periods[1].accelerators_active, 1, kTolerance);
}

// The rule fixture: foreign F at 10,000 USD and domestic D at 20,000 USD, each 1 M tokens/day;
// demand 10 M tokens/day. Without rules the optimum is 10 F = 100,000 USD.
Problem rule_fixture(int& foreign, int& domestic) {
  Problem problem = one_period(10e6, std::nullopt);
  foreign = add_chip(problem, "F", 10000, 1e6);
  domestic = add_chip(problem, "D", 20000, 1e6, true);
  return problem;
}

// Domestic share by count >= 30 %: D >= 0.3 (D + F) with D + F >= 10 -> D = 3, F = 7,
// 60,000 + 70,000 = 130,000 USD. The rule costs 30,000 USD.
TEST(Plan, DomesticShareByCount) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.rules.push_back({"domestic-30", "30 % domestic chips", "guidance"});
  problem.shares.push_back({"domestic",
                            "domestic-30",
                            {f, d},
                            {d},
                            {},
                            0.3,
                            ShareBasis::kCount,
                            ShareOf::kAcquisitions});
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(acquired(*plan, 0, d), 3, kTolerance);
  EXPECT_NEAR(acquired(*plan, 0, f), 7, kTolerance);
  EXPECT_NEAR(plan->cost_usd, 130000, 1e-3);
  EXPECT_NEAR(plan->periods[0].domestic_share_count, 0.3, 1e-9);
  const auto& cost = rule_cost(*plan, "domestic-30");
  EXPECT_TRUE(cost.binding);
  EXPECT_NEAR(cost.cost_usd, 30000, 1e-3);
}

// Domestic share by spend >= 30 %: 20 D >= 0.3 (20 D + 10 F), i.e. 14 D >= 3 F, with
// D + F >= 10. D = 1 allows F <= 4.67 (too few); D = 2 allows F <= 9.33 -> F = 8:
// 40,000 + 80,000 = 120,000 USD (domestic spend 40/120 = 33 %). The rule costs 20,000 USD.
TEST(Plan, DomesticShareBySpend) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.rules.push_back({"domestic-spend", "30 % of spend on domestic chips", "guidance"});
  problem.shares.push_back({"domestic",
                            "domestic-spend",
                            {f, d},
                            {d},
                            {},
                            0.3,
                            ShareBasis::kSpend,
                            ShareOf::kAcquisitions});
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(acquired(*plan, 0, d), 2, kTolerance);
  EXPECT_NEAR(acquired(*plan, 0, f), 8, kTolerance);
  EXPECT_NEAR(plan->cost_usd, 120000, 1e-3);
  EXPECT_NEAR(plan->periods[0].domestic_share_spend, 40000.0 / 120000.0, 1e-9);
  EXPECT_NEAR(rule_cost(*plan, "domestic-spend").cost_usd, 20000, 1e-3);
}

// Supply cap of 6 F (an export licence batch): 6 F + 4 D = 60,000 + 80,000 = 140,000 USD.
// The cap costs 40,000 USD and is a tight constraint.
TEST(Plan, SupplyCap) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.rules.push_back({"licence", "export licence batch", "news"});
  problem.supply_caps.push_back({"F-licence", "licence", {f}, {}, 6, false});
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(acquired(*plan, 0, f), 6, kTolerance);
  EXPECT_NEAR(acquired(*plan, 0, d), 4, kTolerance);
  EXPECT_NEAR(plan->cost_usd, 140000, 1e-3);
  EXPECT_NEAR(rule_cost(*plan, "licence").cost_usd, 40000, 1e-3);
  ASSERT_EQ(plan->tight.size(), 1U);
  EXPECT_EQ(plan->tight[0].kind, "supply-cap");
}

// Site power 5 kW; F draws 1,000 W, D 400 W. F + D >= 10 and 1000 F + 400 D <= 5000 give
// 600 F <= 1000, so F <= 1: 1 F + 9 D = 10,000 + 180,000 = 190,000 USD.
TEST(Plan, SitePower) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.sites[0].power_limit_w = 5000;
  problem.options[f].power_w = 1000;
  problem.options[d].power_w = 400;
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(acquired(*plan, 0, f), 1, kTolerance);
  EXPECT_NEAR(acquired(*plan, 0, d), 9, kTolerance);
  EXPECT_NEAR(plan->cost_usd, 190000, 1e-3);
  EXPECT_NEAR(plan->periods[0].site_power_w[0], 4600, 1e-6);
  ASSERT_EQ(plan->tight.size(), 1U);
  EXPECT_EQ(plan->tight[0].kind, "site-power");
}

// Site space for 6 accelerators at "dc", where F (10,000) is; D (20,000) sits at "dc2":
// 6 F + 4 D = 60,000 + 80,000 = 140,000 USD.
TEST(Plan, SiteSpace) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.sites[0].max_accelerators = 6;
  problem.sites.push_back({"dc2", std::nullopt, std::nullopt});
  problem.options[d].site = 1;
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(acquired(*plan, 0, f), 6, kTolerance);
  EXPECT_NEAR(acquired(*plan, 0, d), 4, kTolerance);
  EXPECT_NEAR(plan->cost_usd, 140000, 1e-3);
  ASSERT_EQ(plan->tight.size(), 1U);
  EXPECT_EQ(plan->tight[0].kind, "site-space");
}

// An export control that forbids buying F: 10 D = 200,000 USD; the rule costs 100,000 USD.
TEST(Plan, AcquisitionExclusion) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.rules.push_back({"export-control", "F may not be sold here", "rule"});
  problem.exclusions.push_back(
      {{"export-control"}, "", f, {}, ExclusionScope::kAcquire, -1, "banned"});
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(acquired(*plan, 0, f), 0, kTolerance);
  EXPECT_NEAR(acquired(*plan, 0, d), 10, kTolerance);
  EXPECT_NEAR(rule_cost(*plan, "export-control").cost_usd, 100000, 1e-3);
}

// A use restriction: domestic chips only for inference. Chat and training each need 4 chips'
// worth; D is the cheaper chip here (10,000 vs 20,000). Without the rule 8 D = 80,000 USD;
// with it 4 D (chat) + 4 F (training) = 120,000 USD, a cost of 40,000 USD.
TEST(Plan, UseExclusion) {
  Problem problem = one_period(4e6, std::nullopt);
  problem.services.push_back({"train", ServiceKind::kTraining, {4e15}, 1.0, {}, {}, {}, 1});
  const int f = add_chip(problem, "F", 20000, 1e6);
  const int d = add_chip(problem, "D", 10000, 1e6, true);
  problem.options[f].capacity = {1e6, 1e15};
  problem.options[d].capacity = {1e6, 1e15};
  problem.rules.push_back({"domestic-inference", "domestic chips serve inference", "policy"});
  problem.exclusions.push_back(
      {{"domestic-inference"}, "", d, {}, ExclusionScope::kUse, 1, "inference"});
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(acquired(*plan, 0, f), 4, kTolerance);
  EXPECT_NEAR(acquired(*plan, 0, d), 4, kTolerance);
  EXPECT_NEAR(plan->cost_usd, 120000, 1e-3);
  EXPECT_NEAR(rule_cost(*plan, "domestic-inference").cost_usd, 40000, 1e-3);
}

// A rule that does not bind is reported free: a cap of 20 F when 10 F are optimal.
TEST(Plan, SlackRuleIsNotBinding) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.rules.push_back({"loose-cap", "a cap far above need", "test"});
  problem.supply_caps.push_back({"F-cap", "loose-cap", {f}, {}, 20, false});
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  const auto& cost = rule_cost(*plan, "loose-cap");
  EXPECT_FALSE(cost.binding);
  EXPECT_EQ(cost.cost_usd, 0);
}

// Progress counts the solves: the plan itself, then one per rule priced (two rules here).
TEST(Plan, ProgressCountsThePlanAndEachRulePriced) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.rules.push_back({"loose-cap", "a cap far above need", "test"});
  problem.supply_caps.push_back({"F-cap", "loose-cap", {f}, {}, 20, false});
  const int rules = static_cast<int>(problem.rules.size());
  std::vector<std::pair<int, int>> told;
  SolveOptions options = min_cost();
  options.progress = [&](int done, int planned) { told.emplace_back(done, planned); };
  auto plan = solve(problem, options);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(told.size(), static_cast<std::size_t>(rules + 1));
  for (int i = 0; i <= rules; ++i) {
    EXPECT_EQ(told[i], std::make_pair(i + 1, rules + 1));
  }
  options.rule_costs = false;
  told.clear();
  ASSERT_TRUE(solve(problem, options).ok());
  EXPECT_EQ(told, (std::vector<std::pair<int, int>>{{1, 1}}));
}

// Max-served with a count share: budget 100,000 USD, F 10,000 and D 20,000 USD for 1 M
// tokens/day each, demand out of reach. N chips with D >= 0.3 N cost 10 N + 10 D <= 100 (k USD).
// N = 8 needs D = 3: 110 > 100; N = 7 with D = 3: 100. So 7 M tokens/day; without the rule 10 F
// give 10 M: the rule costs 3 M tokens/day. In USD, against priced unmet demand: the demand
// has no value, so it is priced at the plan's marginal cost of more of it, one more M
// tokens/day = 0.7 F + 0.3 D (the share holds at the margin) = 7,000 + 6,000 = 13,000 USD.
// Without the rule the most-served plan serves 3 M more for the same 100,000 USD: a priced
// cost lower by 3 x 13,000 = 39,000 USD; the cheapest plan at equal service (7 F = 70,000
// against 4 F + 3 D = 100,000) saves 30,000. The better of the two: 39,000 USD.
TEST(Plan, MaxServedRuleCostInTokensAndDollars) {
  Problem problem = one_period(100e6, 100000);
  const int f = add_chip(problem, "F", 10000, 1e6);
  const int d = add_chip(problem, "D", 20000, 1e6, true);
  problem.rules.push_back({"domestic-30", "30 % domestic chips", "guidance"});
  problem.shares.push_back({"domestic",
                            "domestic-30",
                            {f, d},
                            {d},
                            {},
                            0.3,
                            ShareBasis::kCount,
                            ShareOf::kAcquisitions});
  auto plan = solve(problem, max_served());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(plan->periods[0].served[0], 7e6, 1e-3);
  EXPECT_NEAR(acquired(*plan, 0, d), 3, kTolerance);
  EXPECT_NEAR(acquired(*plan, 0, f), 4, kTolerance);
  const auto& cost = rule_cost(*plan, "domestic-30");
  EXPECT_TRUE(cost.binding);
  EXPECT_NEAR(cost.tokens_per_day[0], 3e6, 1e-3);
  EXPECT_NEAR(cost.cost_usd, 39000, 1e-1);
}

// A shortfall penalty turns hard demand into a priced one: demand 10 M tokens/day, F at
// 10,000 USD per 1 M; a penalty of 0.005 USD per token/day unserved (5,000 USD per 1 M) is
// cheaper than serving, so nothing is bought and the cost is 10 x 5,000 = 50,000 USD.
TEST(Plan, ShortfallPenalty) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.services[0].shortfall_penalty_usd = {0.005};
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(plan->cost_usd, 50000, 1e-3);
  EXPECT_NEAR(plan->periods[0].served[0], 0, 1e-3);
}

// Infeasible: demand 10 M tokens/day must be met (min-cost, no penalty) with 50,000 USD when
// it takes 10 F = 100,000. Relaxing the demand by 5 M (50 % of it) is smaller than relaxing
// the budget by 50,000 (100 % of it), so the explanation names the demand, with the budget
// as the tight constraint it conflicts with.
TEST(Plan, InfeasibleDemandAgainstBudget) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.periods[0].budget_usd = 50000;
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->status, SolveStatus::kInfeasible);
  EXPECT_TRUE(plan->fleet.empty());
  ASSERT_EQ(plan->conflicts.size(), 1U);
  EXPECT_EQ(plan->conflicts[0].kind, "demand");
  EXPECT_NEAR(plan->conflicts[0].amount, 5e6, 1);
  EXPECT_NEAR(plan->conflicts[0].relative, 0.5, 1e-6);
  ASSERT_EQ(plan->tight.size(), 1U);
  EXPECT_EQ(plan->tight[0].kind, "budget");
}

// Infeasible: 10 existing F chips draw 10 kW in a 6 kW site. Whatever the objective, the
// site must grow by 4 kW (67 %).
TEST(Plan, InfeasibleExistingFleetOverSitePower) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.sites[0].power_limit_w = 6000;
  problem.options[f].power_w = 1000;
  problem.options[f].existing = 10;
  auto plan = solve(problem, max_served());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->status, SolveStatus::kInfeasible);
  ASSERT_EQ(plan->conflicts.size(), 1U);
  EXPECT_EQ(plan->conflicts[0].kind, "site-power");
  EXPECT_NEAR(plan->conflicts[0].amount, 4000, 1e-3);
  EXPECT_NE(plan->conflicts[0].message.find("site-power[dc][2026]"), std::string::npos);
}

// Infeasible by rules: F is banned and D is capped at 4, while 10 chips must be bought. The
// elastic problem relaxes the cheapest of: the demand by 6 M (60 %), the cap by 6 (150 %),
// or the ban by 6 chips (weighted ten times): the demand.
TEST(Plan, InfeasibleRulesAgainstDemand) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.rules.push_back({"ban", "F banned", "rule"});
  problem.rules.push_back({"cap", "D capped", "rule"});
  problem.exclusions.push_back({{"ban"}, "", f, {}, ExclusionScope::kAcquire, -1, "banned"});
  problem.supply_caps.push_back({"D-cap", "cap", {d}, {}, 4, false});
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->status, SolveStatus::kInfeasible);
  ASSERT_EQ(plan->conflicts.size(), 1U);
  EXPECT_EQ(plan->conflicts[0].kind, "demand");
  EXPECT_NEAR(plan->conflicts[0].amount, 6e6, 1);
  ASSERT_EQ(plan->tight.size(), 1U);
  EXPECT_EQ(plan->tight[0].rule, "cap");
}

TEST(Plan, ValidationNamesTheField) {
  Problem problem = one_period(1e6, 1e6);
  add_chip(problem, "chip", 100, 1e6);
  problem.options[0].capacity = {1, 2};
  auto plan = solve(problem);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().kind, ErrorKind::kInput);
  EXPECT_NE(plan.error().message.find("options[0] (chip).capacity"), std::string::npos)
      << plan.error().message;

  Problem unknown_rule = one_period(1e6, 1e6);
  add_chip(unknown_rule, "chip", 100, 1e6);
  unknown_rule.supply_caps.push_back({"cap", "no-such-rule", {0}, {}, 1, false});
  auto bad = solve(unknown_rule);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("no-such-rule"), std::string::npos);
}

TEST(Plan, ParseObjective) {
  EXPECT_EQ(*parse_objective("min-cost"), Objective::kMinCost);
  EXPECT_EQ(*parse_objective("max-served"), Objective::kMaxServed);
  EXPECT_FALSE(parse_objective("cheapest").ok());
}

// Peak over average 1.5: an average demand of 2 M tokens/day needs 3 M of capacity, i.e.
// three 1 M chips at 10,000 USD = 30,000 USD; the served demand is the average, 2 M.
TEST(Plan, PeakToAverageSizesForThePeak) {
  Problem problem = one_period(2e6, std::nullopt);
  problem.services[0].peak_to_average = {1.5};
  const int chip = add_chip(problem, "chip", 10000, 1e6);
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(acquired(*plan, 0, chip), 3, kTolerance);
  EXPECT_NEAR(plan->periods[0].served[0], 2e6, 1e-3);
  EXPECT_NEAR(plan->cost_usd, 30000, 1e-3);
}

// A budget line caps F's purchase price at 50,000 USD: F <= 5, so 5 F + 5 D = 50,000 +
// 100,000 = 150,000 USD. The line reports 50,000 of 50,000 spent and is tight.
TEST(Plan, SpendCapLikeABudgetLine) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.spend_caps.push_back({"foreign-chips", 0, {f}, {1.0}, {0.0}, 50000, true});
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(acquired(*plan, 0, f), 5, kTolerance);
  EXPECT_NEAR(plan->cost_usd, 150000, 1e-3);
  ASSERT_EQ(plan->spend_caps.size(), 1U);
  EXPECT_NEAR(plan->spend_caps[0].spend_usd, 50000, 1e-3);
  ASSERT_EQ(plan->tight.size(), 1U);
  EXPECT_EQ(plan->tight[0].kind, "spend-cap");
}

// Two periods of 10 chips' demand, one-period leases only (F 10,000, D 20,000 a period).
// A cap of 12 F per period allows 10 F each period: 200,000 USD. The same cap over both
// periods together allows 12 F in all, so 8 D fill in: 12 x 10,000 + 8 x 20,000 = 280,000.
TEST(Plan, CumulativeSupplyCap) {
  Problem problem;
  problem.periods = {{"y1", 8760, std::nullopt}, {"y2", 8760, std::nullopt}};
  problem.sites.push_back({"dc", std::nullopt, std::nullopt});
  problem.services.push_back({"chat", ServiceKind::kInference, {10e6, 10e6}, 1.0, {}, {}, {}, 1});
  const int f = add_chip(problem, "F", 0, 1e6, false, Mode::kLease);
  const int d = add_chip(problem, "D", 0, 1e6, true, Mode::kLease);
  problem.options[f].recurring_usd = {10000};
  problem.options[d].recurring_usd = {20000};
  problem.rules.push_back({"cap", "F licences", "test"});
  problem.supply_caps.push_back({"F", "cap", {f}, {}, 12, false});
  auto per_period = solve(problem, min_cost());
  ASSERT_TRUE(per_period.ok()) << per_period.error().message;
  EXPECT_NEAR(per_period->cost_usd, 200000, 1e-3);
  problem.supply_caps[0].cumulative = true;
  auto together = solve(problem, min_cost());
  ASSERT_TRUE(together.ok()) << together.error().message;
  EXPECT_NEAR(together->cost_usd, 280000, 1e-3);
  EXPECT_NEAR(acquired(*together, 0, f) + acquired(*together, 1, f), 12, kTolerance);
  EXPECT_NEAR(acquired(*together, 0, d) + acquired(*together, 1, d), 8, kTolerance);
}

// A share of the whole fleet: 10 F already installed serve the demand, but D must be 30 %
// of the fleet: D >= 0.3 (10 + D) gives D >= 4.29, so 5 D = 100,000 USD.
TEST(Plan, DomesticShareOfTheFleet) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.options[f].existing = 10;
  problem.rules.push_back({"fleet-30", "30 % of the fleet domestic", "test"});
  problem.shares.push_back(
      {"fleet", "fleet-30", {f, d}, {d}, {}, 0.3, ShareBasis::kCount, ShareOf::kFleet});
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(acquired(*plan, 0, d), 5, kTolerance);
  EXPECT_NEAR(plan->cost_usd, 100000, 1e-3);
  EXPECT_NEAR(rule_cost(*plan, "fleet-30").cost_usd, 100000, 1e-3);
}

// A rule that permits: F is banned by an old rule and re-allowed by a newer one. The plan
// buys 10 F (100,000 USD); leaving the permit out bans F again and costs 10 D = 200,000, so
// the permit's "cost" is -100,000 USD. Leaving the old ban out changes nothing.
TEST(Plan, PermittingRuleHasANegativeCost) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.rules.push_back({"old-ban", "F banned", "test"});
  problem.rules.push_back({"permit", "F allowed again", "test"});
  problem.exclusions.push_back(
      {{}, "permit", f, {}, ExclusionScope::kAcquire, -1, "banned unless permitted"});
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(plan->cost_usd, 100000, 1e-3);
  const auto& permit = rule_cost(*plan, "permit");
  EXPECT_TRUE(permit.binding);
  EXPECT_NEAR(permit.cost_usd, -100000, 1e-3);
  EXPECT_FALSE(rule_cost(*plan, "old-ban").binding);
}

// Two rules ban F: leaving either one out leaves the other, so neither alone costs anything.
TEST(Plan, DoublyBannedOptionIsNotLiftedByOneRule) {
  int f = 0;
  int d = 0;
  Problem problem = rule_fixture(f, d);
  problem.rules.push_back({"ban-a", "F banned", "test"});
  problem.rules.push_back({"ban-b", "F banned too", "test"});
  problem.exclusions.push_back({{}, "", f, {}, ExclusionScope::kAcquire, -1, "banned twice"});
  auto plan = solve(problem, min_cost());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NEAR(plan->cost_usd, 200000, 1e-3);
  EXPECT_FALSE(rule_cost(*plan, "ban-a").binding);
  EXPECT_FALSE(rule_cost(*plan, "ban-b").binding);
}

// The same problem gives the same plan, to the last bit, twice over.
TEST(Plan, Deterministic) {
  SyntheticSpec spec;
  spec.periods = 2;
  spec.sites = 3;
  spec.accelerators = 5;
  spec.services = 3;
  spec.seed = 7;
  const Problem problem = synthetic_problem(spec);
  SolveOptions options;
  options.relative_gap = 1e-2;
  auto first = solve(problem, options);
  auto second = solve(problem, options);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(second.ok());
  EXPECT_NE(first->status, SolveStatus::kInfeasible);
  EXPECT_EQ(first->cost_usd, second->cost_usd);
  EXPECT_EQ(first->served_score, second->served_score);
  ASSERT_EQ(first->fleet.size(), second->fleet.size());
  for (std::size_t i = 0; i < first->fleet.size(); ++i) {
    EXPECT_EQ(first->fleet[i].option, second->fleet[i].option);
    EXPECT_EQ(first->fleet[i].acquired, second->fleet[i].acquired);
    EXPECT_EQ(first->fleet[i].allocated, second->fleet[i].allocated);
  }
  ASSERT_EQ(first->rule_costs.size(), second->rule_costs.size());
  for (std::size_t i = 0; i < first->rule_costs.size(); ++i) {
    EXPECT_EQ(first->rule_costs[i].cost_usd, second->rule_costs[i].cost_usd);
  }
  // The synthetic problem is generated from its seed alone.
  EXPECT_EQ(synthetic_problem(spec).options.size(), problem.options.size());
  EXPECT_EQ(*synthetic_problem(spec).periods[1].budget_usd, *problem.periods[1].budget_usd);
}

}  // namespace
}  // namespace fleetplan::plan
