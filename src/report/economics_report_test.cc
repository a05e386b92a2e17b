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
  plan.unit_costs = {{0, 1, 0, 2.0, 5e6, 0, 20000}, {0, 0, 0, 1.0, 5e6, 0, 10000}};
  const Section section = unit_cost_section(problem, plan);
  ASSERT_EQ(section.rows.size(), 1U);
  EXPECT_EQ(section.rows[0][3], "1.00");
  EXPECT_EQ(section.rows[0][5], "10,000");
  const auto json = unit_costs_json(problem, plan);
  ASSERT_EQ(json.size(), 2U);
  EXPECT_DOUBLE_EQ(json[1]["usd_per_million_tokens"].get<double>(), 1.0);
  EXPECT_EQ(json[1]["accelerator"], "X");
  EXPECT_TRUE(section_text(section).find("Unit costs") != std::string::npos);
  EXPECT_TRUE(section_html(section).find("<table>") != std::string::npos);
}

}  // namespace
}  // namespace fleetplan::report
