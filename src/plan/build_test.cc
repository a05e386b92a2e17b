// build_problem against figures worked out by hand from the scenario and the catalog.
#include "plan/build.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "scenario/scenario.h"

namespace fleetplan::plan {
namespace {

// One year, two sites (home in CN, abroad in MY), an inference and a training service,
// H20 bought (everywhere) and H100 leased abroad; a rule that bans H20 in CN, a newer
// one that allows it again, a 30 % domestic share, a budget line for accelerator prices.
constexpr const char* kScenario = R"(
name: tiny
description: a small scenario for tests
settings:
  objective: min-cost
  shortfall_usd_per_million_tokens: 0.5
  source: test
services:
  - name: chat
    kind: inference
    model: qwen3-32b
    input_len: 1000
    output_len: 200
    ttft_ms: 1000
    tpot_ms: 40
    weights: fp8
    kv_cache: fp8
    source: test
  - name: train
    kind: training
    model: qwen3-32b
    training_mfu: 0.5
    source: test
sites:
  - name: home
    country: CN
    region: test
    power: 100 MW
    pue: 1.25
    energy_price_per_kwh: 0.10 USD
    ownership: owned
    operator: us
    operator_verified: true
    source: test
  - name: abroad
    country: MY
    region: test
    power: 50 MW
    pue: 1.4
    energy_price_per_kwh: 0.70 CNY
    ownership: leased
    operator: them
    operator_verified: true
    source: test
periods:
  - name: "2026"
    start: 2026-01-01
    end: 2026-12-31
    budget: 7 bn CNY
    source: test
    exchange_rates: {CNY: 7.0}
    exchange_rates_source: test
    budget_lines:
      - name: chips
        amount: 0.5 bn USD
        items: [accelerators]
        modes: [buy]
        source: test
    demand:
      - service: chat
        tokens_per_day: 1e12
        peak_to_average: 1.2
        source: test
      - service: train
        gpu_hours: 1e6
        accelerator: H100-SXM
        source: test
procurement:
  - accelerator: H20
    mode: buy
    unit_price: 10000 USD
    server_overhead: 0.5
    depreciation_years: 4
    source: test
  - accelerator: H100-SXM
    mode: lease
    lease_price_per_gpu_hour: 2 USD
    min_term_months: 12
    lease_includes_energy: false
    sites: [abroad]
    source: test
rules:
  - name: ban-h20-cn
    kind: export_control
    action: deny
    description: H20 banned in China
    effective: 2025-01-01
    source: test
    accelerators: [H20]
    countries: [CN]
  - name: allow-h20-cn
    kind: export_control
    action: allow
    description: H20 allowed again in China
    effective: 2025-06-01
    source: test
    accelerators: [H20]
    countries: [CN]
  - name: ban-h20-abroad
    kind: export_control
    action: deny
    description: H20 not sold abroad
    effective: 2025-01-01
    source: test
    accelerators: [H20]
    not_countries: [CN]
  - name: share-30
    kind: domestic_share
    description: 30 % domestic
    effective: 2025-01-01
    source: test
    min_share: 0.3
    basis: count
    share_of: acquisitions
assumptions:
  - name: price-guess
    value: H20 at 12,500 USD
    reasoning: half the H100's price
    source: press
)";

class BuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = catalog::Catalog::load();
    ASSERT_TRUE(catalog.ok()) << catalog.error().message;
    catalog_ = std::move(*catalog);
    auto efficiency = perf::EfficiencyTable::load_builtin();
    ASSERT_TRUE(efficiency.ok()) << efficiency.error().message;
    efficiency_ = std::move(*efficiency);
    auto scenario = scenario::load_scenario_text(kScenario, "tiny.yaml", catalog_);
    ASSERT_TRUE(scenario.ok()) << scenario.error().message;
    scenario_ = std::move(*scenario);
    auto built = build_problem(scenario_, catalog_, efficiency_);
    ASSERT_TRUE(built.ok()) << built.error().message;
    built_ = std::move(*built);
  }
  int option(const std::string& accelerator, const std::string& site) const {
    const auto& p = built_.problem;
    for (int o = 0; o < static_cast<int>(p.options.size()); ++o) {
      if (p.options[o].accelerator == accelerator && p.sites[p.options[o].site].name == site) {
        return o;
      }
    }
    ADD_FAILURE() << accelerator << "@" << site;
    return 0;
  }
  const Exclusion* exclusion(int option, ExclusionScope scope) const {
    for (const auto& e : built_.problem.exclusions) {
      if (e.option == option && e.scope == scope) {
        return &e;
      }
    }
    return nullptr;
  }
  catalog::Catalog catalog_;
  perf::EfficiencyTable efficiency_;
  scenario::Scenario scenario_;
  Built built_;
};

TEST_F(BuildTest, PeriodsBudgetsAndDemand) {
  const Problem& p = built_.problem;
  EXPECT_EQ(built_.objective, Objective::kMinCost);
  ASSERT_EQ(p.periods.size(), 1U);
  EXPECT_DOUBLE_EQ(p.periods[0].hours, 365 * 24);
  EXPECT_NEAR(*p.periods[0].budget_usd, 1e9, 1e-3);  // 7 bn CNY at 7 CNY/USD
  ASSERT_EQ(p.services.size(), 2U);
  EXPECT_DOUBLE_EQ(p.services[0].demand[0], 1e12);
  EXPECT_DOUBLE_EQ(p.services[0].peak_to_average[0], 1.2);
  // 0.5 USD per million tokens, every day of the year: 0.5e-6 x 365 USD per token/day.
  EXPECT_NEAR(series_value(p.services[0].shortfall_penalty_usd, 0), 0.5e-6 * 365, 1e-15);
  // Training: 1e6 H100-hours x 3600 s x 989 TFLOP/s x MFU 0.5, spread over the year's seconds.
  EXPECT_EQ(p.services[1].kind, ServiceKind::kTraining);
  EXPECT_NEAR(p.services[1].demand[0], 1e6 * 3600 * 989e12 * 0.5 / (8760 * 3600.0), 1e9);
  EXPECT_TRUE(p.services[1].shortfall_penalty_usd.empty());
}

// Provenance text of the scenario reaches the report: a site's region, each assumption's
// reasoning and source, each period's exchange rates with their source.
TEST_F(BuildTest, RegionsAssumptionsAndExchangeRateSources) {
  const Problem& p = built_.problem;
  ASSERT_EQ(p.sites.size(), 2U);
  EXPECT_EQ(p.sites[0].name, "home");
  EXPECT_EQ(p.sites[0].region, "test");
  const auto has = [&](const std::string& line) {
    return std::find(p.assumptions.begin(), p.assumptions.end(), line) != p.assumptions.end();
  };
  EXPECT_TRUE(has("price-guess: H20 at 12,500 USD; why: half the H100's price; source: press"));
  EXPECT_TRUE(has("exchange rates of period 2026: 7 CNY per USD; source: test"));
}

TEST_F(BuildTest, BuyOptionCosts) {
  const Option& h20 = built_.problem.options[option("H20", "home")];
  EXPECT_EQ(h20.mode, Mode::kBuy);
  EXPECT_EQ(h20.unit_size, 8);
  // 10,000 USD + 50 % server overhead.
  EXPECT_NEAR(series_value(h20.upfront_usd, 0), 15000, 1e-9);
  // 400 W TDP x 1.5 server x PUE 1.25 = 750 W; 0.75 kW x 8,760 h x 0.10 USD/kWh = 657 USD.
  EXPECT_NEAR(h20.power_w, 750, 1e-9);
  EXPECT_NEAR(series_value(h20.recurring_usd, 0), 657, 1e-6);
  // Bought at the start of a one-year horizon, 365 / 365.25 years used of 4.
  EXPECT_NEAR(series_value(h20.residual_usd, 0), 15000 * (1 - 365 / 365.25 / 4), 1e-6);
  // Abroad: PUE 1.4 -> 840 W; 0.70 CNY/kWh at 7 CNY/USD = 0.10 USD/kWh.
  const Option& abroad = built_.problem.options[option("H20", "abroad")];
  EXPECT_NEAR(series_value(abroad.recurring_usd, 0), 0.84 * 8760 * 0.10, 1e-6);
}

TEST_F(BuildTest, LeaseOptionCosts) {
  const Option& h100 = built_.problem.options[option("H100-SXM", "abroad")];
  EXPECT_EQ(h100.mode, Mode::kLease);
  EXPECT_TRUE(h100.upfront_usd.empty() || series_value(h100.upfront_usd, 0) == 0);
  // 2 USD/h x 8,760 h, plus energy (not included): 700 W x 1.5 x 1.4 = 1,470 W at 0.10 USD/kWh.
  EXPECT_NEAR(series_value(h100.recurring_usd, 0), 2 * 8760 + 1.47 * 8760 * 0.10, 1e-6);
  EXPECT_EQ(h100.lease_term_periods, 1);  // 12 months in a one-year period
}

TEST_F(BuildTest, CapacitiesAreGoodputAtTheTargets) {
  const Option& h20 = built_.problem.options[option("H20", "home")];
  // Training: BF16 peak x the service's MFU.
  auto accelerator = catalog_.accelerator("H20");
  ASSERT_TRUE(accelerator.ok());
  EXPECT_DOUBLE_EQ(h20.capacity[1], (*accelerator)->peak_flops(catalog::Precision::kBf16) * 0.5);
  // Inference: the perf model's throughput at the targets for the deployment size chosen.
  const Capacity* chat = nullptr;
  for (const auto& c : built_.capacities) {
    if (c.accelerator == "H20" && c.service == "chat") {
      chat = &c;
    }
  }
  ASSERT_NE(chat, nullptr);
  ASSERT_GT(chat->deployment, 0) << chat->note;
  perf::EstimateRequest request;
  request.model = *catalog_.model("qwen3-32b");
  request.accelerator = *accelerator;
  request.count = chat->deployment;
  request.input_len = 1000;
  request.output_len = 200;
  request.ttft_target_ms = 1000;
  request.tpot_target_ms = 40;
  // Every shape estimate searches (settings default to auto), in units of the deployment.
  request.max_deployment = chat->deployment;
  auto estimate = perf::estimate(request, efficiency_);
  ASSERT_TRUE(estimate.ok());
  EXPECT_TRUE(estimate->meets_targets);
  EXPECT_LE(estimate->tpot_ms, 40);
  EXPECT_NEAR(h20.capacity[0], estimate->throughput_total_tokens_per_s / chat->deployment * 86400,
              1e-6 * h20.capacity[0]);
}

// The best goodput per accelerator over the sizes the planner measures on a chip, each
// estimated as `estimate --count N --max-deployment N` with the scenario's shape settings.
double best_per_accelerator(const catalog::Catalog& catalog, const perf::EfficiencyTable& table,
                            const std::string& model, const std::string& accelerator,
                            const std::vector<int>& sizes, perf::SearchMode shapes) {
  double best = 0;
  for (const int size : sizes) {
    perf::EstimateRequest request;
    request.model = *catalog.model(model);
    request.accelerator = *catalog.accelerator(accelerator);
    request.count = size;
    request.max_deployment = size;
    request.input_len = 1000;
    request.output_len = 200;
    request.ttft_target_ms = 1000;
    request.tpot_target_ms = 40;
    request.disaggregation = shapes;
    request.mtp = shapes;
    auto estimate = perf::estimate(request, table);
    if (estimate.ok() && estimate->meets_targets) {
      best = std::max(best, estimate->throughput_total_tokens_per_s / size * 86400);
    }
  }
  return best;
}

// On a GB200 (NVL72: a 72-GPU scale-up domain) the planner measures an MoE model (qwen3-235b)
// on 8, 16, 32, 64 and 72 GPUs; settings.max_deployment 16 stops at 16, and disaggregation /
// mtp off keep the search to colocated replicas without speculation, as estimate's flags do.
// A dense model (qwen3-32b) that meets its targets on 32 GPUs or fewer stops there.
TEST_F(BuildTest, DeploymentSizesReachTheScaleUpDomainWhereTheScenarioAllows) {
  std::string text = kScenario;
  const std::string anchor = "procurement:\n";
  text.replace(text.find(anchor), anchor.size(),
               anchor +
                   "  - accelerator: GB200\n    mode: lease\n    lease_price_per_gpu_hour: 5 USD\n"
                   "    min_term_months: 12\n    lease_includes_energy: false\n"
                   "    sites: [abroad]\n    source: test\n");
  struct Variant {
    const char* model;
    bool bounded;
    std::vector<int> sizes;
  };
  for (const Variant& v :
       {Variant{"qwen3-235b-a22b", false, {8, 16, 32, 64, 72}},
        Variant{"qwen3-235b-a22b", true, {8, 16}}, Variant{"qwen3-32b", false, {8, 16, 32}}}) {
    std::string variant = text;
    const std::string chat = "model: qwen3-32b\n    input_len";
    variant.replace(variant.find(chat), chat.size(),
                    fmt::format("model: {}\n    input_len", v.model));
    if (v.bounded) {
      const std::string settings = "settings:\n";
      variant.replace(variant.find(settings), settings.size(),
                      settings + "  max_deployment: 16\n  disaggregation: off\n  mtp: off\n");
    }
    auto scenario = scenario::load_scenario_text(variant, "tiny.yaml", catalog_);
    ASSERT_TRUE(scenario.ok()) << scenario.error().message;
    auto built = build_problem(*scenario, catalog_, efficiency_);
    ASSERT_TRUE(built.ok()) << built.error().message;
    const Capacity* capacity = nullptr;
    for (const auto& c : built->capacities) {
      if (c.accelerator == "GB200" && c.service == "chat") {
        capacity = &c;
      }
    }
    ASSERT_NE(capacity, nullptr);
    ASSERT_GT(capacity->per_accelerator, 0) << capacity->note;
    const double expected =
        best_per_accelerator(catalog_, efficiency_, v.model, "GB200", v.sizes,
                             v.bounded ? perf::SearchMode::kOff : perf::SearchMode::kAuto);
    EXPECT_NEAR(capacity->per_accelerator, expected, 1e-9 * expected)
        << v.model << ": " << capacity->note;
    EXPECT_LE(capacity->deployment, v.sizes.back()) << v.model;
    if (v.bounded) {
      EXPECT_FALSE(capacity->disaggregated.has_value());
      EXPECT_EQ(capacity->mtp_draft_tokens, 0);
    }
  }
}

TEST_F(BuildTest, PlanningUtilizationScalesInferenceCapacityOnly) {
  // settings.planning_utilization: 0.8 plans inference at 80 % of goodput; training capacity
  // (FLOP/s x MFU) is not a queueing server and stays whole.
  std::string text = kScenario;
  const std::string anchor = "settings:\n";
  text.replace(text.find(anchor), anchor.size(), anchor + "  planning_utilization: 0.8\n");
  auto scenario = scenario::load_scenario_text(text, "tiny.yaml", catalog_);
  ASSERT_TRUE(scenario.ok()) << scenario.error().message;
  auto built = build_problem(*scenario, catalog_, efficiency_);
  ASSERT_TRUE(built.ok()) << built.error().message;
  const int h20 = option("H20", "home");
  const Option& full = built_.problem.options[h20];
  const Option& planned = built->problem.options[h20];
  EXPECT_NEAR(planned.capacity[0], 0.8 * full.capacity[0], 1e-9 * full.capacity[0]);
  EXPECT_DOUBLE_EQ(planned.capacity[1], full.capacity[1]);
}

TEST_F(BuildTest, ExclusionsNameTheRulesThatImposeThem) {
  // H20 at home: banned by ban-h20-cn, allowed again by allow-h20-cn -> excluded only when
  // the allowing rule is left out.
  const Exclusion* home = exclusion(option("H20", "home"), ExclusionScope::kAcquire);
  ASSERT_NE(home, nullptr);
  EXPECT_TRUE(home->rules.empty());
  EXPECT_EQ(home->only_without, "allow-h20-cn");
  // H20 abroad: banned by ban-h20-abroad, lifted by leaving it out.
  const Exclusion* abroad = exclusion(option("H20", "abroad"), ExclusionScope::kAcquire);
  ASSERT_NE(abroad, nullptr);
  EXPECT_EQ(abroad->rules, std::vector<std::string>{"ban-h20-abroad"});
  EXPECT_TRUE(abroad->only_without.empty());
  // The H100 lease is excluded by nothing.
  EXPECT_EQ(exclusion(option("H100-SXM", "abroad"), ExclusionScope::kAcquire), nullptr);
}

TEST_F(BuildTest, ShareAndBudgetLine) {
  const Problem& p = built_.problem;
  ASSERT_EQ(p.shares.size(), 1U);
  EXPECT_EQ(p.shares[0].rule, "share-30");
  EXPECT_DOUBLE_EQ(p.shares[0].min_share, 0.3);
  // Every option counts in the scope, even those a rule excludes; no domestic chip here.
  EXPECT_EQ(p.shares[0].scope.size(), p.options.size());
  EXPECT_TRUE(p.shares[0].subset.empty());
  ASSERT_EQ(p.spend_caps.size(), 1U);
  const SpendCap& chips = p.spend_caps[0];
  EXPECT_DOUBLE_EQ(chips.max_usd, 0.5e9);
  // Buy options only; the accelerator's price is 1 / 1.5 of the upfront (server overhead
  // 50 %), and energy does not count.
  ASSERT_EQ(chips.options.size(), 2U);
  for (std::size_t i = 0; i < chips.options.size(); ++i) {
    EXPECT_EQ(p.options[chips.options[i]].mode, Mode::kBuy);
    EXPECT_NEAR(chips.upfront_weight[i], 1 / 1.5, 1e-12);
    EXPECT_EQ(chips.recurring_weight[i], 0);
  }
}

TEST_F(BuildTest, RuleLeftOutByTheCaller) {
  BuildOptions options;
  options.disabled_rules = {"ban-h20-abroad"};
  auto built = build_problem(scenario_, catalog_, efficiency_, options);
  ASSERT_TRUE(built.ok()) << built.error().message;
  const auto& rules = built->problem.rules;
  EXPECT_TRUE(std::none_of(rules.begin(), rules.end(),
                           [](const Rule& r) { return r.name == "ban-h20-abroad"; }));
  for (const auto& e : built->problem.exclusions) {
    EXPECT_NE(built->problem.options[e.option].accelerator + "@" +
                  built->problem.sites[built->problem.options[e.option].site].name,
              "H20@abroad")
        << "still excluded";
  }
  options.disabled_rules = {"no-such-rule"};
  auto bad = build_problem(scenario_, catalog_, efficiency_, options);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("no-such-rule"), std::string::npos);
}

TEST_F(BuildTest, PlansEndToEnd) {
  auto plan = solve(built_.problem);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_NE(plan->status, SolveStatus::kInfeasible);
}

// src/plan/testdata/two-periods.yaml: two half-years (the reference scenarios have one period).
TEST(BuildTwoPeriods, HoursRatesLeaseTermAndResidualPerPeriod) {
  auto catalog = catalog::Catalog::load();
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  auto efficiency = perf::EfficiencyTable::load_builtin();
  ASSERT_TRUE(efficiency.ok()) << efficiency.error().message;
  auto scenario = scenario::load_scenario_file(
      std::string(FLEETPLAN_SOURCE_DIR) + "/src/plan/testdata/two-periods.yaml", *catalog);
  ASSERT_TRUE(scenario.ok()) << scenario.error().message;
  auto built = build_problem(*scenario, *catalog, *efficiency);
  ASSERT_TRUE(built.ok()) << built.error().message;
  const Problem& p = built->problem;
  ASSERT_EQ(p.periods.size(), 2U);
  EXPECT_DOUBLE_EQ(p.periods[0].hours, 181 * 24);  // 2026-01-01 .. 2026-06-30
  EXPECT_DOUBLE_EQ(p.periods[1].hours, 184 * 24);  // 2026-07-01 .. 2026-12-31
  // 7 bn CNY at 7.0 and 7.2 bn CNY at 7.2 CNY/USD.
  EXPECT_NEAR(*p.periods[0].budget_usd, 1e9, 1e-3);
  EXPECT_NEAR(*p.periods[1].budget_usd, 1e9, 1e-3);
  ASSERT_EQ(p.services.size(), 1U);
  EXPECT_DOUBLE_EQ(series_value(p.services[0].demand, 0), 2e11);
  EXPECT_DOUBLE_EQ(series_value(p.services[0].demand, 1), 4e11);
  int h20 = -1;
  int h100 = -1;
  for (int o = 0; o < static_cast<int>(p.options.size()); ++o) {
    (p.options[o].accelerator == "H20" ? h20 : h100) = o;
  }
  ASSERT_TRUE(h20 >= 0 && h100 >= 0);
  const Option& buy = p.options[h20];
  // 0.75 kW (400 W x 1.5 x PUE 1.25) at 0.10 USD/kWh over each period's hours.
  EXPECT_NEAR(series_value(buy.recurring_usd, 0), 0.75 * 4344 * 0.10, 1e-6);
  EXPECT_NEAR(series_value(buy.recurring_usd, 1), 0.75 * 4416 * 0.10, 1e-6);
  // Residual at the horizon's end: bought in H1, 365 of 4 x 365.25 days used; in H2, 184.
  EXPECT_NEAR(series_value(buy.residual_usd, 0), 15000 * (1 - 365 / (4 * 365.25)), 1e-6);
  EXPECT_NEAR(series_value(buy.residual_usd, 1), 15000 * (1 - 184 / (4 * 365.25)), 1e-6);
  const Option& lease = p.options[h100];
  // A 12-month minimum term over half-year periods: a lease runs two periods.
  EXPECT_EQ(lease.lease_term_periods, 2);
  // 2 USD/h plus 1.47 kW at 0.70 CNY/kWh, converted at each period's own rate.
  EXPECT_NEAR(series_value(lease.recurring_usd, 0), 2 * 4344 + 1.47 * 4344 * 0.70 / 7.0, 1e-6);
  EXPECT_NEAR(series_value(lease.recurring_usd, 1), 2 * 4416 + 1.47 * 4416 * 0.70 / 7.2, 1e-6);
}

}  // namespace
}  // namespace fleetplan::plan
