// Spend by item and unit costs of a plan, against figures worked by hand (the accelerator of
// tco_test.cc: 40,000 USD at acquisition by item, 2,240.96 USD a year to run, 9,907.63 USD
// per accelerator-year all in).
#include "plan/economics.h"

#include <gtest/gtest.h>

namespace fleetplan::plan {
namespace {

Problem one_option_problem() {
  Problem problem;
  problem.name = "unit";
  problem.periods = {{"2026", 8760, 1e9}};
  problem.sites = {{"home", std::nullopt, std::nullopt}};
  ServiceRow chat;
  chat.name = "chat";
  chat.demand = {1e12};
  chat.peak_to_average = {1.5};
  ServiceRow train;
  train.name = "train";
  train.kind = ServiceKind::kTraining;
  train.demand = {1e18};
  problem.services = {chat, train};
  Option option;
  option.accelerator = "X";
  ItemAmounts upfront;
  upfront[SpendItem::kAccelerators] = 20000;
  upfront[SpendItem::kServers] = 6000;
  upfront[SpendItem::kNetwork] = 3000;
  upfront[SpendItem::kStorage] = 1000;
  upfront[SpendItem::kDataCentre] = 10000;
  ItemAmounts recurring;
  recurring[SpendItem::kEnergy] = 840.96;
  recurring[SpendItem::kOperations] = 1400;
  option.upfront_items = {upfront};
  option.recurring_items = {recurring};
  option.upfront_usd = {upfront.total()};
  option.recurring_usd = {recurring.total()};
  option.annual_usd = 9907.626667;
  option.power_w = 1200;
  option.capacity = {1.2e9, 1e15};  // tokens/day at the planned utilisation; FLOP/s
  problem.options = {option};
  Option lease;
  lease.accelerator = "Y";
  lease.mode = Mode::kLease;
  lease.recurring_usd = {19272};
  lease.capacity = {1e9, 0};
  problem.options.push_back(lease);
  return problem;
}

TEST(SpendByItem, LineItemsAreUpfrontTimesAcquiredPlusRecurringTimesActive) {
  const Problem problem = one_option_problem();
  const ItemAmounts items = option_spend_by_item(problem, 0, 0, 16, 24);
  EXPECT_NEAR(items[SpendItem::kAccelerators], 16 * 20000, 1e-9);
  EXPECT_NEAR(items[SpendItem::kDataCentre], 16 * 10000, 1e-9);
  EXPECT_NEAR(items[SpendItem::kEnergy], 24 * 840.96, 1e-9);
  EXPECT_NEAR(items[SpendItem::kOperations], 24 * 1400, 1e-9);
  EXPECT_NEAR(items.total(), 16 * 40000 + 24 * 2240.96, 1e-9);
  // Without items: a lease's recurring cash is all leases.
  const ItemAmounts lease = option_spend_by_item(problem, 1, 0, 8, 8);
  EXPECT_NEAR(lease[SpendItem::kLeases], 8 * 19272, 1e-9);
  EXPECT_NEAR(lease.total(), 8 * 19272, 1e-9);
}

TEST(SpendByItem, PeriodItemsAddUpToThePeriodSpend) {
  const Problem problem = one_option_problem();
  Plan plan;
  plan.periods.resize(1);
  FleetLine a;
  a.period = 0;
  a.option = 0;
  a.acquired = 16;
  a.active = 16;
  a.spend_usd = 16 * 40000 + 16 * 2240.96;
  FleetLine b;
  b.period = 0;
  b.option = 1;
  b.acquired = 8;
  b.active = 8;
  b.spend_usd = 8 * 19272;
  plan.fleet = {a, b};
  plan.periods[0].spend_usd = a.spend_usd + b.spend_usd;
  fill_spend_by_item(problem, plan);
  EXPECT_NEAR(plan.periods[0].spend_by_item.total(), plan.periods[0].spend_usd, 1e-6);
  EXPECT_NEAR(plan.periods[0].spend_by_item[SpendItem::kLeases], 8 * 19272, 1e-6);
  EXPECT_NEAR(plan.fleet[0].spend_by_item[SpendItem::kNetwork], 16 * 3000, 1e-6);
}

TEST(UnitCosts, CostOfATokenAtThePlannedUtilisation) {
  const std::vector<UnitCost> costs = unit_costs(one_option_problem());
  // The lease has no annual cost: only option 0, for both services.
  ASSERT_EQ(costs.size(), 2U);
  const UnitCost& chat = costs[0];
  EXPECT_EQ(chat.service, 0);
  // 1.2e9 tokens/day at the peak hour / 1.5 = 0.8e9 a day; x 365 = 292,000 M tokens a year.
  EXPECT_NEAR(chat.usd_per_million_tokens, 9907.626667 / 292000, 1e-12);
  // 0.8e9 / 86,400 s on 1.2 kW at the wall.
  EXPECT_NEAR(chat.tokens_per_s_per_mw, 0.8e9 / 86400 / 0.0012, 1e-6);
  const UnitCost& train = costs[1];
  // 1e15 FLOP/s x 31.536e6 s = 3.1536e22 FLOP = 31,536 exaFLOP a year.
  EXPECT_NEAR(train.usd_per_exaflop, 9907.626667 / 31536, 1e-12);
}

// Issue 11: input and output tokens priced apart. A chat request of 2,000 input and 400
// output tokens; the perf model says 30 % of the accelerator's busy time is prefill. Of the
// blended 9,907.63 / 292,000 = 0.0339302 USD per M tokens, a request of 2,400 tokens costs
// 2,400 x 0.0339302 = 81.4325 USD per M requests: 30 % of it over 2,000 input tokens is
// 0.0122149 USD per M input tokens, 70 % over 400 output tokens 0.142507 per M output.
TEST(UnitCosts, InputAndOutputTokensSplitByPrefillAndDecodeTime) {
  Problem problem = one_option_problem();
  problem.services[0].input_tokens = 2000;
  problem.services[0].output_tokens = 400;
  problem.options[0].prefill_time_share = {0.3, 0};
  const std::vector<UnitCost> costs = unit_costs(problem);
  ASSERT_EQ(costs.size(), 2U);
  const UnitCost& chat = costs[0];
  EXPECT_NEAR(chat.usd_per_million_input_tokens, 0.0122149, 1e-6);
  EXPECT_NEAR(chat.usd_per_million_output_tokens, 0.142507, 1e-5);
  // The split keeps the request's cost: 2,000 x input + 400 x output = 2,400 x blended.
  EXPECT_NEAR(2000 * chat.usd_per_million_input_tokens + 400 * chat.usd_per_million_output_tokens,
              2400 * chat.usd_per_million_tokens, 1e-9);
  // Training has no tokens to split.
  EXPECT_EQ(costs[1].usd_per_million_input_tokens, 0);
}

// Issue 11: a unit cost names what forbids its option. An acquisition exclusion by a rule
// in the period, a placement exclusion of one service (no rule lifts it).
TEST(UnitCosts, ForbiddenOptionsNameTheRuleOrThePlacement) {
  Problem problem = one_option_problem();
  problem.rules = {{"export-rule", "", ""}};
  problem.exclusions.push_back({{"export-rule"},
                                "",
                                0,
                                {0},
                                ExclusionScope::kAcquire,
                                -1,
                                "policy exclusion: rule export-rule"});
  problem.exclusions.push_back(
      {{}, "", 0, {}, ExclusionScope::kUse, 1, "train may be served only from sites in CN"});
  // An exclusion that holds only when a permit is left out does not forbid the plan's option.
  problem.exclusions.push_back(
      {{}, "export-rule", 0, {0}, ExclusionScope::kUse, 0, "excluded without the permit"});
  const std::vector<UnitCost> costs = unit_costs(problem);
  ASSERT_EQ(costs.size(), 2U);
  EXPECT_EQ(costs[0].forbidden_by, (std::vector<std::string>{"export-rule"}));
  EXPECT_EQ(costs[0].forbidden_reason, "policy exclusion: rule export-rule");
  EXPECT_EQ(costs[1].forbidden_by, (std::vector<std::string>{"export-rule", "placement"}));
  EXPECT_FALSE(costs[1].allowed());
  // Nothing forbids it in a problem without exclusions.
  EXPECT_TRUE(unit_costs(one_option_problem())[0].allowed());
}

}  // namespace
}  // namespace fleetplan::plan
