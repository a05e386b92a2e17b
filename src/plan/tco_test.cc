// Cost of ownership against figures worked out by hand. The example accelerator: a
// 20,000 USD chip with 6,000 USD of server, 3,000 USD of network and 1,000 USD of storage,
// drawing 1,000 W of IT load; the site: PUE 1.2, 0.08 USD/kWh, 10 USD/W to build (10 M
// USD/MW), operations 3 % of IT capex and 0.5 USD/W a year.
#include "plan/tco.h"

#include <gtest/gtest.h>

namespace fleetplan::plan {
namespace {

AcceleratorCosts example_accelerator() {
  AcceleratorCosts a;
  a.accelerator_usd = 20000;
  a.server_usd = 6000;
  a.network_usd = 3000;
  a.storage_usd = 1000;
  a.it_power_w = 1000;
  return a;
}

SiteCosts example_site() {
  SiteCosts s;
  s.pue = 1.2;
  s.energy_usd_per_kwh = 0.08;
  s.build_usd_per_w = 10;
  s.operations_share_per_year = 0.03;
  s.operations_usd_per_w_year = 0.5;
  return s;
}

TEST(SpendItem, NamesRoundTripAndTyposAreErrors) {
  for (int i = 0; i < kSpendItemCount; ++i) {
    const auto item = static_cast<SpendItem>(i);
    auto parsed = parse_spend_item(spend_item_name(item));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, item);
  }
  auto bad = parse_spend_item("server_overheads");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("'server_overheads'"), std::string::npos);
  EXPECT_NE(bad.error().message.find("data_centre"), std::string::npos);
}

TEST(Tco, AcquisitionCostByItem) {
  const ItemAmounts a = acquisition_cost(example_accelerator(), example_site());
  EXPECT_DOUBLE_EQ(a[SpendItem::kAccelerators], 20000);
  EXPECT_DOUBLE_EQ(a[SpendItem::kServers], 6000);
  EXPECT_DOUBLE_EQ(a[SpendItem::kNetwork], 3000);
  EXPECT_DOUBLE_EQ(a[SpendItem::kStorage], 1000);
  EXPECT_DOUBLE_EQ(a[SpendItem::kDataCentre], 10000);  // 1 kW x 10 M USD/MW
  EXPECT_DOUBLE_EQ(a[SpendItem::kEnergy], 0);
  EXPECT_DOUBLE_EQ(a.total(), 40000);
}

TEST(Tco, RunningCostForAYear) {
  const ItemAmounts r = running_cost(example_accelerator(), example_site(), 8760);
  // 1 kW x 1.2 x 8760 h x 0.08 USD/kWh.
  EXPECT_NEAR(r[SpendItem::kEnergy], 840.96, 1e-9);
  // 3 % of 30,000 USD of IT capex + 0.5 USD/W x 1,000 W.
  EXPECT_NEAR(r[SpendItem::kOperations], 1400, 1e-9);
  EXPECT_DOUBLE_EQ(r[SpendItem::kColocation], 0);
  // Half a year costs half.
  EXPECT_NEAR(running_cost(example_accelerator(), example_site(), 4380).total(), 1120.48, 1e-9);
}

TEST(Tco, ColocationRentPerKwMonth) {
  SiteCosts colo = example_site();
  colo.build_usd_per_w = 0;
  colo.colocation_usd_per_w_month = 0.19594;  // CBRE H2 2025: 195.94 USD per kW-month
  EXPECT_NEAR(running_cost(example_accelerator(), colo, 8760)[SpendItem::kColocation],
              1000 * 0.19594 * 12, 1e-9);
  EXPECT_DOUBLE_EQ(acquisition_cost(example_accelerator(), colo)[SpendItem::kDataCentre], 0);
}

TEST(Tco, ResidualValueIsStraightLinePerAssetClass) {
  const ItemAmounts a = acquisition_cost(example_accelerator(), example_site());
  const UsefulLives lives;  // 4, 5, 5, 5, 15 years
  const ItemAmounts after_one = residual_value(a, 1.0, lives, {});
  EXPECT_NEAR(after_one[SpendItem::kAccelerators], 15000, 1e-9);  // 3/4 left
  EXPECT_NEAR(after_one[SpendItem::kServers], 4800, 1e-9);        // 4/5 left
  EXPECT_NEAR(after_one[SpendItem::kDataCentre], 10000.0 * 14 / 15, 1e-9);
  // Past its life an asset keeps its salvage share and no more.
  const ItemAmounts after_ten = residual_value(a, 10.0, lives, {.salvage_share = 0.1});
  EXPECT_NEAR(after_ten[SpendItem::kAccelerators], 2000, 1e-9);
  EXPECT_NEAR(after_ten[SpendItem::kDataCentre], 10000 * (1 - 0.9 * 10.0 / 15), 1e-9);
}

TEST(Tco, AnnualisedCapexStraightLineAndAnnuity) {
  EXPECT_DOUBLE_EQ(annualised_capex(20000, 4, 0, 0), 5000);
  EXPECT_DOUBLE_EQ(annualised_capex(20000, 4, 0.1, 0), 4500);
  // 20,000 x 0.08 / (1 - 1.08^-4) = 6,038.42.
  EXPECT_NEAR(annualised_capex(20000, 4, 0, 0.08), 6038.416089, 1e-6);
  // Salvage of 2,000 in year 4, discounted: (20,000 - 2,000 x 1.08^-4) x 0.08 / (1 - 1.08^-4).
  EXPECT_NEAR(annualised_capex(20000, 4, 0.1, 0.08), 5594.574480, 1e-6);
}

TEST(Tco, AnnualCostOwnedAddsCapexOverLivesAndRunningCosts) {
  const ItemAmounts year = annual_cost_owned(example_accelerator(), example_site(), {});
  EXPECT_NEAR(year[SpendItem::kAccelerators], 5000, 1e-9);  // 20,000 / 4
  EXPECT_NEAR(year[SpendItem::kServers], 1200, 1e-9);       // 6,000 / 5
  EXPECT_NEAR(year[SpendItem::kNetwork], 600, 1e-9);        // 3,000 / 5
  EXPECT_NEAR(year[SpendItem::kStorage], 200, 1e-9);        // 1,000 / 5
  EXPECT_NEAR(year[SpendItem::kDataCentre], 10000.0 / 15, 1e-9);
  EXPECT_NEAR(year.total(), 5000 + 1200 + 600 + 200 + 10000.0 / 15 + 840.96 + 1400, 1e-9);
}

TEST(Tco, BuyLeaseColocationOnTheSameBasis) {
  const ModeComparison c =
      compare_modes(example_accelerator(), example_site(), 0.19594, 2.2, true, {});
  ASSERT_TRUE(c.owned_usd_per_year && c.colocated_usd_per_year && c.leased_usd_per_year);
  EXPECT_NEAR(*c.owned_usd_per_year, 9907.626667, 1e-6);
  // Colocation: no building, rent 2,351.28 instead of 666.67 of building a year.
  EXPECT_NEAR(*c.colocated_usd_per_year, 9907.626667 - 10000.0 / 15 + 2351.28, 1e-6);
  // Lease: 2.2 USD/h x 8,760 h, energy included; the company's per-W operations only.
  EXPECT_NEAR(*c.leased_usd_per_year, 2.2 * 8760 + 500, 1e-9);
  // Without a build price or a colocation rent or a lease rate, the mode is not compared.
  SiteCosts no_build = example_site();
  no_build.build_usd_per_w = 0;
  const ModeComparison none =
      compare_modes(example_accelerator(), no_build, std::nullopt, std::nullopt, true, {});
  EXPECT_FALSE(none.owned_usd_per_year || none.colocated_usd_per_year || none.leased_usd_per_year);
}

TEST(Tco, UnitCostsFromACapacity) {
  // 9,907.63 USD a year over 1e9 tokens/day x 0.8 x 365 days = 292,000 M tokens.
  EXPECT_NEAR(usd_per_million_tokens(9907.626667, 1e9, 0.8), 9907.626667 / 292000, 1e-12);
  EXPECT_DOUBLE_EQ(usd_per_million_tokens(100, 0, 0.8), 0);
  // 1e9 tokens/day = 11,574 tokens/s on 1.2 kW at the wall: 9.645 M tokens/s per MW.
  EXPECT_NEAR(tokens_per_s_per_mw(1e9, 1200), 1e9 / 86400 / 0.0012, 1e-6);
}

}  // namespace
}  // namespace fleetplan::plan
