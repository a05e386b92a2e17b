// Demand curves, diurnal profiles and the users model against values worked by hand
// (the formulas are in each test's comment).
#include "scenario/demand_model.h"

#include <gtest/gtest.h>

#include <cmath>

#include "scenario/scenario.h"

namespace fleetplan::scenario {
namespace {

long long day_of(const char* text) { return parse_date(text)->days_since_epoch(); }

DemandCurve reported_tokens(GrowthLaw growth) {
  DemandCurve c;
  c.name = "company-tokens";
  c.growth = growth;
  c.ceiling = growth == GrowthLaw::kLogistic ? 120e12 : 0;
  c.observations = {{"2025-10-15", day_of("2025-10-15"), 30e12, "FT", ""},
                    {"2025-12-15", day_of("2025-12-15"), 50e12, "FT", ""}};
  return c;
}

TEST(DemandCurve, ExponentialBetweenAndBeyond) {
  const DemandCurve c = reported_tokens(GrowthLaw::kExponential);
  EXPECT_NEAR(c.value_at(static_cast<double>(day_of("2025-10-15"))), 30e12, 1);
  // 30 T x (5/3)^(30/61), 30 of the 61 days between the observations.
  EXPECT_NEAR(c.value_at(static_cast<double>(day_of("2025-11-14"))) / 1e12,
              30 * std::pow(5.0 / 3.0, 30.0 / 61.0), 1e-9);
  // 381 days past the last observation the December pace goes on: 50 T x (5/3)^(381/61).
  EXPECT_NEAR(c.value_at(static_cast<double>(day_of("2026-12-31"))) / 1e12,
              50 * std::pow(5.0 / 3.0, 381.0 / 61.0), 1e-6);
}

TEST(DemandCurve, LinearAndItsMean) {
  const DemandCurve c = reported_tokens(GrowthLaw::kLinear);
  // 30 T + 20 T x 30/61.
  EXPECT_NEAR(c.value_at(static_cast<double>(day_of("2025-11-14"))) / 1e12, 30 + 20 * 30.0 / 61,
              1e-9);
  // The mean of a straight line over the 61 days is its value at the middle day, 40 T.
  EXPECT_NEAR(c.mean_between(day_of("2025-10-15"), day_of("2025-12-15")) / 1e12, 40, 1e-9);
  // Falling below zero stops at zero.
  DemandCurve falling = c;
  falling.observations[1].value = 10e12;
  EXPECT_DOUBLE_EQ(falling.value_at(static_cast<double>(day_of("2026-12-31"))), 0);
}

TEST(DemandCurve, LogisticApproachesItsCeiling) {
  const DemandCurve c = reported_tokens(GrowthLaw::kLogistic);
  // logit(30/120) = ln(30/90), logit(50/120) = ln(50/70); 381/61 segments past December.
  const double a = std::log(30.0 / 90.0);
  const double b = std::log(50.0 / 70.0);
  const double y = b + 381.0 / 61.0 * (b - a);
  EXPECT_NEAR(c.value_at(static_cast<double>(day_of("2026-12-31"))) / 1e12,
              120 / (1 + std::exp(-y)), 1e-9);
  EXPECT_LE(c.value_at(1e6), 120e12);
  EXPECT_LT(c.value_at(static_cast<double>(day_of("2027-12-31"))), 120e12);
}

TEST(DemandCurve, AThirdObservationBendsTheCurve) {
  DemandCurve c = reported_tokens(GrowthLaw::kExponential);
  c.observations.push_back({"2026-12-31", day_of("2026-12-31"), 100e12, "", "demand-2026"});
  // Doubling over the 381 days after December: 50 T x 2^(197/381) at 2026-06-30.
  const double t = static_cast<double>(day_of("2026-06-30") - day_of("2025-12-15"));
  EXPECT_NEAR(c.value_at(static_cast<double>(day_of("2026-06-30"))) / 1e12,
              50 * std::pow(2.0, t / 381.0), 1e-9);
  EXPECT_NEAR(c.value_at(static_cast<double>(day_of("2026-12-31"))), 100e12, 1);
}

TEST(DemandCurve, ValidateNamesTheBadObservation) {
  DemandCurve c = reported_tokens(GrowthLaw::kLogistic);
  c.observations[1].value = 130e12;
  const Status s = c.validate("demand_curves[0]");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("demand_curves[0].observations[1].value"), std::string::npos);
  EXPECT_TRUE(reported_tokens(GrowthLaw::kExponential).validate("x").ok());
}

TEST(DiurnalProfile, PeakToAverageAndPeakHour) {
  DiurnalProfile p;
  p.weights.fill(1.0);
  p.weights[21] = 2.5;  // 23 hours at 1, one at 2.5: mean 25.5 / 24
  EXPECT_NEAR(p.peak_to_average(), 2.5 / (25.5 / 24), 1e-12);
  EXPECT_EQ(p.peak_hour(), 21);
}

TEST(UsersModel, TokensPerDay) {
  // 159 M monthly users, 40 % of them a day, 10 requests of 2,400 tokens: 1.5264 T a day.
  EXPECT_NEAR(tokens_per_day_from_users(159e6, 0.4, 10, 2400), 1.5264e12, 1);
}

// Parses `yaml` as one curve and returns the first error, or "".
std::string curve_error(const std::string& yaml) {
  auto node = yaml::load_string(yaml, "t.yaml");
  EXPECT_TRUE(node.ok());
  yaml::Reader r(*node, "t.yaml", "demand_curves[0]");
  read_demand_curve(r);
  r.reject_unknown_fields();
  return r.ok() ? "" : r.status().error().message;
}

void expect_error(const std::string& yaml, const std::string& fragment) {
  const std::string message = curve_error(yaml);
  EXPECT_NE(message.find(fragment), std::string::npos) << message;
}

TEST(ReadDemandCurve, ReadsQuantitiesAndProvenance) {
  auto node = yaml::load_string(R"(
name: company-tokens
growth: logistic
ceiling: 200 T
observations:
  - {date: 2025-10-15, value: 30 T, source: FT}
  - {date: 2025-12-15, value: 50e12, assumption: demand-2026}
)",
                                "t.yaml");
  ASSERT_TRUE(node.ok());
  yaml::Reader r(*node, "t.yaml", "demand_curves[0]");
  const DemandCurve c = read_demand_curve(r);
  r.reject_unknown_fields();
  ASSERT_TRUE(r.ok()) << r.status().error().message;
  EXPECT_EQ(c.growth, GrowthLaw::kLogistic);
  EXPECT_DOUBLE_EQ(c.ceiling, 200e12);
  ASSERT_EQ(c.observations.size(), 2U);
  EXPECT_DOUBLE_EQ(c.observations[0].value, 30e12);
  EXPECT_EQ(c.observations[1].assumption, "demand-2026");
}

TEST(ReadDemandCurve, ErrorsAreLocated) {
  const std::string base = "name: c\ngrowth: exponential\nobservations:\n";
  expect_error(base +
                   "  - {date: 2025-12-15, value: 50 T, source: a}\n"
                   "  - {date: 2025-10-15, value: 30 T, source: a}\n",
               "t.yaml:5:12: demand_curves[0].observations[1].date: 2025-10-15 is not "
               "after");
  expect_error(base + "  - {date: 2025-12-15, value: 50 X, source: a}\n",
               "observations[0].value: '50 X' is not a count");
  expect_error(base + "  - {date: 2025-12-15, value: 50 T}\n",
               "needs a `source` or an `assumption`");
  expect_error(base + "  - {date: 2025-12-15, value: 0, source: a}\n",
               "0 is not > 0; exponential growth");
  expect_error(
      "name: c\ngrowth: logistic\nobservations:\n"
      "  - {date: 2025-12-15, value: 50 T, source: a}\n",
      "demand_curves[0].ceiling: a logistic curve needs a ceiling");
  expect_error(
      "name: c\ngrowth: logistic\nceiling: 40 T\nobservations:\n"
      "  - {date: 2025-12-15, value: 50 T, source: a}\n",
      "not below the ceiling");
  expect_error(
      "name: c\ngrowth: cubic\nobservations:\n"
      "  - {date: 2025-12-15, value: 50 T, source: a}\n",
      "growth");
  expect_error(base + "  - {date: 2025-12-15, value: 50 T, source: a, typo: 1}\n", "typo");
}

TEST(ReadDiurnalProfile, NeedsTwentyFourWeights) {
  auto node = yaml::load_string("diurnal: [1, 2, 3]\n", "t.yaml");
  ASSERT_TRUE(node.ok());
  yaml::Reader r(*node, "t.yaml", "services[0]");
  EXPECT_FALSE(read_diurnal_profile(r, "diurnal").has_value());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().error().message.find("services[0].diurnal: expected 24 hourly weights"),
            std::string::npos);
}

}  // namespace
}  // namespace fleetplan::scenario
