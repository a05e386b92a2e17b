#include "analysis/sweep.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include "analysis/distributed.h"
#include "catalog/test_catalog.h"

namespace fleetplan::analysis {
namespace {

const std::string kFixture = std::string(FLEETPLAN_SOURCE_DIR) + "/src/analysis/testdata/";
constexpr const char* kDemand = "periods[2026].demand[chat].tokens_per_day";

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class SweepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto efficiency = perf::EfficiencyTable::load_builtin();
    ASSERT_TRUE(efficiency.ok()) << efficiency.error().message;
    efficiency_ = std::move(*efficiency);
    auto document = ScenarioDocument::load(kFixture + "served-by-demand.yaml");
    ASSERT_TRUE(document.ok()) << document.error().message;
    document_ = std::move(*document);
  }

  Result<Sweep> prepare(const SweepSpec& spec) {
    return prepare_sweep(document_, spec, catalog::testing::builtin_catalog(), efficiency_);
  }
  std::vector<RunOutcome> run(const Sweep& sweep, int jobs = 2,
                              RunOptions::Workers workers = RunOptions::Workers::kThreads) {
    std::vector<std::size_t> all(sweep.runs.size());
    std::iota(all.begin(), all.end(), 0);
    auto outcomes = run_sweep(sweep, document_, catalog::testing::builtin_catalog(), efficiency_,
                              all, {jobs, workers, nullptr});
    EXPECT_TRUE(outcomes.ok());
    EXPECT_TRUE(first_run_error(sweep, *outcomes).ok());
    return outcomes.ok() ? *outcomes : std::vector<RunOutcome>{};
  }
  static std::size_t column(const Sweep& sweep, const std::string& name) {
    for (std::size_t c = 0; c < sweep.columns.size(); ++c) {
      if (sweep.columns[c].name == name) {
        return c;
      }
    }
    ADD_FAILURE() << "no column " << name;
    return 0;
  }

  perf::EfficiencyTable efficiency_;
  ScenarioDocument document_;
};

TEST(ParameterPath, ParsesStepsAndSelectors) {
  auto path = parse_path("procurement[H200-SXM,buy].unit_price");
  ASSERT_TRUE(path.ok());
  ASSERT_EQ(path->steps.size(), 2U);
  EXPECT_EQ(path->steps[0].field, "procurement");
  EXPECT_EQ(path->steps[0].selector, (std::vector<std::string>{"H200-SXM", "buy"}));
  EXPECT_EQ(path->steps[1].field, "unit_price");
  EXPECT_TRUE(parse_path("perf.error")->perf_error());
}

TEST(ParameterPath, RejectsMalformedPaths) {
  for (const char* bad : {"", "a..b", "a[b", "a[]", "a.b!", "perf.errors"}) {
    EXPECT_FALSE(parse_path(bad).ok()) << bad;
  }
  EXPECT_NE(parse_path("a[b").error().message.find("'[' without ']'"), std::string::npos);
}

TEST_F(SweepTest, ReadsValuesAsTheFileWritesThem) {
  EXPECT_EQ(document_.value_at(*parse_path("procurement[H20,buy].unit_price"))->value(),
            "10000 USD");
  EXPECT_EQ(document_.value_at(*parse_path("periods[2026].exchange_rates.CNY"))->value(), "7.0");
  EXPECT_EQ(document_.value_at(*parse_path(kDemand))->value(), "1e12");
  EXPECT_EQ(document_.value_at(*parse_path("rules[h20-cap].effective"))->value(), "2025-01-01");
  // An absent field has no value (the scenario layer says whether it may be set).
  EXPECT_FALSE(document_.value_at(*parse_path("sites[home].max_accelerators"))->has_value());
}

TEST_F(SweepTest, UnknownItemsNameWhatExists) {
  auto missing = document_.value_at(*parse_path("procurement[H200-SXM,buy].unit_price"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no item 'H200-SXM,buy' in procurement"),
            std::string::npos)
      << missing.error().message;
  EXPECT_NE(missing.error().message.find("H20,buy"), std::string::npos);
  auto field = document_.value_at(*parse_path("periods[2026].budgets.x"));
  ASSERT_FALSE(field.ok());
  EXPECT_NE(field.error().message.find("no field 'budgets'"), std::string::npos);
  auto list = document_.value_at(*parse_path("periods[2026].demand"));
  ASSERT_FALSE(list.ok());
  EXPECT_NE(list.error().message.find("not a single value"), std::string::npos);
}

TEST_F(SweepTest, BadValuesAreErrorsNamingPathAndValue) {
  SweepSpec spec;
  spec.sets = {"procurement[H20,buy].unit_price=cheap"};
  auto sweep = prepare(spec);
  ASSERT_FALSE(sweep.ok());
  EXPECT_NE(sweep.error().message.find("procurement[H20,buy].unit_price = 'cheap'"),
            std::string::npos)
      << sweep.error().message;
  spec.sets = {"sites[home].tpot_ms=5"};  // a field sites do not have
  sweep = prepare(spec);
  ASSERT_FALSE(sweep.ok());
  EXPECT_NE(sweep.error().message.find("unknown field 'tpot_ms'"), std::string::npos)
      << sweep.error().message;
  spec.sets = {"perf.error=0,1"};
  EXPECT_FALSE(prepare(spec).ok());
  spec = {};
  spec.mode = SweepMode::kMonteCarlo;
  spec.samples = 4;
  spec.varies = {"procurement[H20,buy].unit_price=normal(10 k USD, 1000 USD)"};
  sweep = prepare(spec);
  ASSERT_FALSE(sweep.ok());
  EXPECT_NE(sweep.error().message.find("use one unit"), std::string::npos) << sweep.error().message;
  spec.varies = {"procurement[H20,buy].unit_price=normal(10000 MW, 1000 MW)"};
  sweep = prepare(spec);
  ASSERT_FALSE(sweep.ok());
  EXPECT_NE(sweep.error().message.find("procurement[H20,buy].unit_price = '10000 MW'"),
            std::string::npos)
      << sweep.error().message;
  spec.varies = {"procurement[H20,buy].unit_price=normal(10000, 1000)"};
  sweep = prepare(spec);
  ASSERT_FALSE(sweep.ok());
  EXPECT_NE(sweep.error().message.find("has no unit"), std::string::npos) << sweep.error().message;
}

// served = demand when the budget is 100x what the demand needs: the grid's statistics are
// those of the demands. Quantiles of 1..5 T by linear interpolation, h = (5 - 1) p:
// P10 = 1 + 0.4 = 1.4 T, P50 = 3 T, P90 = 4 + 0.6 = 4.6 T; mean 3 T.
TEST_F(SweepTest, GridStatisticsOfAKnownFunction) {
  SweepSpec spec;
  spec.sets = {std::string(kDemand) + "=1e12:5e12:5"};
  auto sweep = prepare(spec);
  ASSERT_TRUE(sweep.ok()) << sweep.error().message;
  ASSERT_EQ(sweep->runs.size(), 5U);
  const auto outcomes = run(*sweep);
  const std::size_t served = column(*sweep, "served_tokens_per_day");
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    EXPECT_NEAR(outcomes[i].values[served], 1e12 * static_cast<double>(i + 1), 1e3);
  }
  const auto summary = summarize(*sweep, outcomes);
  EXPECT_EQ(summary.planned, 5);
  const auto& s = summary.columns[served];
  EXPECT_NEAR(s.mean, 3e12, 1e3);
  EXPECT_NEAR(s.p10, 1.4e12, 1e3);
  EXPECT_NEAR(s.p50, 3e12, 1e3);
  EXPECT_NEAR(s.p90, 4.6e12, 1e3);
  ASSERT_TRUE(summary.pivot.has_value());
  EXPECT_NEAR(summary.pivot->mean[1][0], 2e12, 1e3);
}

// With a 10 M USD budget the plan buys what the budget allows whatever the model says: one
// H20 costs 10,000 USD x 1.5 (server) plus 400 W x 1.5 (server power) x 1.25 (PUE) x 8,760 h
// x 0.10 USD/kWh = 657 USD of energy, 15,657 USD; a server of 8 costs 125,256 USD, and
// 10 M USD buys 79 of them: 632 H20 for 9,895,224 USD. Their capacity scales with
// perf.error, so served tokens are proportional to it.
TEST_F(SweepTest, PerfErrorMultipliesEveryCapacity) {
  SweepSpec spec;
  spec.sets = {"periods[2026].budget=10 M USD", "perf.error=0.5,1,2"};
  auto sweep = prepare(spec);
  ASSERT_TRUE(sweep.ok()) << sweep.error().message;
  const auto outcomes = run(*sweep);
  ASSERT_EQ(outcomes.size(), 3U);
  const std::size_t served = column(*sweep, "served_tokens_per_day");
  const std::size_t h20 = column(*sweep, "acquired[H20,buy]");
  const std::size_t spend = column(*sweep, "spend_usd");
  for (const auto& o : outcomes) {
    EXPECT_EQ(o.values[h20], 632);
    EXPECT_NEAR(o.values[spend], 9895224, 1);
  }
  EXPECT_NEAR(outcomes[0].values[served] / outcomes[1].values[served], 0.5, 1e-9);
  EXPECT_NEAR(outcomes[2].values[served] / outcomes[1].values[served], 2.0, 1e-9);
}

TEST_F(SweepTest, TornadoRanksByTheSwing) {
  SweepSpec spec;
  spec.mode = SweepMode::kTornado;
  spec.sets = {"perf.error=0.5,2", std::string(kDemand) + "=0.5e12,3e12"};
  auto sweep = prepare(spec);
  ASSERT_TRUE(sweep.ok()) << sweep.error().message;
  ASSERT_EQ(sweep->runs.size(), 5U);
  const auto summary = summarize(*sweep, run(*sweep));
  EXPECT_NEAR(summary.base_metric, 1e12, 1e3);
  ASSERT_EQ(summary.tornado.size(), 2U);
  // The demand is met at any perf error (the budget is ample): served moves only with it.
  EXPECT_EQ(sweep->parameters[summary.tornado[0].parameter].path.text, kDemand);
  EXPECT_NEAR(summary.tornado[0].at_low, 0.5e12, 1e3);
  EXPECT_NEAR(summary.tornado[0].at_high, 3e12, 1e3);
  EXPECT_NEAR(summary.tornado[0].swing, 2.5e12, 1e3);
  EXPECT_NEAR(summary.tornado[1].swing, 0, 1e3);
}

// A field the file leaves out (no space limit at the site): the base run leaves it out too.
// 800 accelerators cannot serve 1 T tokens a day (an H20 serves about 0.1-0.2 bn tokens a day
// of this service); a million can.
TEST_F(SweepTest, TornadoOverAFieldTheFileLeavesOut) {
  SweepSpec spec;
  spec.mode = SweepMode::kTornado;
  spec.sets = {"sites[home].max_accelerators=800,1000000"};
  auto sweep = prepare(spec);
  ASSERT_TRUE(sweep.ok()) << sweep.error().message;
  EXPECT_EQ(sweep->runs[0][0], "");
  const auto summary = summarize(*sweep, run(*sweep));
  EXPECT_NEAR(summary.base_metric, 1e12, 1e3);
  ASSERT_EQ(summary.tornado.size(), 1U);
  EXPECT_LT(summary.tornado[0].at_low, 0.5e12);
  EXPECT_NEAR(summary.tornado[0].at_high, 1e12, 1e3);
}

TEST_F(SweepTest, InfeasibleRunsAreCountedWithTheirConflict) {
  SweepSpec spec;
  spec.objective = plan::Objective::kMinCost;  // no shortfall price: demand is a hard limit
  spec.sets = {"periods[2026].budget=100 bn USD,1 M USD"};
  auto sweep = prepare(spec);
  ASSERT_TRUE(sweep.ok()) << sweep.error().message;
  const auto outcomes = run(*sweep);
  const auto summary = summarize(*sweep, outcomes);
  EXPECT_EQ(summary.runs, 2);
  EXPECT_EQ(summary.planned, 1);
  EXPECT_EQ(summary.infeasible, 1);
  ASSERT_FALSE(summary.conflicts.empty());
  EXPECT_EQ(summary.conflicts[0].first_run, 1U);
  EXPECT_EQ(summary.columns[column(*sweep, "served_tokens_per_day")].count, 1);
}

// Monte Carlo draws through the quantile function: the sample quantiles of uniform(1, 2) T
// approach 1.1, 1.5, 1.9 T (standard error sqrt(p (1-p) / n) / density = 0.0067 T at n =
// 2000), and of a date shifted by uniform(0, 100) days, its median is 50 days on.
TEST_F(SweepTest, MonteCarloDrawsHaveTheDistributionsQuantiles) {
  SweepSpec spec;
  spec.mode = SweepMode::kMonteCarlo;
  spec.samples = 2000;
  spec.seed = 11;
  spec.varies = {std::string(kDemand) + "=uniform(1e12,2e12)",
                 "rules[h20-cap].effective=uniform(0,100)", "perf.error=normal(1,0.1)"};
  auto sweep = prepare(spec);
  ASSERT_TRUE(sweep.ok()) << sweep.error().message;
  std::vector<double> demand;
  std::vector<double> error;
  std::vector<double> days;
  for (const auto& values : sweep->runs) {
    demand.push_back(std::stod(values[0]));
    auto date = scenario::parse_date(values[1]);
    ASSERT_TRUE(date.ok()) << values[1];
    days.push_back(static_cast<double>(date->days_since_epoch() -
                                       scenario::parse_date("2025-01-01")->days_since_epoch()));
    error.push_back(std::stod(values[2]));
  }
  std::sort(demand.begin(), demand.end());
  std::sort(days.begin(), days.end());
  std::sort(error.begin(), error.end());
  EXPECT_NEAR(quantile(demand, 0.1), 1.1e12, 0.03e12);
  EXPECT_NEAR(quantile(demand, 0.5), 1.5e12, 0.03e12);
  EXPECT_NEAR(quantile(demand, 0.9), 1.9e12, 0.03e12);
  EXPECT_NEAR(quantile(days, 0.5), 50, 3);
  // Normal: P90 = mean + 1.2816 sd.
  EXPECT_NEAR(quantile(error, 0.9), 1.128155, 0.01);
  EXPECT_NEAR(quantile(error, 0.5), 1.0, 0.01);
}

TEST_F(SweepTest, SampleIDependsOnlyOnSeedAndI) {
  SweepSpec spec;
  spec.mode = SweepMode::kMonteCarlo;
  spec.samples = 50;
  spec.seed = 5;
  spec.varies = {std::string(kDemand) + "=lognormal(1e12,0.3)"};
  auto fifty = prepare(spec);
  spec.samples = 10;
  auto ten = prepare(spec);
  ASSERT_TRUE(fifty.ok() && ten.ok());
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(fifty->runs[i], ten->runs[i]);
  }
  spec.seed = 6;
  EXPECT_NE(prepare(spec)->runs[0], ten->runs[0]);
}

// Spearman's rho of the copula's draws, from their ranks: close to the 0.7 asked for
// (standard error about (1 - rho^2) / sqrt(n) = 0.008 at n = 4000).
TEST_F(SweepTest, RankCorrelationFromAnUncertaintyFile) {
  SweepSpec spec;
  spec.mode = SweepMode::kMonteCarlo;
  spec.samples = 4000;
  spec.uncertainty_text = read(kFixture + "uncertainty.yaml");
  spec.uncertainty_name = "uncertainty.yaml";
  auto sweep = prepare(spec);
  ASSERT_TRUE(sweep.ok()) << sweep.error().message;
  const std::size_t n = sweep->runs.size();
  const auto ranks = [&](std::size_t j) {
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return std::stod(sweep->runs[a][j]) < std::stod(sweep->runs[b][j]);
    });
    std::vector<double> rank(n);
    for (std::size_t r = 0; r < n; ++r) {
      rank[order[r]] = static_cast<double>(r);
    }
    return rank;
  };
  const auto a = ranks(0);
  const auto b = ranks(1);
  const double mean = static_cast<double>(n - 1) / 2;
  double cov = 0;
  double var = 0;
  for (std::size_t i = 0; i < n; ++i) {
    cov += (a[i] - mean) * (b[i] - mean);
    var += (a[i] - mean) * (a[i] - mean);
  }
  EXPECT_NEAR(cov / var, 0.7, 0.03);
  // The triangular marginal keeps its mode and range.
  for (const auto& values : sweep->runs) {
    const double e = std::stod(values[1]);
    EXPECT_GE(e, 0.8);
    EXPECT_LE(e, 1.2);
  }
}

TEST(Correlate, ParsesTwoPathsAndARank) {
  auto c = parse_correlation(
      "procurement[H200-SXM,buy].unit_price, periods[2026].exchange_rates.CNY=-0.6");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->first, "procurement[H200-SXM,buy].unit_price");
  EXPECT_EQ(c->second, "periods[2026].exchange_rates.CNY");
  EXPECT_DOUBLE_EQ(c->rank, -0.6);
  for (const char* bad :
       {"a=0.5", "a,b,c=0.5", "a,b=1", "a,b=high", "a,b", ",b=0.2", "a,b=0.5 USD"}) {
    EXPECT_FALSE(parse_correlation(bad).ok()) << bad;
  }
  EXPECT_NE(parse_correlation("a,b=1").error().message.find("outside [-0.999, 0.999]"),
            std::string::npos);
}

// Spearman's rho of the drawn values of parameters j and k.
double spearman(const Sweep& sweep, std::size_t j, std::size_t k) {
  const std::size_t n = sweep.runs.size();
  const auto ranks = [&](std::size_t p) {
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return std::stod(sweep.runs[a][p]) < std::stod(sweep.runs[b][p]);
    });
    std::vector<double> rank(n);
    for (std::size_t r = 0; r < n; ++r) {
      rank[order[r]] = static_cast<double>(r);
    }
    return rank;
  };
  const auto a = ranks(j);
  const auto b = ranks(k);
  const double mean = static_cast<double>(n - 1) / 2;
  double cov = 0;
  double var = 0;
  for (std::size_t i = 0; i < n; ++i) {
    cov += (a[i] - mean) * (b[i] - mean);
    var += (a[i] - mean) * (a[i] - mean);
  }
  return cov / var;
}

// --correlate gives the same copula as the file: rho close to the -0.5 asked for (standard
// error about (1 - rho^2) / sqrt(n) = 0.012 at n = 4000); without it the draws are
// independent (rho near 0).
TEST_F(SweepTest, RankCorrelationFromTheCorrelateFlag) {
  SweepSpec spec;
  spec.mode = SweepMode::kMonteCarlo;
  spec.samples = 4000;
  spec.varies = {std::string(kDemand) + "=uniform(1e12,2e12)",
                 "procurement[H20,buy].unit_price=lognormal(10000 USD,0.2)"};
  auto independent = prepare(spec);
  ASSERT_TRUE(independent.ok()) << independent.error().message;
  EXPECT_NEAR(spearman(*independent, 0, 1), 0.0, 0.05);
  spec.correlates = {std::string(kDemand) + ",procurement[H20,buy].unit_price=-0.5"};
  auto sweep = prepare(spec);
  ASSERT_TRUE(sweep.ok()) << sweep.error().message;
  EXPECT_NEAR(spearman(*sweep, 0, 1), -0.5, 0.04);
  ASSERT_EQ(sweep->correlations.size(), 1U);  // what the reports list
  EXPECT_EQ(sweep->correlations[0].second, "procurement[H20,buy].unit_price");
  spec.correlates = {std::string(kDemand) + ",perf.error=0.5"};
  auto unknown = prepare(spec);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("'perf.error' is not a parameter with a distribution"),
            std::string::npos)
      << unknown.error().message;
}

// The lognormal through P10 and P90 has them as its 10th and 90th percentiles and
// sqrt(P10 P90) as its median.
TEST(Band, MultiplierQuantilesAreTheBand) {
  EXPECT_NEAR(band_multiplier(0.6, 1.5, 0.1), 0.6, 1e-12);
  EXPECT_NEAR(band_multiplier(0.6, 1.5, 0.9), 1.5, 1e-12);
  EXPECT_NEAR(band_multiplier(0.6, 1.5, 0.5), std::sqrt(0.6 * 1.5), 1e-12);
  EXPECT_NEAR(band_multiplier(0.7, 0.7, 0.99), 0.7, 1e-12);
}

// perf.error=band with one band (P10 0.5, P90 2) for every pair and a 10 M USD budget that
// buys 632 H20 whatever the model says (see PerfErrorMultipliesEveryCapacity), against a
// demand no draw can meet: served / served at perf.error = 1 is the sample's multiplier, and
// over 200 samples its 10th and 90th percentiles come out near 0.5 and 2 (the standard error
// of an empirical 10 % quantile of n = 200 lognormal draws of sigma 0.54 is about 7 %).
TEST_F(SweepTest, PerfErrorBandDrawsFromTheBandQuantiles) {
  auto bands = perf::BandTable::load_file(kFixture + "bands.yaml");
  ASSERT_TRUE(bands.ok()) << bands.error().message;
  SweepSpec fixed;
  fixed.sets = {"periods[2026].budget=10 M USD", std::string(kDemand) + "=2e13", "perf.error=1"};
  auto base_sweep = prepare(fixed);
  ASSERT_TRUE(base_sweep.ok()) << base_sweep.error().message;
  const double base = run(*base_sweep)[0].values[column(*base_sweep, "served_tokens_per_day")];
  ASSERT_GT(base, 0);

  SweepSpec spec;
  spec.mode = SweepMode::kMonteCarlo;
  spec.samples = 200;
  spec.seed = 11;
  spec.bands = &*bands;
  spec.sets = {"periods[2026].budget=10 M USD", std::string(kDemand) + "=2e13"};
  spec.varies = {"perf.error=band"};
  auto sweep = prepare(spec);
  ASSERT_TRUE(sweep.ok()) << sweep.error().message;
  ASSERT_EQ(sweep->band_pairs.size(), 1U);  // H20 x qwen3-32b
  EXPECT_EQ(sweep->band_pairs[0].accelerator, "H20");
  EXPECT_EQ(sweep->runs[0][2], "band");
  const auto outcomes = run(*sweep, 2, RunOptions::Workers::kProcesses);
  const std::size_t served = column(*sweep, "served_tokens_per_day");
  std::vector<double> ratios;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const double ratio = outcomes[i].values[served] / base;
    const double expected =
        band_multiplier(0.5, 2.0, sample_uniform(spec.seed, i, band_stream(2, 0)));
    ASSERT_NEAR(ratio, expected, 1e-6 * expected) << "sample " << i;
    ratios.push_back(ratio);
  }
  std::sort(ratios.begin(), ratios.end());
  EXPECT_NEAR(quantile(ratios, 0.1), 0.5, 0.5 * 0.2);
  EXPECT_NEAR(quantile(ratios, 0.5), 1.0, 0.2);
  EXPECT_NEAR(quantile(ratios, 0.9), 2.0, 2.0 * 0.2);

  spec.varies = {std::string(kDemand) + "=band"};
  spec.sets = {};
  auto wrong = prepare(spec);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("only perf.error takes it"), std::string::npos)
      << wrong.error().message;
}

// The mean served is the mean of the drawn demands (the plan meets every one, within its gap).
TEST_F(SweepTest, MonteCarloSummaryOfAKnownFunction) {
  SweepSpec spec;
  spec.mode = SweepMode::kMonteCarlo;
  spec.samples = 12;
  spec.seed = 3;
  spec.varies = {std::string(kDemand) + "=triangular(1e12,2e12,4e12)"};
  auto sweep = prepare(spec);
  ASSERT_TRUE(sweep.ok()) << sweep.error().message;
  const auto one = run(*sweep, 1);
  const auto two = run(*sweep, 2);
  // Neither threads nor worker processes change a result.
  ASSERT_EQ(encode_outcomes(one), encode_outcomes(two));
  ASSERT_EQ(encode_outcomes(one), encode_outcomes(run(*sweep, 3, RunOptions::Workers::kProcesses)));
  double drawn = 0;
  for (const auto& values : sweep->runs) {
    drawn += std::stod(values[0]);
  }
  const auto summary = summarize(*sweep, one);
  // Within the planner's relative gap (1e-3 of the demand served: a max-served plan is
  // proven that close to the most it can serve, here all of it).
  EXPECT_NEAR(summary.columns[column(*sweep, "served_tokens_per_day")].mean, drawn / 12,
              1e-3 * drawn / 12);
}

TEST(Outcomes, EncodeDecodeRoundTrip) {
  RunOutcome a;
  a.status = plan::SolveStatus::kFeasible;
  a.gap = 0.25;
  a.values = {1, std::nan(""), 3};
  RunOutcome b;
  b.conflicts = {"budget too small"};
  b.conflict_names = {"budget[2026]"};
  b.error = "bad";
  auto decoded = decode_outcomes(encode_outcomes({a, b}));
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->size(), 2U);
  EXPECT_EQ((*decoded)[0].status, plan::SolveStatus::kFeasible);
  EXPECT_EQ((*decoded)[0].values[2], 3);
  EXPECT_TRUE(std::isnan((*decoded)[0].values[1]));
  EXPECT_EQ((*decoded)[1].conflict_names[0], "budget[2026]");
  EXPECT_EQ((*decoded)[1].error, "bad");
  auto bytes = encode_outcomes({a});
  bytes.pop_back();
  EXPECT_FALSE(decode_outcomes(bytes).ok());
}

}  // namespace
}  // namespace fleetplan::analysis
