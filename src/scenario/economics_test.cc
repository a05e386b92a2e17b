// The economics sections of a scenario: located errors for each new field, and modelled
// demand resolved against values worked by hand.
#include "scenario/economics.h"

#include <gtest/gtest.h>

#include "catalog/test_catalog.h"

namespace fleetplan::scenario {
namespace {

struct Parsed {
  YAML::Node node;
  std::unique_ptr<yaml::Reader> reader;
};

Parsed parse(const std::string& text, const std::string& path = "x") {
  Parsed p;
  auto node = yaml::load_string(text, "t.yaml");
  EXPECT_TRUE(node.ok());
  p.node = *node;
  p.reader = std::make_unique<yaml::Reader>(p.node, "t.yaml", path);
  return p;
}

std::string first_error(const yaml::Reader& r) { return r.ok() ? "" : r.status().error().message; }

TEST(CostOfOwnership, ReadsLivesFabricsAndChecksProvenance) {
  std::vector<MoneyField> pending;
  std::vector<AssumptionRef> refs;
  Parsed p = parse(R"(
useful_life_years: {accelerators: 4, buildings: 20}
salvage_share: 0.1
network_fabrics:
  - {name: ib, scale_out_nics: 1500 USD, scale_out_switches: 2000 USD, assumption: net}
  - {name: eth, scale_out_nics: 800 USD}
)",
                   "cost_of_ownership");
  const CostOfOwnership c = read_cost_of_ownership(*p.reader, pending, refs);
  EXPECT_DOUBLE_EQ(c.life_buildings, 20);
  EXPECT_DOUBLE_EQ(c.life_servers, 5);
  EXPECT_DOUBLE_EQ(c.salvage_share, 0.1);
  ASSERT_EQ(c.network_fabrics.size(), 2U);
  EXPECT_DOUBLE_EQ(c.network_fabrics[0].scale_out_switches.amount, 2000);
  ASSERT_EQ(refs.size(), 1U);
  EXPECT_EQ(refs[0].name, "net");
  EXPECT_NE(first_error(*p.reader).find("t.yaml:6:5: cost_of_ownership.network_fabrics[1]: a "
                                        "network fabric's costs need a `source`"),
            std::string::npos)
      << first_error(*p.reader);
}

TEST(SiteCosts, BuildPriceOnlyAtOwnedSitesRentOnlyAtLeasedOnes) {
  std::vector<MoneyField> pending;
  Site owned;
  owned.ownership = Ownership::kOwned;
  Parsed p = parse("data_centre_per_mw: 7.11 M USD\noperations_share: 0.02\n", "sites[0]");
  read_site_costs(*p.reader, owned, pending);
  EXPECT_TRUE(p.reader->ok());
  ASSERT_TRUE(owned.data_centre_per_mw.has_value());
  EXPECT_DOUBLE_EQ(owned.data_centre_per_mw->amount, 7.11e6);
  EXPECT_EQ(pending.size(), 1U);

  Site leased;
  leased.ownership = Ownership::kLeased;
  Parsed q = parse("data_centre_per_mw: 7 M USD\n", "sites[1]");
  read_site_costs(*q.reader, leased, pending);
  EXPECT_NE(first_error(*q.reader).find("t.yaml:1:21: sites[1].data_centre_per_mw: a leased site"),
            std::string::npos)
      << first_error(*q.reader);

  Parsed r = parse("colocation_per_kw_month: -5 USD\n", "sites[2]");
  read_site_costs(*r.reader, leased, pending);
  EXPECT_NE(first_error(*r.reader).find("is negative"), std::string::npos);
}

TEST(ProcurementCosts, NetworkMustNameAFabric) {
  std::vector<MoneyField> pending;
  CostOfOwnership costs;
  costs.network_fabrics.push_back({"ib", "", {}, {}, {}, {}});
  Procurement buy;
  Parsed p = parse("network: infiniband\nstorage: 1000 USD\n", "procurement[0]");
  read_procurement_costs(*p.reader, buy, costs, pending);
  EXPECT_NE(first_error(*p.reader).find("procurement[0].network: unknown network fabric "
                                        "'infiniband'; expected one of "
                                        "cost_of_ownership.network_fabrics: ib"),
            std::string::npos)
      << first_error(*p.reader);
  Procurement lease;
  lease.mode = Mode::kLease;
  Parsed q = parse("storage: 1000 USD\n", "procurement[1]");
  read_procurement_costs(*q.reader, lease, costs, pending);
  EXPECT_NE(first_error(*q.reader).find("expected no storage for mode lease"), std::string::npos);
}

TEST(ServiceEconomics, ValueNeedsBothPricesAndAProvenance) {
  std::vector<MoneyField> pending;
  std::vector<AssumptionRef> refs;
  ServiceSpec chat;
  chat.kind = Use::kInference;
  Parsed p = parse(R"(
value: {input_per_million: 2 CNY, cached_input_per_million: 0.5 CNY, output_per_million: 8 CNY,
        source: "DeepSeek API list prices"}
priority: 2
prefix_cache_hit_share: 0.4
)",
                   "services[0]");
  read_service_economics(*p.reader, chat, catalog::testing::builtin_catalog(), pending, refs);
  EXPECT_TRUE(p.reader->ok()) << first_error(*p.reader);
  EXPECT_DOUBLE_EQ(chat.value.output_per_million->amount, 8);
  EXPECT_EQ(chat.priority, 2);
  EXPECT_DOUBLE_EQ(chat.prefix_cache_hit_share, 0.4);

  ServiceSpec other;
  Parsed q = parse("value: {input_per_million: 2 CNY, source: x}\n", "services[1]");
  read_service_economics(*q.reader, other, catalog::testing::builtin_catalog(), pending, refs);
  EXPECT_NE(first_error(*q.reader).find("services[1].value.output_per_million: required money"),
            std::string::npos)
      << first_error(*q.reader);

  ServiceSpec train;
  train.kind = Use::kTraining;
  Parsed t = parse(
      "value: {per_gpu_hour: 2.2 USD, accelerator: H100-SXM, assumption: lease}\n"
      "diurnal: [1]\n",
      "services[2]");
  read_service_economics(*t.reader, train, catalog::testing::builtin_catalog(), pending, refs);
  EXPECT_EQ(train.value.gpu_hour_accelerator, "H100-SXM");
  EXPECT_NE(first_error(*t.reader).find("services[2].diurnal"), std::string::npos)
      << first_error(*t.reader);
}

Scenario modelled_scenario() {
  Scenario s;
  ServiceSpec chat;
  chat.name = "chat";
  chat.input_len = 2000;
  chat.output_len = 400;
  ServiceSpec api;
  api.name = "api";
  api.input_len = 1000;
  api.output_len = 200;
  s.services = {chat, api};
  DemandCurve tokens;
  tokens.name = "company-tokens";
  tokens.growth = GrowthLaw::kLinear;
  tokens.observations = {
      {"2026-01-01", parse_date("2026-01-01")->days_since_epoch(), 50e12, "a", ""},
      {"2026-12-31", parse_date("2026-12-31")->days_since_epoch(), 100e12, "a", ""}};
  DemandCurve users;
  users.name = "mau";
  users.unit = CurveUnit::kUsers;
  users.observations = {
      {"2025-10-15", parse_date("2025-10-15")->days_since_epoch(), 159e6, "a", ""}};
  s.demand_curves = {tokens, users};
  Period p;
  p.name = "2026";
  p.start = *parse_date("2026-01-01");
  p.end = *parse_date("2026-12-31");
  Demand d_chat;
  d_chat.service = "chat";
  d_chat.users_curve = "mau";
  d_chat.daily_active_share = 0.4;
  d_chat.requests_per_user_per_day = 10;
  Demand d_api;
  d_api.service = "api";
  d_api.curve = "company-tokens";
  d_api.less = {"chat"};
  p.demand = {d_chat, d_api};
  s.periods = {p};
  return s;
}

TEST(ModelledDemand, UsersCurvesAndLess) {
  Scenario s = modelled_scenario();
  ASSERT_TRUE(resolve_modelled_demand(s).ok());
  const Demand& chat = s.periods[0].demand[0];
  // 159 M users x 0.4 x 10 requests x 2,400 tokens = 1.5264 T a day, 2000:400 in:out.
  EXPECT_NEAR(chat.tokens_per_day(), 1.5264e12, 1);
  EXPECT_NEAR(chat.input_tokens_per_day, 1.5264e12 * 2000 / 2400, 1);
  // The company curve at the period's end (100 T) less chat.
  const Demand& api = s.periods[0].demand[1];
  EXPECT_NEAR(api.tokens_per_day(), 100e12 - 1.5264e12, 1);
  // 1.5264 T / 159 M users = 9,600 tokens per user a day.
  EXPECT_NEAR(implied_tokens_per_user_per_day(s, s.periods[0], chat), 9600, 1e-6);

  Scenario mean = modelled_scenario();
  mean.periods[0].demand[1].basis = DemandBasis::kPeriodMean;
  mean.periods[0].demand[1].less.clear();
  ASSERT_TRUE(resolve_modelled_demand(mean).ok());
  // A straight line's mean over the year is its middle: 75 T.
  EXPECT_NEAR(mean.periods[0].demand[1].tokens_per_day() / 1e12, 75, 1e-9);

  Scenario too_much = modelled_scenario();
  too_much.periods[0].demand[0].requests_per_user_per_day = 1000;
  const Status status = resolve_modelled_demand(too_much);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("less the demand of chat is negative"), std::string::npos);
}

TEST(ModelledDemand, ReaderChecksNamesAndExclusivity) {
  const Scenario s = modelled_scenario();
  Demand d;
  d.service = "api";
  Parsed p = parse("curve: mau\n", "periods[0].demand[1]");
  EXPECT_TRUE(read_modelled_demand(*p.reader, d, s));
  EXPECT_NE(first_error(*p.reader).find("periods[0].demand[1].curve: 'mau' is not a "
                                        "tokens_per_day curve; expected one of: company-tokens"),
            std::string::npos)
      << first_error(*p.reader);
  Parsed q = parse("share: 0.5\n", "periods[0].demand[0]");
  EXPECT_FALSE(read_modelled_demand(*q.reader, d, s));
  EXPECT_NE(first_error(*q.reader).find("applies to modelled demand"), std::string::npos);
  Parsed r = parse("users: mau\ndaily_active_share: 0.4\n", "periods[0].demand[0]");
  read_modelled_demand(*r.reader, d, s);
  EXPECT_NE(first_error(*r.reader).find("requests_per_user_per_day: required number"),
            std::string::npos)
      << first_error(*r.reader);
}

TEST(TrainingJobs, NeedsOneSizeAKnownServiceAndProvenance) {
  Scenario s = modelled_scenario();
  ServiceSpec train;
  train.name = "train";
  train.kind = Use::kTraining;
  s.services.push_back(train);
  std::vector<AssumptionRef> refs;
  Parsed ok = parse(
      "name: seed\nservice: train\nperiod: '2026'\ncluster_accelerators: 20000\n"
      "accelerator: H200-SXM\nmin_cluster: 8192\nassumption: plan\n",
      "training_jobs[0]");
  const TrainingJob job =
      read_training_job(*ok.reader, s, catalog::testing::builtin_catalog(), refs);
  EXPECT_TRUE(ok.reader->ok()) << first_error(*ok.reader);
  EXPECT_EQ(job.cluster_accelerators, 20000);
  EXPECT_EQ(job.cluster_accelerator, "H200-SXM");
  EXPECT_EQ(job.min_cluster, 8192);
  Parsed both = parse(
      "name: x\nservice: chat\nperiod: '2027'\nflop: 1e25\n"
      "cluster_accelerators: 5\nsource: a\n",
      "training_jobs[1]");
  read_training_job(*both.reader, s, catalog::testing::builtin_catalog(), refs);
  const std::string message = first_error(*both.reader);
  EXPECT_NE(message.find("training_jobs[1].service: 'chat' is not a training service"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace fleetplan::scenario
