// Plan options given with a run (flags, API fields) and the scenario's `settings:` are one
// setting: a run option replaces the scenario's value, and an absent one leaves it in force.
#include "report/plan_run.h"

#include <gtest/gtest.h>

#include "scenario/scenario.h"

namespace fleetplan::report {
namespace {

struct Fixture {
  catalog::Catalog catalog;
  perf::EfficiencyTable efficiency;
  scenario::Scenario scenario;
};

Fixture fixture() {
  auto catalog = catalog::Catalog::load();
  EXPECT_TRUE(catalog.ok()) << catalog.error().message;
  auto efficiency = perf::EfficiencyTable::load_builtin();
  EXPECT_TRUE(efficiency.ok()) << efficiency.error().message;
  auto scenario = scenario::load_scenario_file(
      std::string(FLEETPLAN_SOURCE_DIR) + "/src/plan/testdata/two-periods.yaml", *catalog);
  EXPECT_TRUE(scenario.ok()) << scenario.error().message;
  return {*catalog, *efficiency, *scenario};
}

std::string plan_text_json(const Fixture& f, const scenario::Scenario& s, const PlanOptions& o) {
  auto run = run_plan(s, f.catalog, f.efficiency, o, "test");
  EXPECT_TRUE(run.ok()) << run.error().message;
  return run.ok() ? run->json().dump() : "";
}

TEST(PlanRunOptions, PlanningUtilizationOptionReplacesTheScenarioSetting) {
  const Fixture f = fixture();
  ASSERT_DOUBLE_EQ(f.scenario.settings.planning_utilization, 1.0);
  PlanOptions half;
  half.planning_utilization = 0.5;
  scenario::Scenario set_in_file = f.scenario;
  set_in_file.settings.planning_utilization = 0.5;
  const std::string by_option = plan_text_json(f, f.scenario, half);
  EXPECT_EQ(by_option, plan_text_json(f, set_in_file, {}));
  // Min-cost with demand a hard constraint: half the usable capacity costs more.
  EXPECT_NE(by_option, plan_text_json(f, f.scenario, {}));
}

TEST(PlanRunOptions, GapAndNodeLimitOfTheScenarioAreUsedWhenNotGiven) {
  const Fixture f = fixture();
  scenario::Scenario set_in_file = f.scenario;
  set_in_file.settings.gap = 0.2;
  set_in_file.settings.node_limit = 7;
  PlanOptions given;
  given.gap = 0.2;
  given.node_limit = 7;
  EXPECT_EQ(plan_text_json(f, set_in_file, {}), plan_text_json(f, f.scenario, given));
}

TEST(PlanRunOptions, ApiFieldsAreCheckedAsTheRegistrySays) {
  auto parsed = parse_plan_options(nlohmann::json::parse(R"({"node_limit": 1.5})"), "options");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message,
            "options.node_limit: '1.5' is not an integer; expected an integer from 0 to 1e+09");
  parsed =
      parse_plan_options(nlohmann::json::parse(R"({"planning_utilization": "high"})"), "options");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message,
            "options.planning_utilization: expected a number from 0.05 to 1, got \"high\"");
  parsed = parse_plan_options(
      nlohmann::json::parse(R"({"gap": 0.01, "node_limit": 50, "planning_utilization": 0.8})"),
      "options");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_DOUBLE_EQ(*parsed->gap, 0.01);
  EXPECT_DOUBLE_EQ(*parsed->node_limit, 50);
  EXPECT_DOUBLE_EQ(*parsed->planning_utilization, 0.8);
  // The stored text names only what was given, keys sorted.
  EXPECT_EQ(plan_options_json(*parsed).dump(),
            R"({"gap":0.01,"node_limit":50,"planning_utilization":0.8})");
}

}  // namespace
}  // namespace fleetplan::report
