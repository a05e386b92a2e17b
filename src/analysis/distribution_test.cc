#include "analysis/distribution.h"

#include <gtest/gtest.h>

#include <cmath>

namespace fleetplan::analysis {
namespace {

TEST(NormalQuantile, KnownValues) {
  // Tables of the standard normal: z(0.9) = 1.2815515655446004, z(0.975) = 1.959963984540054.
  EXPECT_NEAR(normal_quantile(0.5), 0.0, 1e-15);
  EXPECT_NEAR(normal_quantile(0.9), 1.2815515655446004, 1e-13);
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-13);
  EXPECT_NEAR(normal_quantile(0.001), -3.090232306167813, 1e-12);
}

}  // namespace
}  // namespace fleetplan::analysis

namespace fleetplan::analysis {
namespace {

TEST(Distribution, QuantilesByFormula) {
  // triangular(0, 1, 2) is symmetric: median 1; F(0.5) = 0.5^2 / 2 = 0.125.
  auto tri = parse_distribution("triangular(0,1,2)");
  ASSERT_TRUE(tri.ok());
  EXPECT_DOUBLE_EQ(tri->quantile(0.5), 1.0);
  EXPECT_NEAR(tri->quantile(0.125), 0.5, 1e-12);
  auto uni = parse_distribution("uniform(10 USD, 20 USD)");
  ASSERT_TRUE(uni.ok());
  EXPECT_EQ(uni->unit, "USD");
  EXPECT_DOUBLE_EQ(uni->quantile(0.25), 12.5);
  // lognormal(median, sigma): the median is the median; P90 = median x exp(1.2816 sigma).
  auto logn = parse_distribution("lognormal(100, 0.5)");
  ASSERT_TRUE(logn.ok());
  EXPECT_NEAR(logn->quantile(0.5), 100, 1e-9);
  EXPECT_NEAR(logn->quantile(0.9), 100 * std::exp(0.5 * 1.2815515655446004), 1e-8);
  auto normal = parse_distribution("normal(6.96, 0.15)");
  EXPECT_NEAR(normal->quantile(0.9), 6.96 + 0.15 * 1.2815515655446004, 1e-12);
}

TEST(Distribution, ValuesShapedLikeTheField) {
  ValueShape money = shape_of(std::string("20000 USD"));
  EXPECT_TRUE(money.integer);
  auto uni = parse_distribution("uniform(15000 USD,25000 USD)");
  EXPECT_EQ(uni->value_at(0.5, money), "20000 USD");
  EXPECT_EQ(uni->value_at(0.123456, money), "16235 USD");  // 15000 + 0.123456 x 10000, rounded
  ValueShape date = shape_of(std::string("2026-02-15"));
  EXPECT_TRUE(date.date);
  EXPECT_EQ(parse_distribution("uniform(0,30)")->value_at(0.5, date), "2026-03-02");
  auto choice = parse_distribution("choice(2026-02-15:0.25, 2026-07-01:0.75)");
  ASSERT_TRUE(choice.ok());
  EXPECT_EQ(choice->value_at(0.2, date), "2026-02-15");
  EXPECT_EQ(choice->value_at(0.3, date), "2026-07-01");
  auto flag = parse_distribution("bernoulli(0.3)");
  EXPECT_EQ(flag->value_at(0.29, shape_of(std::string("true"))), "true");
  EXPECT_EQ(flag->value_at(0.31, shape_of(std::string("true"))), "false");
  EXPECT_FALSE(parse_distribution("uniform(1,2)")->check_against(money, "x").ok());
  EXPECT_FALSE(uni->check_against(date, "x").ok());
  EXPECT_FALSE(flag->check_against(money, "x").ok());
}

TEST(Distribution, ErrorsSayWhatWasExpected) {
  const auto message = [](const char* text) {
    auto d = parse_distribution(text);
    return d.ok() ? std::string() : d.error().message;
  };
  EXPECT_NE(message("gauss(1,2)").find("unknown distribution 'gauss'"), std::string::npos);
  EXPECT_NE(message("normal(1)").find("expected normal(mean,sd)"), std::string::npos);
  EXPECT_NE(message("normal(1,-2)").find("sd must be > 0"), std::string::npos);
  EXPECT_NE(message("uniform(2,1)").find("lo < hi"), std::string::npos);
  EXPECT_NE(message("triangular(0,3,2)").find("mode"), std::string::npos);
  EXPECT_NE(message("choice(a:0.5,b:0.2)").find("add up to 0.7"), std::string::npos);
  EXPECT_NE(message("uniform(1 USD,2 CNY)").find("use one unit"), std::string::npos);
  EXPECT_NE(message("lognormal(5 USD,0.2 USD)").find("takes no unit"), std::string::npos);
  EXPECT_NE(message("6.96").find("not a distribution"), std::string::npos);
}

TEST(Values, ListsAndRanges) {
  EXPECT_EQ(*parse_values("6.5,7.0, 7.5"), (std::vector<std::string>{"6.5", "7.0", "7.5"}));
  EXPECT_EQ(*parse_values("15000 USD:40000 USD:6"),
            (std::vector<std::string>{"15000 USD", "20000 USD", "25000 USD", "30000 USD",
                                      "35000 USD", "40000 USD"}));
  EXPECT_EQ(*parse_values("0.1:0.3:3"), (std::vector<std::string>{"0.1", "0.2", "0.3"}));
  EXPECT_EQ(*parse_values("2026-01-01:2026-01-31:3"),
            (std::vector<std::string>{"2026-01-01", "2026-01-16", "2026-01-31"}));
  EXPECT_FALSE(parse_values("1 USD:2 CNY:3").ok());
  EXPECT_FALSE(parse_values("1:2:1").ok());
  EXPECT_FALSE(parse_values("1:2").ok());
  EXPECT_FALSE(parse_values("1,,2").ok());
}

TEST(Streams, UniformDrawsAreInTheOpenIntervalAndIndependentOfOrder) {
  double sum = 0;
  for (std::uint64_t i = 0; i < 10000; ++i) {
    const double u = sample_uniform(1, i, 0);
    ASSERT_GT(u, 0);
    ASSERT_LT(u, 1);
    sum += u;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.01);  // standard error 0.0029
  EXPECT_EQ(sample_uniform(7, 42, 3), sample_uniform(7, 42, 3));
  EXPECT_NE(sample_uniform(7, 42, 3), sample_uniform(7, 43, 3));
  EXPECT_NEAR(normal_correlation_for_rank(0.5), 2 * std::sin(M_PI / 12), 1e-15);
}

}  // namespace
}  // namespace fleetplan::analysis
