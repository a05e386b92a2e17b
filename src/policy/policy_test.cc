#include "policy/policy.h"
#include "catalog/test_catalog.h"

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace fleetplan::policy {
namespace {

using scenario::parse_date;

// Two yearly periods (2025 has 365 days), a Chinese site and two Malaysian sites (one
// operator verified), four procurement options placed as six options (H20 may be bought for
// China or for the unverified Malaysian site); the tests add rules.
constexpr const char kBase[] = R"(name: policy-test
services:
  - name: chat
    kind: inference
    model: llama3.1-8b
    input_len: 1000
    output_len: 250
    ttft_ms: 1000
    tpot_ms: 50
sites:
  - {name: cn, country: CN, power: 100 MW, pue: 1.2, energy_price_per_kwh: 0.1 USD,
     ownership: owned, operator: us, operator_verified: true}
  - {name: my-v, country: MY, power: 100 MW, pue: 1.2, energy_price_per_kwh: 0.1 USD,
     ownership: leased, operator: A, operator_verified: true}
  - {name: my-u, country: MY, power: 100 MW, pue: 1.2, energy_price_per_kwh: 0.1 USD,
     ownership: leased, operator: B, operator_verified: false}
periods:
  - {name: "2025", start: 2025-01-01, end: 2025-12-31, budget: 1 bn USD}
  - {name: "2026", start: 2026-01-01, end: 2026-12-31, budget: 1 bn USD}
procurement:
  - {accelerator: Ascend-910B, mode: buy, unit_price: 12000 USD, depreciation_years: 5,
     sites: [cn]}
  - {accelerator: H20, mode: buy, unit_price: 12500 USD, depreciation_years: 5,
     sites: [cn, my-u]}
  - {accelerator: H200-SXM, mode: buy, unit_price: 20000 USD, depreciation_years: 5,
     sites: [cn]}
  - {accelerator: H100-SXM, mode: lease, lease_price_per_gpu_hour: 2.2 USD,
     sites: [my-v, my-u]}
)";

class PolicyTest : public ::testing::Test {
 protected:
  // The built-in catalog, loaded once for the whole suite.
  static const catalog::Catalog& shared_catalog() { return catalog::testing::builtin_catalog(); }

  // The tests of whole-period decisions use `majority`; those of day-by-day ones pass
  // their own settings.
  void load(const std::string& rules,
            const std::string& settings = "settings: {rule_coverage: majority}\n") {
    auto s = scenario::load_scenario_text(kBase + settings + "rules:\n" + rules, "p.yaml",
                                          shared_catalog());
    ASSERT_TRUE(s.ok()) << s.error().message;
    scenario_ = std::move(s).value();
  }
  RuleEngine engine(const std::set<std::string>& disabled = {},
                    const std::set<std::string>& enabled = {}) {
    auto e = RuleEngine::create(scenario_, shared_catalog(), disabled, enabled);
    EXPECT_TRUE(e.ok()) << e.error().message;
    return std::move(e).value();
  }
  static Decision decide(const RuleEngine& e, const Query& q) {
    auto d = e.evaluate(q);
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d.ok() ? *d : Decision{};
  }

  scenario::Scenario scenario_;
};

constexpr const char kExportRules[] = R"(
  - name: us-export-2023-10
    kind: export_control
    effective: 2023-11-17
    source: BIS
    accelerators: [H100-SXM, H200-SXM]
    modes: [buy]
  - name: us-h200-approved
    kind: export_control
    action: allow
    effective: 2025-12-08
    source: US announcement
    accelerators: [H200-SXM]
    countries: [CN]
)";

TEST_F(PolicyTest, ExportControlDeniesWithRuleDateAndSource) {
  load(kExportRules);
  const RuleEngine e = engine();
  const Decision d = decide(e, {"2025", "cn", "H200-SXM", Mode::kBuy, {}, {}, {}});
  EXPECT_FALSE(d.allowed);
  ASSERT_FALSE(d.reasons.empty());
  EXPECT_EQ(d.reasons[0].rule, "us-export-2023-10");
  EXPECT_EQ(d.reasons[0].effective.to_string(), "2023-11-17");
  EXPECT_EQ(d.reasons[0].source, "BIS");
  // 2025-12-08 .. 2025-12-31 is 24 days allowed; the other 341 denied.
  EXPECT_EQ(d.reasons[0].message,
            "H200-SXM (buy) not available at site cn (CN) in period 2025 (341 of 365 days): "
            "rule us-export-2023-10, effective 2023-11-17, source BIS");
  EXPECT_DOUBLE_EQ(d.allowed_fraction, 24.0 / 365.0);
  // Deliveries may start on the day of the allow.
  ASSERT_TRUE(d.first_allowed.has_value());
  EXPECT_EQ(d.first_allowed->to_string(), "2025-12-08");
  // Leasing is outside the rule's modes.
  EXPECT_TRUE(decide(e, {"2025", "my-v", "H100-SXM", Mode::kLease, {}, {}, {}}).allowed);
}

TEST_F(PolicyTest, LaterAllowOverridesOlderDeny) {
  load(kExportRules);
  const RuleEngine e = engine();
  const Decision d = decide(e, {"2026", "cn", "H200-SXM", Mode::kBuy, {}, {}, {}});
  EXPECT_TRUE(d.allowed);
  EXPECT_DOUBLE_EQ(d.allowed_fraction, 1.0);
  ASSERT_EQ(d.reasons.size(), 1u);
  EXPECT_TRUE(d.reasons[0].allows);
  EXPECT_EQ(d.reasons[0].message,
            "H200-SXM (buy) allowed at site cn (CN) in period 2026: rule us-h200-approved, "
            "effective 2025-12-08, source US announcement (overrides us-export-2023-10)");
  // The allow is scoped to China: the same chip bought for Malaysia stays denied.
  EXPECT_FALSE(decide(e, {"2026", "my-v", "H200-SXM", Mode::kBuy, {}, {}, {}}).allowed);
  // On a single day before the allow.
  EXPECT_FALSE(
      decide(e, {"", "cn", "H200-SXM", Mode::kBuy, {}, *parse_date("2025-12-07"), {}}).allowed);
  EXPECT_TRUE(
      decide(e, {"", "cn", "H200-SXM", Mode::kBuy, {}, *parse_date("2025-12-08"), {}}).allowed);
}

TEST_F(PolicyTest, SameDayDenyBeatsAllow) {
  load(R"(
  - {name: a, kind: export_control, action: allow, effective: 2024-01-01, source: s,
     accelerators: [H20]}
  - {name: d, kind: export_control, action: deny, effective: 2024-01-01, source: s,
     accelerators: [H20]}
)");
  EXPECT_FALSE(decide(engine(), {"2025", "cn", "H20", Mode::kBuy, {}, {}, {}}).allowed);
}

TEST_F(PolicyTest, PeriodDecisionIsByMajorityOfDaysOrAnyDay) {
  // In force 2025-04-15 .. 2025-08-14: 16 + 31 + 30 + 31 + 14 = 122 days of 365.
  const std::string rule = R"(
  - {name: h20-licence, kind: export_control, effective: 2025-04-15, until: 2025-08-14,
     source: s, accelerators: [H20]}
)";
  load(rule);
  const Decision majority = decide(engine(), {"2025", "cn", "H20", Mode::kBuy, {}, {}, {}});
  EXPECT_TRUE(majority.allowed);
  EXPECT_DOUBLE_EQ(majority.allowed_fraction, (365.0 - 122.0) / 365.0);
  // H20 bought for cn and for my-u: two options.
  EXPECT_EQ(engine().period_policy(0).restricted.size(), 2u);
  load(rule, "settings: {rule_coverage: any}\n");
  EXPECT_FALSE(decide(engine(), {"2025", "cn", "H20", Mode::kBuy, {}, {}, {}}).allowed);
  EXPECT_EQ(engine().period_policy(0).excluded.size(), 2u);
  EXPECT_TRUE(decide(engine(), {"2026", "cn", "H20", Mode::kBuy, {}, {}, {}}).allowed);
}

TEST_F(PolicyTest, DayByDayCoverageAllowsAPeriodWithAnAllowedDay) {
  // The H20 licence requirement (2025-04-15 .. 2025-08-14, 122 of 365 days) and the H200
  // allow of 2025-12-08: day by day, both options are allowed in 2025, from their first
  // allowed day (2025-01-01 and 2025-12-08); a period with no allowed day stays excluded.
  load(std::string(kExportRules) + R"(
  - {name: h20-licence, kind: export_control, effective: 2025-04-15, until: 2025-08-14,
     source: s, accelerators: [H20]}
)",
       "settings: {rule_coverage: days}\n");
  const RuleEngine e = engine();
  const Decision h20 = decide(e, {"2025", "cn", "H20", Mode::kBuy, {}, {}, {}});
  EXPECT_TRUE(h20.allowed);
  EXPECT_EQ(h20.first_allowed, parse_date("2025-01-01").value());
  const Decision h200 = decide(e, {"2025", "cn", "H200-SXM", Mode::kBuy, {}, {}, {}});
  EXPECT_TRUE(h200.allowed);
  EXPECT_EQ(h200.first_allowed, parse_date("2025-12-08").value());
  EXPECT_DOUBLE_EQ(h200.allowed_fraction, 24.0 / 365.0);
  EXPECT_FALSE(decide(e, {"2025", "my-v", "H200-SXM", Mode::kBuy, {}, {}, {}}).allowed);
  // Day by day is the default.
  load(kExportRules, "");
  EXPECT_TRUE(decide(engine(), {"2025", "cn", "H200-SXM", Mode::kBuy, {}, {}, {}}).allowed);
}

TEST_F(PolicyTest, LeaseVerificationNeedsAVerifiedOperator) {
  load(R"(
  - {name: verify, kind: lease_verification, effective: 2025-01-15, source: US rule,
     domestic: false}
)");
  const RuleEngine e = engine();
  const Decision unverified = decide(e, {"2026", "my-u", "H100-SXM", Mode::kLease, {}, {}, {}});
  EXPECT_FALSE(unverified.allowed);
  EXPECT_FALSE(unverified.first_allowed.has_value());  // denied on every day of 2026
  // In 2025 the first 14 days were open.
  EXPECT_EQ(decide(e, {"2025", "my-u", "H100-SXM", Mode::kLease, {}, {}, {}}).first_allowed,
            parse_date("2025-01-01").value());
  ASSERT_EQ(unverified.reasons.size(), 1u);
  EXPECT_EQ(unverified.reasons[0].message,
            "H100-SXM (lease) not available at site my-u (MY) in period 2026: operator 'B' is "
            "not verified; rule verify, effective 2025-01-15, source US rule");
  EXPECT_TRUE(decide(e, {"2026", "my-v", "H100-SXM", Mode::kLease, {}, {}, {}}).allowed);
  // Before the rule the lease route was open.
  EXPECT_TRUE(
      decide(e, {"", "my-u", "H100-SXM", Mode::kLease, {}, *parse_date("2025-01-14"), {}}).allowed);
  // 2025: denied from 01-15, i.e. 351 of 365 days -> excluded. A foreign chip bought for
  // the unverified site is excluded as well: the rule covers every foreign accelerator at
  // an unverified site, whoever owns it.
  const PeriodPolicy p = e.period_policy(0);
  ASSERT_EQ(p.excluded.size(), 2u);
  EXPECT_EQ(p.excluded[0].option.procurement, "H20-buy");
  EXPECT_EQ(p.excluded[0].option.site, "my-u");
  EXPECT_EQ(p.excluded[1].option.procurement, "H100-SXM-lease");
  EXPECT_EQ(p.excluded[1].option.site, "my-u");
  EXPECT_TRUE(p.is_excluded("H100-SXM-lease", "my-u"));
  EXPECT_FALSE(p.is_excluded("H100-SXM-lease", "my-v"));
  EXPECT_FALSE(p.is_excluded("H20-buy", "cn"));
  EXPECT_EQ(decide(e, {"2026", "my-u", "H20", Mode::kBuy, {}, {}, {}}).reasons.at(0).message,
            "H20 (buy) not available at site my-u (MY) in period 2026: operator 'B' is not "
            "verified; rule verify, effective 2025-01-15, source US rule");
}

TEST_F(PolicyTest, VerificationScopedToLeasesLeavesPurchasesAlone) {
  load(R"(
  - {name: verify-leases, kind: lease_verification, effective: 2025-01-15, source: US rule,
     domestic: false, modes: [lease]}
)");
  const PeriodPolicy p = engine().period_policy(1);
  ASSERT_EQ(p.excluded.size(), 1u);
  EXPECT_EQ(p.excluded[0].option.procurement, "H100-SXM-lease");
  EXPECT_FALSE(p.is_excluded("H20-buy", "my-u"));
}

TEST_F(PolicyTest, DomesticShareWithoutSiteScopeCountsPurchasesWhereverPlaced) {
  load(R"(
  - {name: share-30, kind: domestic_share, effective: 2025-01-01, source: guidance,
     modes: [buy], min_share: 0.3}
)");
  const ShareConstraint c = engine().period_policy(1).share_constraints.at(0);
  // Every purchase counts: Ascend at cn, H20 at cn and at my-u, H200 at cn; not the lease.
  ASSERT_EQ(c.terms.size(), 4u);
  EXPECT_EQ(c.terms[2].accelerator, "H20");
  EXPECT_EQ(c.terms[2].site, "my-u");
  EXPECT_EQ(c.reason.message,
            "at least 30 % of accelerators (by count of acquisitions; the buyer's, wherever "
            "placed) must be domestic in period 2026: rule share-30, effective 2025-01-01, "
            "source guidance");
  EXPECT_EQ(c.reason.scope,
            "binds the buyer wherever it buys; counts every accelerator bought, wherever placed");
}

TEST_F(PolicyTest, ScopeDescriptionSaysWhomWhatAndWhere) {
  load(std::string(kExportRules) + R"(
  - {name: verify, kind: lease_verification, effective: 2025-01-15, source: US rule,
     domestic: false}
  - {name: share-cn, kind: domestic_share, effective: 2025-01-01, source: FT,
     countries: [CN], modes: [buy], min_share: 0.6, basis: spend}
  - {name: inference-only, kind: use_restriction, effective: 2025-01-01, source: FT,
     domestic: true, allowed_uses: [inference]}
  - {name: ascend-abroad, kind: export_control, effective: 2025-05-13, source: BIS,
     accelerators: [Ascend-910B], not_countries: [CN]}
)");
  const auto scope = [&](std::string_view name) {
    return scope_description(*scenario_.rule(name));
  };
  EXPECT_EQ(scope("us-export-2023-10"),
            "binds the buyer wherever it buys; covers H100-SXM, H200-SXM bought, at every site");
  EXPECT_EQ(scope("us-h200-approved"),
            "binds the buyer at sites in CN only; covers H200-SXM bought or leased at sites in CN");
  EXPECT_EQ(scope("verify"),
            "binds the buyer wherever it buys or leases; covers foreign accelerators bought or "
            "leased at sites whose owner or operator is not verified");
  EXPECT_EQ(scope("share-cn"),
            "binds the buyer at sites in CN only; counts every accelerator bought and placed at "
            "sites in CN (acquisitions placed elsewhere do not count)");
  EXPECT_EQ(scope("inference-only"),
            "binds the buyer wherever it buys or leases; covers domestic accelerators bought or "
            "leased, in service at every site");
  EXPECT_EQ(scope("ascend-abroad"),
            "binds the buyer at sites outside CN only; covers Ascend-910B bought or leased at "
            "sites outside CN");
  // Each reason carries its rule's scope.
  const PeriodPolicy p = engine().period_policy(1);
  EXPECT_EQ(p.share_constraints.at(0).reason.scope, scope("share-cn"));
}

TEST_F(PolicyTest, UseRestrictionDeniesOtherUsesAndIsAConstraint) {
  load(R"(
  - {name: domestic-inference, kind: use_restriction, effective: 2025-01-01, source: FT,
     domestic: true, allowed_uses: [inference]}
)");
  const RuleEngine e = engine();
  EXPECT_TRUE(
      decide(e, {"2025", "cn", "Ascend-910B", Mode::kBuy, Use::kInference, {}, {}}).allowed);
  const Decision training =
      decide(e, {"2025", "cn", "Ascend-910B", Mode::kBuy, Use::kTraining, {}, {}});
  EXPECT_FALSE(training.allowed);
  EXPECT_EQ(training.reasons.at(0).message,
            "Ascend-910B at site cn may not be used for training in period 2025 (only "
            "inference): rule domestic-inference, effective 2025-01-01, source FT");
  // A foreign chip is outside the rule's scope.
  EXPECT_TRUE(decide(e, {"2025", "cn", "H20", Mode::kBuy, Use::kTraining, {}, {}}).allowed);
  // Without a use the option itself is allowed; the planner gets the restriction as data.
  EXPECT_TRUE(decide(e, {"2025", "cn", "Ascend-910B", Mode::kBuy, {}, {}, {}}).allowed);
  const PeriodPolicy p = e.period_policy(0);
  ASSERT_EQ(p.use_constraints.size(), 1u);
  EXPECT_EQ(p.use_constraints[0].allowed_uses, std::vector<Use>{Use::kInference});
  ASSERT_EQ(p.use_constraints[0].terms.size(), 1u);  // only the Ascend option is domestic
  EXPECT_EQ(p.use_constraints[0].terms[0].accelerator, "Ascend-910B");
}

TEST_F(PolicyTest, DomesticShareListsTheTermsOfTheConstraint) {
  load(R"(
  - {name: share-30, kind: domestic_share, effective: 2025-01-01, source: guidance,
     countries: [CN], modes: [buy], min_share: 0.3, basis: spend}
)");
  const PeriodPolicy p = engine().period_policy(1);
  ASSERT_EQ(p.share_constraints.size(), 1u);
  const ShareConstraint& c = p.share_constraints[0];
  EXPECT_DOUBLE_EQ(c.min_share, 0.3);
  EXPECT_EQ(c.basis, scenario::ShareBasis::kSpend);
  // The three buy options at the Chinese site; only Ascend is domestic. The lease abroad
  // is outside the scope.
  ASSERT_EQ(c.terms.size(), 3u);
  EXPECT_EQ(c.terms[0].accelerator, "Ascend-910B");
  EXPECT_TRUE(c.terms[0].domestic);
  EXPECT_FALSE(c.terms[1].domestic);
  EXPECT_FALSE(c.terms[2].domestic);
  EXPECT_EQ(c.reason.message,
            "at least 30 % of accelerators at sites in CN (by spend of acquisitions; what is "
            "placed at other sites does not count) must be domestic in period 2026: rule "
            "share-30, effective 2025-01-01, source guidance");
}

TEST_F(PolicyTest, ShareTermsLeaveOutExcludedOptions) {
  load(std::string(kExportRules) + R"(
  - {name: share-30, kind: domestic_share, effective: 2025-01-01, source: guidance,
     countries: [CN], min_share: 0.3}
)");
  const RuleEngine e = engine();
  // 2025: H200 excluded, so the share counts Ascend and H20 only; 2026: H200 too.
  EXPECT_EQ(e.period_policy(0).share_constraints.at(0).terms.size(), 2u);
  EXPECT_EQ(e.period_policy(1).share_constraints.at(0).terms.size(), 3u);
}

TEST_F(PolicyTest, SupplyCapPerPeriodAndCumulative) {
  load(R"(
  - {name: batch, kind: supply_cap, effective: 2026-02-15, source: seed, accelerators: [H200-SXM],
     max_units: 20000}
  - {name: total, kind: supply_cap, effective: 2025-01-01, source: s, accelerators: [H20],
     max_units: 1000, cumulative: true}
)");
  const RuleEngine e = engine();
  // 2026-02-15 .. 2026-12-31 = 320 of 365 days: the cap applies to 2026, not to 2025.
  const PeriodPolicy p2025 = e.period_policy(0);
  const PeriodPolicy p2026 = e.period_policy(1);
  ASSERT_EQ(p2025.cap_constraints.size(), 1u);
  EXPECT_EQ(p2025.cap_constraints[0].rule, "total");
  ASSERT_EQ(p2026.cap_constraints.size(), 2u);
  EXPECT_EQ(p2026.cap_constraints[0].rule, "batch");
  EXPECT_EQ(p2026.cap_constraints[0].max_units, 20000);
  ASSERT_EQ(p2026.cap_constraints[0].terms.size(), 1u);
  EXPECT_EQ(p2026.cap_constraints[0].terms[0].procurement, "H200-SXM-buy");
  EXPECT_EQ(p2026.cap_constraints[0].periods, std::vector<std::string>{"2026"});
  EXPECT_TRUE(p2026.cap_constraints[1].cumulative);
  EXPECT_EQ(p2026.cap_constraints[1].periods, (std::vector<std::string>{"2025", "2026"}));
}

TEST_F(PolicyTest, CumulativeCapCoversEveryQuarterItTouches) {
  std::string base = kBase;
  const std::string years =
      R"(  - {name: "2025", start: 2025-01-01, end: 2025-12-31, budget: 1 bn USD}
  - {name: "2026", start: 2026-01-01, end: 2026-12-31, budget: 1 bn USD}
)";
  const std::string quarters =
      R"(  - {name: 2026-Q1, start: 2026-01-01, end: 2026-03-31, budget: 1 bn USD}
  - {name: 2026-Q2, start: 2026-04-01, end: 2026-06-30, budget: 1 bn USD}
  - {name: 2026-Q3, start: 2026-07-01, end: 2026-09-30, budget: 1 bn USD}
  - {name: 2026-Q4, start: 2026-10-01, end: 2026-12-31, budget: 1 bn USD}
)";
  base.replace(base.find(years), years.size(), quarters);
  auto s = scenario::load_scenario_text(base + R"(rules:
  - {name: batch, kind: supply_cap, effective: 2026-02-15, source: seed,
     accelerators: [H200-SXM], max_units: 20000, cumulative: true}
)",
                                        "q.yaml", shared_catalog());
  ASSERT_TRUE(s.ok()) << s.error().message;
  scenario_ = std::move(s).value();
  const RuleEngine e = engine();
  // In force on 45 of Q1's 90 days (02-15 .. 03-31): not a majority, but every unit
  // delivered under the licence counts, so Q1 is capped together with Q2..Q4.
  const PeriodPolicy q1 = e.period_policy(0);
  ASSERT_EQ(q1.cap_constraints.size(), 1u);
  EXPECT_EQ(q1.cap_constraints[0].periods,
            (std::vector<std::string>{"2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"}));
  EXPECT_EQ(e.period_policy(3).cap_constraints.at(0).periods, q1.cap_constraints[0].periods);
}

TEST_F(PolicyTest, RulesCanBeDisabledAndVariantsEnabledByName) {
  load(std::string(kExportRules) + R"(
  - {name: variant, kind: export_control, enabled: false, effective: 2024-01-01, source: s,
     accelerators: [Ascend-910B]}
)");
  EXPECT_FALSE(decide(engine(), {"2025", "cn", "H200-SXM", Mode::kBuy, {}, {}, {}}).allowed);
  EXPECT_TRUE(
      decide(engine({"us-export-2023-10"}), {"2025", "cn", "H200-SXM", Mode::kBuy, {}, {}, {}})
          .allowed);
  EXPECT_TRUE(decide(engine(), {"2025", "cn", "Ascend-910B", Mode::kBuy, {}, {}, {}}).allowed);
  EXPECT_FALSE(
      decide(engine({}, {"variant"}), {"2025", "cn", "Ascend-910B", Mode::kBuy, {}, {}, {}})
          .allowed);
  EXPECT_EQ(engine().active_rules(),
            (std::vector<std::string>{"us-export-2023-10", "us-h200-approved"}));
  EXPECT_EQ(rule_names(scenario_),
            (std::vector<std::string>{"us-export-2023-10", "us-h200-approved"}));
  auto bad = RuleEngine::create(scenario_, shared_catalog(), {"no-such-rule"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "unknown rule 'no-such-rule' in scenario 'policy-test'; its rules are: "
            "us-export-2023-10, us-h200-approved, variant");
}

TEST_F(PolicyTest, UnknownNamesInQueriesAreErrors) {
  load(kExportRules);
  const RuleEngine e = engine();
  EXPECT_EQ(e.evaluate({"2030", "cn", "H20", Mode::kBuy, {}, {}, {}}).error().kind,
            ErrorKind::kNotFound);
  EXPECT_EQ(e.evaluate({"2025", "mars", "H20", Mode::kBuy, {}, {}, {}}).error().kind,
            ErrorKind::kNotFound);
  EXPECT_EQ(e.evaluate({"2025", "cn", "H2O", Mode::kBuy, {}, {}, {}}).error().kind,
            ErrorKind::kNotFound);
}

// The reference scenario's 2026 policy, as the seed facts describe it.
TEST_F(PolicyTest, Bytedance2026Policy) {
  auto s = scenario::load_scenario("bytedance-2026", shared_catalog());
  ASSERT_TRUE(s.ok()) << s.error().message;
  scenario_ = std::move(s).value();
  const RuleEngine e = engine();
  const PeriodPolicy p = e.period_policy(0);
  // H200 bought for China: allowed from 2025-12-08 (overrides the 2023 rule) and capped at
  // the 20,000 units ByteDance is reported to want.
  EXPECT_FALSE(p.is_excluded("H200-SXM-buy", "cn-north"));
  ASSERT_EQ(p.cap_constraints.size(), 1u);
  EXPECT_EQ(p.cap_constraints[0].max_units, 20000);
  // New H20 orders blocked by the Chinese regulators' guidance; leases at the unverified
  // operator closed by the January 2025 rule; Ascend kept in China.
  EXPECT_TRUE(p.is_excluded("H20-buy", "cn-north"));
  EXPECT_TRUE(p.is_excluded("H100-SXM-lease", "sea-unverified"));
  EXPECT_FALSE(p.is_excluded("H100-SXM-lease", "my-verified"));
  EXPECT_TRUE(p.is_excluded("Ascend-910B-buy", "my-verified"));
  ASSERT_EQ(p.share_constraints.size(), 1u);
  EXPECT_DOUBLE_EQ(p.share_constraints[0].min_share, 0.3);
  // Without the verification rule the lease route reopens; with the customs variant on,
  // H200 is blocked again.
  EXPECT_FALSE(engine({"us-lease-verification-2025-01"})
                   .period_policy(0)
                   .is_excluded("H100-SXM-lease", "sea-unverified"));
  // With the customs variant on, H200 is blocked again from 2026-01-15: day by day the year
  // keeps 14 allowed days (01-01 .. 01-14), none of them on or after the first delivery
  // (2026-02-15), so nothing bought can be delivered.
  const RuleEngine customs = engine({}, {"cn-customs-h200-2026-01"});
  const Decision whole = decide(customs, {"2026", "cn-north", "H200-SXM", Mode::kBuy, {}, {}, {}});
  EXPECT_DOUBLE_EQ(whole.allowed_fraction, 14.0 / 365.0);
  Query from_delivery{"2026", "cn-north", "H200-SXM", Mode::kBuy, {}, {}, {}};
  from_delivery.from = parse_date("2026-02-15").value();
  const Decision delivered = decide(customs, from_delivery);
  EXPECT_FALSE(delivered.allowed);
  EXPECT_FALSE(delivered.first_allowed.has_value());
  EXPECT_TRUE(decide(e, from_delivery).allowed);
}

}  // namespace
}  // namespace fleetplan::policy
