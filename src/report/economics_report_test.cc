// The economics sections of the plan report: the spend-by-item table and JSON add up to the
// period's spend, and a unit cost shows the cheapest option's figure.
#include "report/economics_report.h"

#include <gtest/gtest.h>

namespace fleetplan::report {
namespace {

plan::Problem problem_with_two_options() {
  plan::Problem problem;
  problem.periods = {{"2026", 8760, 1e9}};
  problem.sites = {{"home", std::nullopt, std::nullopt}};
  plan::ServiceRow chat;
  chat.name = "chat";
  chat.demand = {1e12};
  problem.services = {chat};
  plan::Option a;
  a.accelerator = "X";
  a.capacity = {1e9};
  a.annual_usd = 10000;
  a.power_w = 1000;
  plan::Option b = a;
  b.annual_usd = 20000;
  problem.options = {a, b};
  return problem;
}

// Option 1 at 2 USD per M tokens (20,000 USD a year), option 0 at 1 USD (10,000 USD).
std::vector<plan::UnitCost> two_unit_costs() {
  std::vector<plan::UnitCost> costs(2);
  costs[0].option = 1;
  costs[0].usd_per_million_tokens = 2.0;
  costs[0].usd_per_accelerator_year = 20000;
  costs[1].option = 0;
  costs[1].usd_per_million_tokens = 1.0;
  costs[1].usd_per_accelerator_year = 10000;
  for (plan::UnitCost& cost : costs) {
    cost.tokens_per_s_per_mw = 5e6;
  }
  return costs;
}

TEST(EconomicsReport, SpendByItemAddsUpToTheSpend) {
  const plan::Problem problem = problem_with_two_options();
  plan::Plan plan;
  plan.periods.resize(1);
  plan.periods[0].spend_by_item[plan::SpendItem::kAccelerators] = 3e9;
  plan.periods[0].spend_by_item[plan::SpendItem::kEnergy] = 0.5e9;
  plan.periods[0].spend_usd = 3.5e9;
  const Section section = spend_by_item_section(problem, plan, {"CNY", {7.0}});
  ASSERT_EQ(section.rows.size(), 3U);  // accelerators, energy, total
  EXPECT_EQ(section.rows[0][1], "21.00 bn CNY (3.00 bn USD)");
  EXPECT_EQ(section.rows[2][0], "total (= spend)");
  EXPECT_EQ(section.rows[2][1], "24.50 bn CNY (3.50 bn USD)");
  const auto json = spend_by_item_json(plan.periods[0]);
  double sum = 0;
  for (const auto& item : json) {
    sum += item["usd"].get<double>();
  }
  EXPECT_DOUBLE_EQ(sum, 3.5e9);
  EXPECT_EQ(json.size(), static_cast<std::size_t>(plan::kSpendItemCount));
  EXPECT_EQ(json[0]["item"], "accelerators");
}

TEST(EconomicsReport, UnitCostTableShowsTheCheapestOption) {
  const plan::Problem problem = problem_with_two_options();
  plan::Plan plan;
  plan.unit_costs = two_unit_costs();
  const Section section = unit_cost_section(problem, plan);
  ASSERT_EQ(section.rows.size(), 1U);
  EXPECT_EQ(section.rows[0][3], "1.00");
  EXPECT_EQ(section.rows[0][7], "10,000");
  EXPECT_EQ(section.rows[0][8], "yes");
  const auto json = unit_costs_json(problem, plan);
  ASSERT_EQ(json.size(), 2U);
  EXPECT_DOUBLE_EQ(json[1]["usd_per_million_tokens"].get<double>(), 1.0);
  EXPECT_EQ(json[1]["accelerator"], "X");
  EXPECT_TRUE(section_text(section).find("Unit costs") != std::string::npos);
  EXPECT_TRUE(section_html(section).find("<table>") != std::string::npos);
}

// Issue 11: the table must not offer an option a rule forbids. The cheaper option (1 USD)
// is forbidden by a rule, so the table shows the dearer allowed one (2 USD); when every
// option of the accelerator is forbidden, the cheapest is shown and says by what.
TEST(EconomicsReport, UnitCostTablePrefersAllowedOptionsAndNamesWhatForbids) {
  const plan::Problem problem = problem_with_two_options();
  plan::Plan plan;
  plan.unit_costs = two_unit_costs();
  plan.unit_costs[1].forbidden_by = {"export-rule"};
  plan.unit_costs[1].forbidden_reason = "policy exclusion: rule export-rule";
  Section section = unit_cost_section(problem, plan);
  ASSERT_EQ(section.rows.size(), 1U);
  EXPECT_EQ(section.rows[0][3], "2.00");
  EXPECT_EQ(section.rows[0][8], "yes");
  plan.unit_costs[0].forbidden_by = {"placement"};
  section = unit_cost_section(problem, plan);
  ASSERT_EQ(section.rows.size(), 1U);
  EXPECT_EQ(section.rows[0][3], "1.00");
  EXPECT_EQ(section.rows[0][8], "no: export-rule");
  const auto json = unit_costs_json(problem, plan);
  EXPECT_FALSE(json[1]["allowed"].get<bool>());
  EXPECT_EQ(json[1]["forbidden_by"][0], "export-rule");
  EXPECT_EQ(json[1]["forbidden_reason"], "policy exclusion: rule export-rule");
}

// Issue 11: min-cost leaves a service unserved when its cheapest allowed token costs more
// than it is worth, and the report says so. Value 0.5 USD per M tokens (5e-7 USD per token
// a day, times 365 days), cheapest allowed cost 1 USD per M: the line names both.
TEST(EconomicsReport, UnservedBecauseCostExceedsValueIsExplained) {
  plan::Problem problem = problem_with_two_options();
  problem.services[0].value_usd = {0.5e-6 * 365};
  plan::Plan plan;
  plan.objective = plan::Objective::kMinCost;
  plan.periods.resize(1);
  plan.periods[0].served = {0};
  plan.periods[0].value_usd = {0};
  plan.unit_costs = two_unit_costs();
  const auto lines = cost_above_value_lines(problem, plan);
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_NE(lines[0].find("chat 2026: 0.0 % served"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("costs 1.00 USD per M tokens (X home/buy)"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("value of 0.500 USD per M tokens"), std::string::npos) << lines[0];
  EXPECT_NE(value_section(problem, plan).note.find("cost > value"), std::string::npos);
  // Worth more than it costs: no line.
  problem.services[0].value_usd = {2e-6 * 365};
  EXPECT_TRUE(cost_above_value_lines(problem, plan).empty());
}

}  // namespace
}  // namespace fleetplan::report
