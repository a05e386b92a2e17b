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

TEST(Conversions, LinkRatesAreBitsAndBandwidthIsBytes) {
  // 400 Gbit/s NIC = 50 GB/s; 3.35 TB/s HBM = 3.35e12 B/s.
  EXPECT_DOUBLE_EQ(gigabits_per_second(400).value, 50e9);
  EXPECT_DOUBLE_EQ(terabytes_per_second(3.35).value, 3.35e12);
}

}  // namespace
}  // namespace fleetplan::units
