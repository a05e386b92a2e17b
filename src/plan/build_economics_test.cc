// The economics of build_problem against figures worked by hand: an H200 bought for an
// owned site with a build price, a lease, a valued chat service and a training job.
#include "plan/build_economics.h"

#include <gtest/gtest.h>

#include "catalog/test_catalog.h"

namespace fleetplan::plan {
namespace {

scenario::Scenario economics_scenario() {
  scenario::Scenario s;
  s.name = "economics";
  scenario::Period p;
  p.name = "2026";
  p.start = *scenario::parse_date("2026-01-01");
  p.end = *scenario::parse_date("2026-12-31");
  p.exchange_rates = {{"CNY", 7.0}};
  s.periods = {p};
  s.cost_of_ownership.given = true;
  s.cost_of_ownership.network_fabrics.push_back(
      {"ib", "", {500, "USD", 0}, {1500, "USD", 0}, {1500, "USD", 0}, {}});
  scenario::Site home;
  home.name = "home";
  home.pue = 1.2;
  home.energy_price_per_kwh = {0.56, "CNY", 0};  // 0.08 USD
  home.data_centre_per_mw = units::Money{7.11e6, "USD", 0};
  home.operations_share = 0.03;
  s.sites = {home};
  scenario::Procurement buy;
  buy.name = "H200-buy";
  buy.accelerator = "H200-SXM";
  buy.unit_price = {20000, "USD", 0};
  buy.server_overhead = 0.25;
  buy.network = "ib";
  buy.storage = units::Money{1000, "USD", 0};
  scenario::Procurement lease;
  lease.name = "H100-lease";
  lease.accelerator = "H100-SXM";
  lease.mode = scenario::Mode::kLease;
  lease.lease_price_per_gpu_hour = {2.2, "USD", 0};
  s.procurement = {buy, lease};
  scenario::ServiceSpec chat;
  chat.name = "chat";
  chat.input_len = 2000;
  chat.output_len = 400;
  chat.prefix_cache_hit_share = 0.5;
  chat.value.input_per_million = units::Money{2, "CNY", 0};
  chat.value.cached_input_per_million = units::Money{0.5, "CNY", 0};
  chat.value.output_per_million = units::Money{8, "CNY", 0};
  scenario::ServiceSpec train;
  train.name = "train";
  train.kind = scenario::Use::kTraining;
  train.training_mfu = 0.4;
  train.value.per_gpu_hour = units::Money{2.2, "USD", 0};
  train.value.gpu_hour_accelerator = "H100-SXM";
  s.services = {chat, train};
  scenario::TrainingJob job;
  job.name = "seed";
  job.service = "train";
  job.period = "2026";
  job.cluster_accelerators = 20000;
  job.cluster_accelerator = "H200-SXM";
  job.min_cluster = 8192;
  job.sites = {"home"};
  s.training_jobs = {job};
  return s;
}

// 1,260 W at the wall, PUE 1.2: 1,050 W of IT load.
constexpr double kPowerW = 1260;

TEST(BuildEconomics, BuyAtAnOwnedSiteByItem) {
  const scenario::Scenario s = economics_scenario();
  const double end = static_cast<double>(s.periods[0].end.days_since_epoch()) + 1;
  auto costs = buy_option_costs(s, s.procurement[0], s.sites[0], s.periods[0], kPowerW, end);
  ASSERT_TRUE(costs.ok()) << costs.error().message;
  EXPECT_NEAR(costs->upfront[SpendItem::kAccelerators], 20000, 1e-9);
  EXPECT_NEAR(costs->upfront[SpendItem::kServers], 5000, 1e-9);  // 25 %
  EXPECT_NEAR(costs->upfront[SpendItem::kNetwork], 3500, 1e-9);  // 500 + 1,500 + 1,500
  EXPECT_NEAR(costs->upfront[SpendItem::kStorage], 1000, 1e-9);
  EXPECT_NEAR(costs->upfront[SpendItem::kDataCentre], 1050 * 7.11, 1e-9);  // 7.11 USD/W IT
  // 1,260 W x 8,760 h x 0.08 USD/kWh.
  EXPECT_NEAR(costs->recurring[SpendItem::kEnergy], 1.26 * 8760 * 0.08, 1e-9);
  // 3 % of 29,500 USD of IT capex.
  EXPECT_NEAR(costs->recurring[SpendItem::kOperations], 885, 1e-9);
  // After 365 of 365.25 days: chips and network 1 - y/4 or 1 - y/5 left, the building 1 - y/15.
  const double y = 365 / 365.25;
  const double expected = 20000 * (1 - y / 4) + 5000 * (1 - y / 5) + 3500 * (1 - y / 5) +
                          1000 * (1 - y / 5) + 1050 * 7.11 * (1 - y / 15);
  EXPECT_NEAR(costs->residual_usd, expected, 1e-6);
}

TEST(BuildEconomics, LeaseIsRentForTheHours) {
  const scenario::Scenario s = economics_scenario();
  auto costs = lease_option_costs(s.procurement[1], s.sites[0], s.periods[0], kPowerW);
  ASSERT_TRUE(costs.ok());
  EXPECT_NEAR(costs->recurring[SpendItem::kLeases], 2.2 * 8760, 1e-9);
  EXPECT_NEAR(costs->recurring.total(), 2.2 * 8760, 1e-9);  // energy included
}

TEST(BuildEconomics, AnnualCostOfOwnership) {
  const scenario::Scenario s = economics_scenario();
  // Capex over lives (4, 5, 5, 5, 15 years) + a year of energy and operations.
  const double expected = 20000 / 4.0 + 5000 / 5.0 + 3500 / 5.0 + 1000 / 5.0 + 1050 * 7.11 / 15 +
                          1.26 * 8760 * 0.08 + 885;
  EXPECT_NEAR(option_annual_usd(s, &s.procurement[0], s.sites[0], kPowerW), expected, 1e-6);
  EXPECT_NEAR(option_annual_usd(s, &s.procurement[1], s.sites[0], kPowerW), 2.2 * 8760, 1e-9);
  EXPECT_DOUBLE_EQ(option_annual_usd(s, nullptr, s.sites[0], kPowerW), 0);
}

TEST(BuildEconomics, ServiceValuesPerDemandUnit) {
  const scenario::Scenario s = economics_scenario();
  const auto& catalog = catalog::testing::builtin_catalog();
  auto chat = service_value_series(s, s.services[0], catalog);
  ASSERT_TRUE(chat.ok());
  ASSERT_EQ(chat->size(), 1U);
  // (2,000 x (0.5 x 2 + 0.5 x 0.5) + 400 x 8) / 2,400 = 2.375 CNY per M tokens, / 7 CNY per
  // USD, for 365 days per token/day.
  EXPECT_NEAR((*chat)[0], 2.375 / 7 / 1e6 * 365, 1e-15);
  auto train = service_value_series(s, s.services[1], catalog);
  ASSERT_TRUE(train.ok());
  const double h100 = (*catalog.accelerator("H100-SXM"))->peak_flops(catalog::Precision::kBf16);
  // 2.2 USD per H100-hour of h100 x 0.4 x 3,600 FLOP, for 8,760 x 3,600 s per FLOP/s.
  EXPECT_NEAR((*train)[0], 2.2 / (h100 * 0.4 * 3600) * 8760 * 3600, 1e-24);
}

TEST(BuildEconomics, TrainingJobsFromAClusterSize) {
  const scenario::Scenario s = economics_scenario();
  const auto& catalog = catalog::testing::builtin_catalog();
  auto jobs = training_jobs(s, catalog);
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 1U);
  const double h200 = (*catalog.accelerator("H200-SXM"))->peak_flops(catalog::Precision::kBf16);
  EXPECT_NEAR((*jobs)[0].demand, 20000 * h200 * 0.4, 1);
  EXPECT_DOUBLE_EQ((*jobs)[0].min_cluster, 8192);
  EXPECT_EQ((*jobs)[0].service, 1);
  ASSERT_EQ((*jobs)[0].sites.size(), 1U);
  EXPECT_EQ((*jobs)[0].sites[0], 0);
}

}  // namespace
}  // namespace fleetplan::plan
