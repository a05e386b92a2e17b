#include "plan/delivery.h"

#include <gtest/gtest.h>

namespace fleetplan::plan {
namespace {

scenario::Date day(const char* text) { return scenario::parse_date(text).value(); }

TEST(DeliveryTest, DatedSupplyIsSplitByDays) {
  // 1.6 M dies over 2026 (365 days); Q1 has 31 + 28 + 31 = 90 days.
  const std::vector<DatedAmount> dies = {{day("2026-01-01"), day("2026-12-31"), 1.6e6}};
  EXPECT_DOUBLE_EQ(prorated_units(dies, day("2026-01-01"), day("2026-03-31")), 1.6e6 * 90 / 365);
  // The four quarters (90, 91, 92, 92 days) add up to the year.
  const double quarters = prorated_units(dies, day("2026-01-01"), day("2026-03-31")) +
                          prorated_units(dies, day("2026-04-01"), day("2026-06-30")) +
                          prorated_units(dies, day("2026-07-01"), day("2026-09-30")) +
                          prorated_units(dies, day("2026-10-01"), day("2026-12-31"));
  EXPECT_NEAR(quarters, 1.6e6, 1e-6);
  // A period across two windows takes its days of each: 1.0 M in 2025, 1.6 M in 2026;
  // 2025-12-01 .. 2026-01-31 is 31 days of each.
  const std::vector<DatedAmount> two = {{day("2025-01-01"), day("2025-12-31"), 1.0e6},
                                        {day("2026-01-01"), day("2026-12-31"), 1.6e6}};
  EXPECT_DOUBLE_EQ(prorated_units(two, day("2025-12-01"), day("2026-01-31")),
                   1.0e6 * 31 / 365 + 1.6e6 * 31 / 365);
  // Outside every window: nothing.
  EXPECT_EQ(prorated_units(two, day("2027-01-01"), day("2027-12-31")), 0.0);
}

TEST(DeliveryTest, DeliveredFractionCountsDaysFromTheFirstDelivery) {
  // H200 from 2026-02-15: 2026-02-15 .. 2026-12-31 is 14 + 306 = 320 of 365 days.
  EXPECT_DOUBLE_EQ(delivered_fraction(day("2026-01-01"), day("2026-12-31"), day("2026-02-15")),
                   320.0 / 365.0);
  // In Q1: 02-15 .. 03-31 is 14 + 31 = 45 of 90 days.
  EXPECT_DOUBLE_EQ(delivered_fraction(day("2026-01-01"), day("2026-03-31"), day("2026-02-15")),
                   0.5);
  // Before the period: all of it; after it: none.
  EXPECT_EQ(delivered_fraction(day("2026-04-01"), day("2026-06-30"), day("2026-02-15")), 1.0);
  EXPECT_EQ(delivered_fraction(day("2025-01-01"), day("2025-12-31"), day("2026-02-15")), 0.0);
}

}  // namespace
}  // namespace fleetplan::plan
