// The plan reports show the plan's own numbers: checked on a problem solved by hand.
#include "report/plan_report.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace fleetplan::report {
namespace {

// One period, budget 100,000 USD; F (10,000 USD, 1 M tokens/day) at site "dc";
// demand 20 M tokens/day. Max-served buys 10 F and serves 10 M (50 %).
plan::Problem problem() {
  plan::Problem p;
  p.name = "tiny";
  p.periods.push_back({"2026", 8760, 100000});
  p.sites.push_back({"dc", 50000, std::nullopt});
  p.services.push_back({"chat", plan::ServiceKind::kInference, {20e6}, 1.0, {}, {}, {}, 1});
  plan::Option f;
  f.accelerator = "F";
  f.upfront_usd = {10000};
  f.power_w = 1000;
  f.capacity = {1e6};
  p.options.push_back(f);
  p.rules.push_back({"cap", "at most 20 F", "test"});
  p.supply_caps.push_back({"F", "cap", {0}, {}, 20, false});
  p.assumptions.push_back("F costs 10,000 USD");
  return p;
}

TEST(PlanReport, JsonHasTheIssueFields) {
  const auto p = problem();
  auto plan = plan::solve(p);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  const auto j = plan_json(p, *plan, {"tiny", "", "", "", {}, {}, {}, {}, {}, {}});
  EXPECT_EQ(j["status"], "optimal");
  ASSERT_EQ(j["periods"].size(), 1U);
  const auto& period = j["periods"][0];
  EXPECT_EQ(period["name"], "2026");
  EXPECT_DOUBLE_EQ(period["budget_usd"].get<double>(), 100000);
  EXPECT_NEAR(period["spend_usd"].get<double>(), 100000, 1e-6);
  EXPECT_DOUBLE_EQ(period["domestic_share"].get<double>(), 0);
  EXPECT_NEAR(period["capacity_tokens_per_day"].get<double>(), 10e6, 1e-3);
  EXPECT_DOUBLE_EQ(period["demand_tokens_per_day"].get<double>(), 20e6);
  ASSERT_EQ(period["fleet"].size(), 1U);
  EXPECT_EQ(period["fleet"][0]["accelerator"], "F");
  EXPECT_EQ(period["fleet"][0]["site"], "dc");
  EXPECT_EQ(period["fleet"][0]["mode"], "buy");
  EXPECT_NEAR(period["fleet"][0]["count"].get<double>(), 10, 1e-9);
  EXPECT_NEAR(period["fleet"][0]["cost_usd"].get<double>(), 100000, 1e-6);
  ASSERT_EQ(j["rules"].size(), 1U);
  EXPECT_EQ(j["rules"][0]["name"], "cap");
  EXPECT_EQ(j["rules"][0]["binding"], false);
  EXPECT_DOUBLE_EQ(j["rules"][0]["cost_usd"].get<double>(), 0);
}

// The currency the text report shows beside USD travels in the JSON with its rate, so a
// client can show the same "(696,000 CNY)" the terminal does: 100,000 USD x 6.96.
TEST(PlanReport, JsonCarriesTheReportCurrencyAndRate) {
  const auto p = problem();
  auto plan = plan::solve(p);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  const auto in_usd = plan_json(p, *plan, {"tiny", "", "", "", {}, {}, {}, {}, {}, {}});
  EXPECT_EQ(in_usd["report_currency"], "USD");
  EXPECT_DOUBLE_EQ(in_usd["periods"][0]["report_currency_per_usd"].get<double>(), 1.0);
  const auto in_cny = plan_json(p, *plan, {"tiny", "", "", "CNY", {6.96}, {}, {}, {}, {}, {}});
  EXPECT_EQ(in_cny["report_currency"], "CNY");
  const auto& period = in_cny["periods"][0];
  EXPECT_DOUBLE_EQ(period["report_currency_per_usd"].get<double>(), 6.96);
  EXPECT_NEAR(period["budget_usd"].get<double>() * period["report_currency_per_usd"].get<double>(),
              696000, 1e-6);
}

TEST(PlanReport, TextNamesFleetSpendAndAssumptions) {
  const auto p = problem();
  auto plan = plan::solve(p);
  ASSERT_TRUE(plan.ok());
  const std::string text = plan_text(p, *plan, {"tiny", "", "", "", {}, {}, {}, {}, {}, {}});
  EXPECT_NE(text.find("Plan for tiny: max-served, optimal"), std::string::npos) << text;
  EXPECT_NE(text.find("Budget 100,000 USD; spend 100,000 USD (100.0 % of the budget)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("10.00 M of 20.00 M tokens/day served (50.0 %)"), std::string::npos) << text;
  EXPECT_NE(text.find("F costs 10,000 USD"), std::string::npos);
}

// A site's region (free text of the scenario) names the site wherever its power is shown.
TEST(PlanReport, SiteRegionIsShownInTextJsonAndHtml) {
  auto p = problem();
  p.sites[0].region = "Inner Mongolia";
  auto plan = plan::solve(p);
  ASSERT_TRUE(plan.ok());
  const PlanContext context{"tiny", "", "", "", {}, {}, {}, {}, {}, {}};
  // 10 F of 1 kW each: 10 kW = 0.01 MW, of the site's 50 kW.
  const std::string text = plan_text(p, *plan, context);
  EXPECT_NE(text.find("Site power: dc (Inner Mongolia) 0.0 of 0 MW"), std::string::npos) << text;
  const auto j = plan_json(p, *plan, context);
  EXPECT_EQ(j["periods"][0]["sites"][0]["name"], "dc");
  EXPECT_EQ(j["periods"][0]["sites"][0]["region"], "Inner Mongolia");
  const std::string html = plan_html(p, *plan, context);
  EXPECT_NE(html.find("dc (Inner Mongolia)"), std::string::npos);
  p.sites[0].region.clear();
  EXPECT_TRUE(plan_json(p, *plan, context)["periods"][0]["sites"][0]["region"].is_null());
}

TEST(PlanReport, InfeasibleTextListsTheConflicts) {
  auto p = problem();
  p.options[0].existing = 60;  // 60 kW of existing chips in a 50 kW site
  auto plan = plan::solve(p);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->status, plan::SolveStatus::kInfeasible);
  const std::string text = plan_text(p, *plan, {"tiny", "", "", "", {}, {}, {}, {}, {}, {}});
  EXPECT_NE(text.find("site-power[dc][2026] is short by 0.01 MW"), std::string::npos) << text;
}

TEST(PlanReport, HtmlIsSelfContained) {
  const auto p = problem();
  auto plan = plan::solve(p);
  ASSERT_TRUE(plan.ok());
  const std::string html =
      plan_html(p, *plan, {"tiny", "a <test>", "", "", {}, {}, {}, {}, {}, {}});
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("a &lt;test&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
}

TEST(PlanReport, Formats) {
  EXPECT_EQ(money(23e9), "23.00 bn USD");
  EXPECT_EQ(money(4.5e6), "4.5 M USD");
  EXPECT_EQ(money(12345), "12,345 USD");
  EXPECT_EQ(large(50e12), "50.00 T");
  EXPECT_EQ(large(812.5e9), "812.50 bn");
}

// Every USD amount of the JSON has a twin in the report currency right after it, at the
// period's rate inside periods[] and at the mean rate over the horizon: 100,000 USD x 6.96
// = 696,000 CNY for the budget, the spend, the fleet line and the horizon's cash.
TEST(PlanReport, EveryUsdAmountHasAReportCurrencyTwin) {
  const auto p = problem();
  auto plan = plan::solve(p);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  const auto j = plan_json(p, *plan, {"tiny", "", "", "CNY", {6.96}, {}, {}, {}, {}, {}});
  const auto& period = j["periods"][0];
  EXPECT_NEAR(period["budget_report_currency"].get<double>(), 696000, 1e-6);
  EXPECT_NEAR(period["spend_report_currency"].get<double>(), 696000, 1e-6);
  EXPECT_NEAR(period["fleet"][0]["cost_report_currency"].get<double>(), 696000, 1e-6);
  EXPECT_NEAR(j["spend_report_currency"].get<double>(), 696000, 1e-6);
  EXPECT_DOUBLE_EQ(j["rules"][0]["cost"]["usd"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(j["rules"][0]["cost"]["report_currency"].get<double>(), 0);
  // No USD field without its twin, anywhere.
  std::function<void(const nlohmann::ordered_json&, const std::string&)> walk =
      [&](const nlohmann::ordered_json& node, const std::string& at) {
        if (node.is_array()) {
          for (std::size_t i = 0; i < node.size(); ++i) {
            walk(node[i], at + "[" + std::to_string(i) + "]");
          }
          return;
        }
        if (!node.is_object()) {
          return;
        }
        for (const auto& [key, value] : node.items()) {
          const bool usd = key.size() > 4 && key.compare(key.size() - 4, 4, "_usd") == 0 &&
                           key.rfind("report_currency", 0) != 0;
          if (usd) {
            const std::string twin = key.substr(0, key.size() - 4) + "_report_currency";
            EXPECT_TRUE(node.contains(twin)) << at << "." << key;
          }
          walk(value, at + "." + key);
        }
      };
  walk(j, "$");
}

// The text shows every amount in the report currency with USD beside.
TEST(PlanReport, TextShowsAmountsInTheReportCurrency) {
  const auto p = problem();
  auto plan = plan::solve(p);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  const std::string text = plan_text(p, *plan, {"tiny", "", "", "CNY", {6.96}, {}, {}, {}, {}, {}});
  EXPECT_NE(text.find("Budget 696,000 CNY (100,000 USD); spend 696,000 CNY (100,000 USD)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("cash 696,000 CNY (100,000 USD)"), std::string::npos) << text;
}

// A rule re-solve stopped at its node limit reads as a range with its gap; one stopped
// before any plan as its bound; the JSON carries usd, usd_bound, gap and status.
TEST(PlanReport, StoppedRuleReSolvesShowTheirBound) {
  const auto p = problem();
  auto plan = plan::solve(p);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  plan::RuleCost& cost = plan->rule_costs.at(0);
  cost.binding = true;
  cost.cost_usd = 1e6;
  cost.cost_usd_bound = 2e6;
  cost.gap = 0.05;
  cost.status_without = plan::SolveStatus::kFeasible;
  const PlanContext context{"tiny", "", "", "", {}, {}, {}, {}, {}, {}};
  const std::string text = plan_text(p, *plan, context);
  EXPECT_NE(text.find("between 1.0 M USD and 2.0 M USD (gap 5.00 %)"), std::string::npos) << text;
  EXPECT_NE(plan_html(p, *plan, context, {}).find("between 1.0 M USD and 2.0 M USD (gap 5.00 %)"),
            std::string::npos);
  const auto j = plan_json(p, *plan, context);
  EXPECT_DOUBLE_EQ(j["rules"][0]["cost"]["usd"].get<double>(), 1e6);
  EXPECT_DOUBLE_EQ(j["rules"][0]["cost"]["usd_bound"].get<double>(), 2e6);
  EXPECT_DOUBLE_EQ(j["rules"][0]["cost"]["gap"].get<double>(), 0.05);
  EXPECT_EQ(j["rules"][0]["cost"]["status"], "feasible");
  cost.status_without = plan::SolveStatus::kStopped;
  cost.cost_usd = 2e6;
  EXPECT_NE(plan_text(p, *plan, context).find("at most 2.0 M USD (bound"), std::string::npos);
  EXPECT_EQ(plan_json(p, *plan, context)["rules"][0]["cost"]["status"], "stopped");
}

}  // namespace
}  // namespace fleetplan::report
