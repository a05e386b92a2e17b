// The reference scenario as one period and as four quarters: cutting the year must not
// change what a planner relies on (issue 10). Expected values come from the scenario's
// facts, not from the plans: the H200 licence batch is 20,000 units (seed facts), and the
// same fleet at the end of the year serves the same demand.
#include "catalog/catalog.h"
#include "perf/perf.h"
#include "plan/build.h"
#include "plan/plan.h"
#include "plan/verify.h"
#include "scenario/scenario.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>

namespace fleetplan::plan {
namespace {

class Quarterly : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = catalog::Catalog::load();
    ASSERT_TRUE(catalog.ok()) << catalog.error().message;
    catalog_ = std::move(*catalog);
    auto efficiency = perf::EfficiencyTable::load_builtin();
    ASSERT_TRUE(efficiency.ok()) << efficiency.error().message;
    efficiency_ = std::move(*efficiency);
  }
  Built build(const std::string& name) {
    auto scenario = scenario::load_scenario(name, catalog_);
    EXPECT_TRUE(scenario.ok()) << scenario.error().message;
    scenarios_.push_back(std::move(*scenario));
    auto built = build_problem(scenarios_.back(), catalog_, efficiency_, {}, &cache_);
    EXPECT_TRUE(built.ok()) << built.error().message;
    return std::move(*built);
  }
  static Plan solve_built(const Built& built) {
    SolveOptions options;
    options.objective = built.objective;
    options.rule_costs = false;
    auto plan = solve(built.problem, options);
    EXPECT_TRUE(plan.ok()) << plan.error().message;
    return std::move(*plan);
  }
  static double acquired(const Built& built, const Plan& plan, const std::string& accelerator) {
    double total = 0;
    for (const auto& line : plan.fleet) {
      if (built.problem.options[line.option].accelerator == accelerator) {
        total += line.acquired;
      }
    }
    return total;
  }
  static double inference_served(const Built& built, const Plan& plan, int period) {
    double total = 0;
    for (std::size_t s = 0; s < built.problem.services.size(); ++s) {
      if (built.problem.services[s].kind == ServiceKind::kInference) {
        total += plan.periods[period].served[s];
      }
    }
    return total;
  }

  catalog::Catalog catalog_;
  perf::EfficiencyTable efficiency_;
  CapacityCache cache_;
  std::vector<scenario::Scenario> scenarios_;
};

TEST_F(Quarterly, DeliveryByDayAndPoolsSplitTheYear) {
  const Built year = build("bytedance-2026");
  const Built quarters = build("bytedance-2026-quarterly");
  // H200 from 2026-02-15: 320 of 365 days of the year; 45 of Q1's 90 days, then whole
  // quarters.
  for (std::size_t o = 0; o < year.problem.options.size(); ++o) {
    if (year.problem.options[o].accelerator == "H200-SXM") {
      EXPECT_DOUBLE_EQ(year.problem.options[o].delivered_fraction.at(0), 320.0 / 365.0);
    }
  }
  for (std::size_t o = 0; o < quarters.problem.options.size(); ++o) {
    if (quarters.problem.options[o].accelerator == "H200-SXM") {
      EXPECT_DOUBLE_EQ(quarters.problem.options[o].delivered_fraction.at(0), 0.5);
      EXPECT_DOUBLE_EQ(quarters.problem.options[o].delivered_fraction.at(1), 1.0);
    }
  }
  // Ascend dies: a third of 1.6 M in 2026 (0.333 x 1.6e6 = 532,800), the quarters by days
  // (90, 91, 92, 92 of 365) adding up to the same.
  const auto pool = [](const Built& built, const std::string& name) -> const PoolLimit& {
    for (const auto& p : built.problem.pools) {
      if (p.name == name) {
        return p;
      }
    }
    ADD_FAILURE() << name;
    return built.problem.pools.front();
  };
  EXPECT_NEAR(pool(year, "huawei-ascend-dies").max_units.at(0), 532800, 1e-6);
  const auto& q = pool(quarters, "huawei-ascend-dies").max_units;
  ASSERT_EQ(q.size(), 4u);
  EXPECT_NEAR(q[0], 532800.0 * 90 / 365, 1e-6);
  EXPECT_NEAR(q[0] + q[1] + q[2] + q[3], 532800, 1e-6);
}

TEST_F(Quarterly, SameH200TotalAndServiceWithinFivePercent) {
  const Built year = build("bytedance-2026");
  const Built quarters = build("bytedance-2026-quarterly");
  const Plan plan_year = solve_built(year);
  const Plan plan_quarters = solve_built(quarters);
  const double h200_year = acquired(year, plan_year, "H200-SXM");
  const double h200_quarters = acquired(quarters, plan_quarters, "H200-SXM");
  EXPECT_LE(h200_year, 20000);
  EXPECT_LE(h200_quarters, 20000);
  // The same batch, bought once: within 0.5 % (100 units; a server is 8). Equality held
  // while the batch bound every plan; with every token served the last few servers are a
  // choice between plans of almost the same cost (the year bought 19,984, the quarters
  // 20,000 on 2026-12-02), not a difference the period boundaries make.
  EXPECT_NEAR(h200_year, h200_quarters, 100);
  // The fleet at the end of the year serves within 5 % of the one-period plan.
  const double served_year = inference_served(year, plan_year, 0);
  const double served_q4 = inference_served(quarters, plan_quarters, 3);
  ASSERT_GT(served_year, 0);
  EXPECT_NEAR(served_q4 / served_year, 1.0, 0.05);
  // Served never falls from one quarter to the next while the fleet only grows.
  for (int p = 1; p < 4; ++p) {
    EXPECT_GE(inference_served(quarters, plan_quarters, p),
              inference_served(quarters, plan_quarters, p - 1) * (1 - 1e-3));
  }
}

// bytedance-2026 takes the fleet bought in 2025 from the 2025 backtest's plan (assumption
// installed-2025): of each accelerator, the count that `fleetplan plan bytedance-2025-ft`
// buys, at the site it was bought for in China; one bought for a site abroad (in 2025: Ascend) is
// counted at cn-north (the assumption brings it home). Leases end with their period.
TEST_F(Quarterly, InstalledBaseOf2026IsWhatThe2025PlanBought) {
  const Built backtest = build("bytedance-2025-ft");
  const Plan bought = solve_built(backtest);
  std::map<std::pair<std::string, std::string>, double> planned;
  for (const auto& line : bought.fleet) {
    const Option& option = backtest.problem.options[line.option];
    if (option.mode == Mode::kBuy && line.acquired > 0) {
      const std::string& site = backtest.problem.sites[option.site].name;
      const bool in_china = site.rfind("cn-", 0) == 0;
      planned[{option.accelerator, in_china ? site : std::string("cn-north")}] += line.acquired;
    }
  }
  for (const char* name : {"bytedance-2026", "bytedance-2026-quarterly"}) {
    SCOPED_TRACE(name);
    auto scenario = scenario::load_scenario(name, catalog_);
    ASSERT_TRUE(scenario.ok()) << scenario.error().message;
    std::map<std::pair<std::string, std::string>, double> installed;
    for (const auto& entry : scenario->installed) {
      if (entry.provenance.assumption == "installed-2025") {
        installed[{entry.accelerator, entry.site}] += static_cast<double>(entry.count);
      }
    }
    EXPECT_EQ(installed, planned);
  }
}

// A product decision: a reference plan holds its latency targets under plan --verify, every
// deployment type at its share of the peak-hour load, at least 90 % of simulated requests
// within both targets (VerifyOptions' default). The bytedance-2026 plan counts a 50 % prefix
// cache on its flagship services; the simulator must run it too.
TEST_F(Quarterly, ReferencePlanHoldsItsTargetsUnderVerify) {
  const Built built = build("bytedance-2026");
  const Plan plan = solve_built(built);
  auto checks = verify(scenarios_.back(), catalog_, efficiency_, built, plan, VerifyOptions{});
  ASSERT_TRUE(checks.ok()) << checks.error().message;
  ASSERT_FALSE(checks->empty());
  for (const Verification& v : *checks) {
    EXPECT_TRUE(v.holds) << v.period << " " << v.service << " on " << v.accelerator << ": "
                         << 100.0 * v.attainment << " % within targets, TPOT p90 " << v.tpot_p90_ms
                         << " ms, TTFT p90 " << v.ttft_p90_ms << " ms";
  }
}

}  // namespace
}  // namespace fleetplan::plan
