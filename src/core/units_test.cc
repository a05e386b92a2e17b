#include "core/units.h"

#include <gtest/gtest.h>

namespace fleetplan::units {
namespace {

TEST(ParseMoney, BillionsOfYuan) {
  auto money = parse_money("160 bn CNY");
  ASSERT_TRUE(money.ok()) << money.error().message;
  EXPECT_DOUBLE_EQ(money->amount, 160e9);
  EXPECT_EQ(money->currency, "CNY");
}

TEST(ParseMoney, MillionsOfDollarsAndPlainAmounts) {
  EXPECT_DOUBLE_EQ(parse_money("450 M USD")->amount, 450e6);
  EXPECT_DOUBLE_EQ(parse_money("20000 USD")->amount, 20000.0);
  EXPECT_DOUBLE_EQ(parse_money("6.8 bn USD")->amount, 6.8e9);
}

TEST(ParseMoney, RejectsUnknownScaleAndCurrency) {
  auto bad_scale = parse_money("5 zillion USD");
  ASSERT_FALSE(bad_scale.ok());
  EXPECT_NE(bad_scale.error().message.find("zillion"), std::string::npos);
  EXPECT_FALSE(parse_money("5 bn dollars").ok());
  EXPECT_FALSE(parse_money("lots").ok());
}

TEST(ParsePower, Megawatts) {
  EXPECT_DOUBLE_EQ(parse_power("120 MW")->value, 120e6);
  EXPECT_DOUBLE_EQ(parse_power("700 W")->value, 700.0);
  EXPECT_FALSE(parse_power("3 horsepower").ok());
}

// Issue 8 A2: from_chars reads "nan" and "inf", and 1e308 MW overflows to inf; each was
// accepted and a site then lost its power limit.
TEST(ParsePower, RejectsNanInfinityAndOverflow) {
  for (const char* text : {"nan MW", "inf MW", "-inf W", "infinity kW", "1e308 MW", "1e999 W"}) {
    auto power = parse_power(text);
    ASSERT_FALSE(power.ok()) << text;
    EXPECT_NE(power.error().message.find(text), std::string::npos) << power.error().message;
  }
  EXPECT_FALSE(parse_power("-5 MW").ok());
  // The bound is 1,000 GW = 1e12 W: the edge is accepted, one watt more is not.
  EXPECT_DOUBLE_EQ(parse_power("1000 GW")->value, 1e12);
  EXPECT_FALSE(parse_power("1000.000001 GW").ok());
}

TEST(ParseMoney, RejectsNanInfinityAndOverflow) {
  for (const char* text : {"nan bn CNY", "inf USD", "-inf M USD", "1e308 bn CNY", "2e15 USD"}) {
    auto money = parse_money(text);
    ASSERT_FALSE(money.ok()) << text;
    EXPECT_NE(money.error().message.find(text), std::string::npos) << money.error().message;
  }
  // 10^15 is the bound: 1,000,000 bn is accepted.
  EXPECT_DOUBLE_EQ(parse_money("1000000 bn USD")->amount, 1e15);
}

TEST(Conversions, LinkRatesAreBitsAndBandwidthIsBytes) {
  // 400 Gbit/s NIC = 50 GB/s; 3.35 TB/s HBM = 3.35e12 B/s.
  EXPECT_DOUBLE_EQ(bytes_per_second_from_gigabits(400), 50e9);
  EXPECT_DOUBLE_EQ(3.35 * kTera, 3.35e12);
}

}  // namespace
}  // namespace fleetplan::units
