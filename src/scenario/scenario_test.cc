#include "scenario/scenario.h"
#include "catalog/test_catalog.h"

#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include <cmath>

namespace fleetplan::scenario {
namespace {

// A small valid scenario; the error tests edit one line of it. Line numbers matter: the
// expected messages below count lines and columns in this text (1-based).
constexpr const char kBase[] = R"(name: t
services:
  - name: chat
    kind: inference
    model: llama3.1-8b
    input_len: 1000
    output_len: 250
    ttft_ms: 1000
    tpot_ms: 50
sites:
  - name: home
    country: CN
    power: 100 MW
    pue: 1.2
    energy_price_per_kwh: 0.5 CNY
    ownership: owned
    operator: us
    operator_verified: true
periods:
  - name: "2026"
    start: 2026-01-01
    end: 2026-12-31
    budget: 160 bn CNY
    exchange_rates: {CNY: 6.96}
    demand:
      - service: chat
        tokens_per_day: 1e12
procurement:
  - accelerator: H100-SXM
    mode: buy
    unit_price: 28000 USD
    server_overhead: 0.5
    depreciation_years: 5
)";

class ScenarioTest : public ::testing::Test {
 protected:
  // The built-in catalog, loaded once for the whole suite.
  static const catalog::Catalog& shared_catalog() { return catalog::testing::builtin_catalog(); }

  static Result<Scenario> load(const std::string& text) {
    return load_scenario_text(text, "t.yaml", shared_catalog());
  }
  // kBase with the first occurrence of `from` replaced by `to`.
  static std::string edit(const std::string& from, const std::string& to) {
    std::string text = kBase;
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    return text;
  }
  static std::string error_of(const std::string& text) {
    auto s = load(text);
    EXPECT_FALSE(s.ok());
    return s.ok() ? std::string() : s.error().message;
  }
};

TEST(Date, ParsesCalendarDatesAndCountsDays) {
  auto d = parse_date("2024-02-29");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->to_string(), "2024-02-29");
  EXPECT_EQ(parse_date("1970-01-01")->days_since_epoch(), 0);
  // 2000 was a leap year: 366 days from 2000-01-01 to 2001-01-01.
  EXPECT_EQ(
      parse_date("2001-01-01")->days_since_epoch() - parse_date("2000-01-01")->days_since_epoch(),
      366);
  EXPECT_EQ(add_days(*parse_date("2025-12-31"), 1).to_string(), "2026-01-01");
  EXPECT_FALSE(parse_date("2025-02-29").ok());  // not a leap year
  EXPECT_FALSE(parse_date("2025-13-01").ok());
  EXPECT_FALSE(parse_date("2025-1-01").ok());
  EXPECT_FALSE(parse_date("25-01-01xx").ok());
}

TEST_F(ScenarioTest, LoadsAndConvertsMoneyWithThePeriodRate) {
  auto s = load(kBase);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->periods.size(), 1u);
  const Period& p = s->periods[0];
  EXPECT_EQ(p.days(), 365);
  EXPECT_DOUBLE_EQ(p.budget.amount, 160e9);
  EXPECT_EQ(p.budget.currency, "CNY");
  EXPECT_EQ(p.budget.year, 2026);  // the period's year when the file gives none
  EXPECT_DOUBLE_EQ(p.budget_usd, 160e9 / 6.96);
  // tokens_per_day split by the service's lengths: 1000 in, 250 out -> 80 % input.
  ASSERT_EQ(p.demand.size(), 1u);
  EXPECT_DOUBLE_EQ(p.demand[0].input_tokens_per_day, 0.8e12);
  EXPECT_DOUBLE_EQ(p.demand[0].output_tokens_per_day, 0.2e12);
  // Buy price includes the server overhead: 28,000 x 1.5.
  ASSERT_EQ(s->procurement.size(), 1u);
  EXPECT_EQ(s->procurement[0].name, "H100-SXM-buy");
  EXPECT_DOUBLE_EQ(*s->procurement[0].unit_cost_usd(p), 42000.0);
  EXPECT_DOUBLE_EQ(s->sites[0].power_w, 100e6);
  // Energy in CNY converts at 6.96 per USD.
  EXPECT_DOUBLE_EQ(*p.to_usd(s->sites[0].energy_price_per_kwh), 0.5 / 6.96);
}

TEST_F(ScenarioTest, UnknownFieldNamesLineColumnAndPath) {
  EXPECT_EQ(error_of(edit("    pue: 1.2\n", "    pue: 1.2\n    puee: 1.3\n")),
            "t.yaml:15:5: sites[0].puee: unknown field 'puee'");
}

TEST_F(ScenarioTest, WrongPowerUnit) {
  EXPECT_EQ(error_of(edit("power: 100 MW", "power: 100 MWh")),
            "t.yaml:13:12: sites[0].power: '100 MWh': unknown power unit 'MWh'; expected W, kW, "
            "MW or GW");
}

TEST_F(ScenarioTest, MoneyWithoutCurrency) {
  const std::string message = error_of(edit("budget: 160 bn CNY", "budget: 160"));
  EXPECT_EQ(message.rfind("t.yaml:23:13: periods[0].budget: '160': currency", 0), 0u) << message;
}

TEST_F(ScenarioTest, NegativeBudget) {
  EXPECT_EQ(error_of(edit("budget: 160 bn CNY", "budget: -5 bn CNY")),
            "t.yaml:23:13: periods[0].budget: '-5 bn CNY' is negative; expected an amount >= 0");
}

TEST_F(ScenarioTest, EndBeforeStart) {
  EXPECT_EQ(error_of(edit("end: 2026-12-31", "end: 2025-12-31")),
            "t.yaml:22:10: periods[0].end: 2025-12-31 is before the start 2026-01-01; expected "
            "end >= start");
}

TEST_F(ScenarioTest, BadDate) {
  EXPECT_EQ(error_of(edit("start: 2026-01-01", "start: 2026-02-30")),
            "t.yaml:21:12: periods[0].start: '2026-02-30' is not a calendar date; expected "
            "YYYY-MM-DD with a month 01-12 and a day that exists in that month");
}

TEST_F(ScenarioTest, OverlappingPeriods) {
  const std::string second = R"(  - name: late
    start: 2026-06-01
    end: 2027-05-31
    budget: 1 bn USD
procurement:
)";
  // The second period replaces line 28 (`procurement:`), so its start is on line 29.
  EXPECT_EQ(error_of(edit("procurement:\n", second)),
            "t.yaml:29:12: periods[1].start: 2026-06-01 overlaps or precedes period '2026' "
            "(2026-01-01 to 2026-12-31); periods must be in time order and must not overlap");
}

TEST_F(ScenarioTest, UnknownAcceleratorSuggestsNearNames) {
  const std::string message = error_of(edit("accelerator: H100-SXM", "accelerator: H100-SXN"));
  EXPECT_EQ(message.rfind("t.yaml:29:18: procurement[0].accelerator: unknown accelerator "
                          "'H100-SXN'; closest known: H100-SXM",
                          0),
            0u)
      << message;
}

TEST_F(ScenarioTest, UnknownModel) {
  const std::string message = error_of(edit("model: llama3.1-8b", "model: llama9"));
  EXPECT_EQ(message.rfind("t.yaml:5:12: services[0].model: unknown model 'llama9'", 0), 0u)
      << message;
}

TEST_F(ScenarioTest, AcceleratorWithoutFiguresCannotBePlanned) {
  const std::string message = error_of(edit("accelerator: H100-SXM", "accelerator: MLU590"));
  EXPECT_EQ(message.rfind("t.yaml:29:18: procurement[0].accelerator: accelerator 'MLU590' has "
                          "no performance figures",
                          0),
            0u)
      << message;
}

TEST_F(ScenarioTest, CurrencyWithoutExchangeRate) {
  EXPECT_EQ(error_of(edit("unit_price: 28000 USD", "unit_price: 28000 EUR")),
            "t.yaml:31:17: procurement[0].unit_price: currency EUR has no exchange rate in "
            "period '2026'; add it to periods[].exchange_rates (units per USD)");
}

TEST_F(ScenarioTest, DemandForUnknownService) {
  EXPECT_EQ(error_of(edit("service: chat", "service: chta")),
            "t.yaml:26:18: periods[0].demand[0].service: unknown service 'chta'; expected one "
            "of: chat");
}

TEST_F(ScenarioTest, LeaseFieldOnABuyOption) {
  EXPECT_EQ(error_of(edit("    depreciation_years: 5\n",
                          "    depreciation_years: 5\n    min_term_months: 12\n")),
            "t.yaml:34:22: procurement[0].min_term_months: 'min_term_months' applies to mode "
            "lease; expected none for mode buy");
}

TEST_F(ScenarioTest, RuleErrors) {
  const std::string rule = R"(rules:
  - name: r
    kind: export_control
    effective: 2025-01-01
    until: 2024-01-01
    source: test
)";
  EXPECT_EQ(error_of(kBase + rule),
            "t.yaml:38:12: rules[0].until: 2024-01-01 is before the effective date 2025-01-01; "
            "expected until >= effective");
  const std::string wrong_kind = R"(rules:
  - name: r
    kind: export_control
    effective: 2025-01-01
    source: test
    min_share: 0.3
)";
  EXPECT_EQ(error_of(kBase + wrong_kind),
            "t.yaml:39:16: rules[0].min_share: 'min_share' is a parameter of kind "
            "domestic_share, not of kind export_control");
  const std::string no_source = R"(rules:
  - name: r
    kind: supply_cap
    effective: 2025-01-01
    max_units: 10
)";
  EXPECT_EQ(error_of(kBase + no_source),
            "t.yaml:35:5: rules[0].source: required text field is missing");
  const std::string bad_kind = R"(rules:
  - name: r
    kind: tariff
    effective: 2025-01-01
    source: test
)";
  EXPECT_EQ(error_of(kBase + bad_kind),
            "t.yaml:36:11: rules[0].kind: 'tariff' is not allowed; expected one of: "
            "export_control, domestic_share, lease_verification, use_restriction, supply_cap");
}

TEST_F(ScenarioTest, UnknownAssumption) {
  EXPECT_EQ(error_of(edit("    tpot_ms: 50\n", "    tpot_ms: 50\n    assumption: guess\n")),
            "t.yaml:10:17: services[0].assumption: unknown assumption 'guess'; expected one of: ");
}

TEST_F(ScenarioTest, DuplicateKeyIsAnError) {
  // yaml-cpp keeps both keys; a silent choice between them would hide an edit.
  EXPECT_EQ(error_of(edit("    pue: 1.2\n", "    pue: 1.2\n    pue: 1.3\n")),
            "t.yaml:15:5: sites[0].pue: duplicate key 'pue' (first at line 14)");
}

// Issue 8 A1: location_of assigned one yaml-cpp node to another (`at = at[key]`), which
// wrote the `assumption:` value over the whole mapping: a misspelt field beside it was
// accepted, and a period citing an assumption for its budget lost its demand.
constexpr const char kAssumptions[] =
    "assumptions:\n  - name: guess\n    value: a guess\n    reasoning: for the test\n";

TEST_F(ScenarioTest, AFieldBesideAnAssumptionIsStillChecked) {
  const std::string text = kAssumptions + edit("    tpot_ms: 50\n",
                                               "    tpot_ms: 50\n    assumption: guess\n"
                                               "    tpot_msx: 40\n");
  // kBase line 11 plus the four lines of kAssumptions.
  EXPECT_EQ(error_of(text), "t.yaml:15:5: services[0].tpot_msx: unknown field 'tpot_msx'");
}

TEST_F(ScenarioTest, APeriodCitingAnAssumptionKeepsItsDemand) {
  const std::string text = kAssumptions + edit("    budget: 160 bn CNY\n",
                                               "    budget: 160 bn CNY\n    assumption: guess\n");
  auto s = load(text);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->periods.size(), 1u);
  EXPECT_EQ(s->periods[0].budget_provenance.assumption, "guess");
  ASSERT_EQ(s->periods[0].demand.size(), 1u);
  EXPECT_DOUBLE_EQ(s->periods[0].demand[0].tokens_per_day(), 1e12);
  EXPECT_DOUBLE_EQ(s->periods[0].budget.amount, 160e9);
}

// Issue 8 A3: a report currency without an exchange rate was converted at 1.0.
TEST_F(ScenarioTest, ReportCurrencyNeedsARateInEveryPeriod) {
  const std::string text = edit("sites:\n", "settings:\n  report_currency: EUR\nsites:\n");
  EXPECT_EQ(error_of(text),
            "t.yaml:11:20: settings.report_currency: report currency EUR has no exchange rate in "
            "period '2026'; add it to periods[].exchange_rates (units per USD) or report in USD");
  // With the rate it loads.
  EXPECT_TRUE(load(edit("sites:\n", "settings:\n  report_currency: CNY\nsites:\n")).ok());
}

// Issue 8 A3: a request beyond the model's context window made the plan "infeasible" (exit 3)
// or served nothing of the service; it is bad input. llama3.1-8b's window is 131,072 tokens.
TEST_F(ScenarioTest, RequestsBeyondTheContextWindowAreBadInput) {
  EXPECT_EQ(error_of(edit("output_len: 250", "output_len: 130073")),
            "t.yaml:7:17: services[0].output_len: input_len 1000 + output_len 130073 = 131073 "
            "tokens exceed llama3.1-8b's context window of 131072 tokens");
  EXPECT_TRUE(load(edit("output_len: 250", "output_len: 130072")).ok());
}

TEST_F(ScenarioTest, TrainingGpuHoursBecomeFlop) {
  const std::string text = edit("      - service: chat\n        tokens_per_day: 1e12\n",
                                "      - service: chat\n        tokens_per_day: 1e12\n"
                                "      - service: train\n        gpu_hours: 1000\n"
                                "        accelerator: H100-SXM\n") +
                           "";
  const std::string with_service = [&] {
    std::string t = text;
    t.replace(t.find("sites:\n"), 7,
              "  - name: train\n    kind: training\n    model: llama3.1-8b\nsites:\n");
    return t;
  }();
  auto s = load(with_service);
  ASSERT_TRUE(s.ok()) << s.error().message;
  const Demand* d = s->periods[0].demand_for("train");
  ASSERT_NE(d, nullptr);
  // 1000 h x 3600 s x 989 TFLOP/s (H100 dense BF16) x 0.4 (default MFU).
  EXPECT_DOUBLE_EQ(d->training_flop, 1000.0 * 3600.0 * 989e12 * 0.4);
}

// The demand entry's old training names (before one vocabulary with a training job's `flop`
// and `accelerator`) are refused with their new names, located at the old key.
TEST_F(ScenarioTest, RenamedTrainingDemandFieldsNameTheirNewNames) {
  const auto with_training = [&](const std::string& entry) {
    std::string t = edit("      - service: chat\n        tokens_per_day: 1e12\n",
                         "      - service: chat\n        tokens_per_day: 1e12\n"
                         "      - service: train\n" +
                             entry);
    t.replace(t.find("sites:\n"), 7,
              "  - name: train\n    kind: training\n    model: llama3.1-8b\nsites:\n");
    return t;
  };
  for (const auto& [old_name, new_name, value] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"training_flop", "flop", "1e24"},
           {"training_gpu_hours", "gpu_hours", "1000"},
           {"training_gpu_hours_accelerator", "accelerator", "H100-SXM"}}) {
    const std::string message =
        error_of(with_training("        " + old_name + ": " + value + "\n"));
    EXPECT_NE(message.find(": periods[0].demand[1]." + old_name + ": `" + old_name +
                           "` was renamed `" + new_name + "`"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.rfind("t.yaml:", 0), 0U) << message;
  }
  auto ok = load(with_training("        flop: 1e24\n"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_DOUBLE_EQ(ok->periods[0].demand_for("train")->training_flop, 1e24);
}

// `prefix_cache_hit` was renamed `prefix_cache_hit_share` (a share, 0 to 0.99): the old name
// says so instead of "unknown field".
TEST_F(ScenarioTest, RenamedPrefixCacheHitNamesItsNewName) {
  EXPECT_EQ(error_of(edit("    tpot_ms: 50\n", "    tpot_ms: 50\n    prefix_cache_hit: 0.5\n")),
            "t.yaml:10:5: services[0].prefix_cache_hit: `prefix_cache_hit` was renamed "
            "`prefix_cache_hit_share`");
}

// The reference scenarios carry the published figures of data/reference/seed-facts.md.
class ReferenceScenarios : public ScenarioTest {};

TEST_F(ReferenceScenarios, BuiltinListHasTheFour) {
  const auto list = builtin_scenarios();
  std::vector<std::string> names;
  names.reserve(list.size());
  for (const auto& s : list) {
    names.push_back(s.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"bytedance-2025-ft", "bytedance-2025-reuters",
                                             "bytedance-2026", "bytedance-2026-quarterly"}));
  EXPECT_FALSE(builtin_scenario_path("nope").ok());
  EXPECT_EQ(builtin_scenario_path("nope").error().kind, ErrorKind::kNotFound);
}

TEST_F(ReferenceScenarios, EveryFigureHasASourceOrAnAssumption) {
  for (const auto& b : builtin_scenarios()) {
    auto s = load_scenario(b.name, shared_catalog());
    ASSERT_TRUE(s.ok()) << s.error().message;
    const auto sourced = [](const Provenance& p) {
      return !p.source.empty() || !p.assumption.empty();
    };
    for (const auto& x : s->services) {
      EXPECT_TRUE(sourced(x.provenance)) << b.name << " service " << x.name;
    }
    for (const auto& x : s->sites) {
      EXPECT_TRUE(sourced(x.provenance)) << b.name << " site " << x.name;
    }
    for (const auto& x : s->procurement) {
      EXPECT_TRUE(sourced(x.provenance)) << b.name << " procurement " << x.name;
    }
    for (const auto& x : s->installed) {
      EXPECT_TRUE(sourced(x.provenance)) << b.name << " installed " << x.accelerator;
    }
    for (const auto& p : s->periods) {
      EXPECT_TRUE(sourced(p.budget_provenance)) << b.name << " budget " << p.name;
      EXPECT_FALSE(p.exchange_rates_source.empty()) << b.name << " rates " << p.name;
      for (const auto& d : p.demand) {
        EXPECT_TRUE(sourced(d.provenance)) << b.name << " demand " << d.service;
      }
      for (const auto& l : p.budget_lines) {
        EXPECT_TRUE(sourced(l.provenance)) << b.name << " budget line " << l.name;
      }
    }
    for (const auto& r : s->rules) {
      EXPECT_FALSE(r.source.empty()) << b.name << " rule " << r.name;
    }
    EXPECT_TRUE(sourced(s->settings.provenance)) << b.name << " settings";
    EXPECT_FALSE(s->assumptions.empty());
  }
}

TEST_F(ReferenceScenarios, Bytedance2026HasThePublishedFigures) {
  auto s = load_scenario("bytedance-2026", shared_catalog());
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->periods.size(), 1u);
  const Period& p = s->periods[0];
  // FT, Dec 2025: 160 bn CNY (about 23 bn USD); 85 bn CNY for advanced AI processors.
  EXPECT_DOUBLE_EQ(p.budget.amount, 160e9);
  EXPECT_EQ(p.budget.currency, "CNY");
  EXPECT_DOUBLE_EQ(p.exchange_rates.at("CNY"), 6.96);
  EXPECT_NEAR(p.budget_usd, 23e9, 0.05e9);
  ASSERT_EQ(p.budget_lines.size(), 1u);
  EXPECT_DOUBLE_EQ(p.budget_lines[0].amount.amount, 85e9);
  EXPECT_EQ(p.budget_lines[0].amount.currency, "CNY");
  // Seed facts: 20,000 H200 at about 20,000 USD each, shipments from mid-February 2026.
  const Procurement* h200 = nullptr;
  for (const auto& o : s->procurement) {
    if (o.accelerator == "H200-SXM") {
      h200 = &o;
    }
  }
  ASSERT_NE(h200, nullptr);
  EXPECT_DOUBLE_EQ(h200->unit_price.amount, 20000);
  EXPECT_EQ(h200->unit_price.currency, "USD");
  EXPECT_EQ(h200->available_from->to_string(), "2026-02-15");
  const Rule* cap = s->rule("h200-licence-batch-2026");
  ASSERT_NE(cap, nullptr);
  EXPECT_EQ(cap->kind, RuleKind::kSupplyCap);
  EXPECT_EQ(cap->max_units, 20000);
  // Informal guidance: at least 30 % domestic; 60 % is the reported order split (variant).
  EXPECT_DOUBLE_EQ(s->rule("cn-domestic-share-30")->min_share, 0.3);
  EXPECT_TRUE(s->rule("cn-domestic-share-30")->enabled);
  EXPECT_DOUBLE_EQ(s->rule("cn-domestic-share-60")->min_share, 0.6);
  EXPECT_FALSE(s->rule("cn-domestic-share-60")->enabled);
  // US allowed H200 exports on 2025-12-08; the 2023 rule took effect on 2023-11-17.
  EXPECT_EQ(s->rule("us-h200-approved-2025-12")->effective.to_string(), "2025-12-08");
  EXPECT_TRUE(s->rule("us-h200-approved-2025-12")->allow);
  EXPECT_EQ(s->rule("us-export-2023-10")->effective.to_string(), "2023-11-17");
  // Seed facts: 2024 orders of about 230,000 Nvidia chips, mostly H20.
  ASSERT_FALSE(s->installed.empty());
  EXPECT_EQ(s->installed[0].accelerator, "H20");
  EXPECT_EQ(s->installed[0].count, 230000);
  // Demand: 100 T tokens a day at the end of 2026 (assumption demand-2026), half on the
  // flagship model (Doubao chat and the API), half on the light model (service-mix).
  double tokens = 0;
  for (const auto& d : p.demand) {
    tokens += d.tokens_per_day();
  }
  EXPECT_NEAR(tokens, 100e12, 1e3);
  EXPECT_NEAR(p.demand_for("light-apps")->tokens_per_day(), 50e12, 1e3);
  // Doubao chat from its users: logistic towards 250 M through 157 M (2025-08-15) and 159 M
  // (2025-10-15), continued 442 days to 2026-12-31; x 35 % a day x 10 requests x 2,400 tokens.
  const double a = std::log(157.0 / 93.0);
  const double b = std::log(159.0 / 91.0);
  const double users = 250e6 / (1 + std::exp(-(b + (b - a) * 442.0 / 61.0)));
  const Demand* chat = p.demand_for("doubao-chat");
  ASSERT_NE(chat, nullptr);
  EXPECT_NEAR(chat->users, users, 1);
  EXPECT_NEAR(chat->tokens_per_day(), users * 0.35 * 10 * 2400, 1e3);
  EXPECT_NEAR(p.demand_for("api-flagship")->tokens_per_day(), 50e12 - chat->tokens_per_day(), 1e3);
  // The peak hour of chat comes from its diurnal profile: 21:00.
  EXPECT_EQ(s->service("doubao-chat")->diurnal->peak_hour(), 21);
  // Training from the compute plan, not from the budget: two jobs at one site each.
  ASSERT_EQ(s->training_jobs.size(), 2u);
  EXPECT_DOUBLE_EQ(s->training_jobs[0].flop, 4e25);
  EXPECT_EQ(s->training_jobs[1].cluster_accelerators, 8192);
}

TEST_F(ReferenceScenarios, Bytedance2025FtHasThePublishedFigures) {
  auto s = load_scenario("bytedance-2025-ft", shared_catalog());
  ASSERT_TRUE(s.ok()) << s.error().message;
  const Period& p = s->periods.at(0);
  // FT, Jan 2025: > 12 bn USD of chips and compute (a line on the accelerators and the
  // leases); 40 bn CNY (about 5.5 bn USD) of chips in China; about 6.8 bn USD overseas;
  // 40 bn CNY = 5.5 bn USD implies 7.27 CNY/USD. The all-in ceiling is Reuters' 150 bn CNY.
  EXPECT_DOUBLE_EQ(p.budget.amount, 150e9);
  EXPECT_EQ(p.budget.currency, "CNY");
  EXPECT_DOUBLE_EQ(p.exchange_rates.at("CNY"), 7.27);
  ASSERT_EQ(p.budget_lines.size(), 3u);
  EXPECT_DOUBLE_EQ(p.budget_lines[0].usd, 12e9);
  EXPECT_EQ(p.budget_lines[0].items, (std::vector<std::string>{"accelerators", "leases"}));
  EXPECT_DOUBLE_EQ(p.budget_lines[1].amount.amount, 40e9);
  EXPECT_EQ(p.budget_lines[1].amount.currency, "CNY");
  EXPECT_NEAR(p.budget_lines[1].usd, 5.5e9, 0.01e9);
  EXPECT_DOUBLE_EQ(p.budget_lines[2].usd, 6.8e9);
  // A backtest of January 2025: the rules announced later are variants, off.
  for (const char* later :
       {"us-h20-licence-2025-04", "us-ascend-guidance-2025-05", "cn-h20-guidance-2025-09",
        "us-h200-approved-2025-12", "h200-licence-batch-2026"}) {
    ASSERT_NE(s->rule(later), nullptr) << later;
    EXPECT_FALSE(s->rule(later)->enabled) << later;
  }
  for (const char* known :
       {"us-export-2023-10", "us-lease-verification-2025-01", "cn-domestic-share-30"}) {
    ASSERT_NE(s->rule(known), nullptr) << known;
    EXPECT_TRUE(s->rule(known)->enabled) << known;
  }
  // Full cost of ownership: a data-centre build price at the owned sites, rent abroad.
  EXPECT_TRUE(s->cost_of_ownership.given);
  EXPECT_TRUE(s->site("cn-north")->data_centre_per_mw.has_value());
  EXPECT_TRUE(s->site("my-verified")->colocation_per_kw_month.has_value());
  // Seed facts: 50 T tokens a day in December 2025.
  EXPECT_DOUBLE_EQ(
      p.demand_for("doubao-chat")->tokens_per_day() + p.demand_for("light-apps")->tokens_per_day(),
      50e12);
  // Training demand = 6.8 bn USD / 2.2 USD per H100-hour, rounded to 3.09 bn hours.
  EXPECT_NEAR(*p.demand_for("foundation-training")->training_gpu_hours, 6.8e9 / 2.2, 0.001e9);
}

TEST_F(ReferenceScenarios, Bytedance2025ReutersHasThePublishedFigures) {
  auto s = load_scenario("bytedance-2025-reuters", shared_catalog());
  ASSERT_TRUE(s.ok()) << s.error().message;
  const Period& p = s->periods.at(0);
  // Reuters, Jan 2025: 150 bn CNY (about 20 bn USD).
  EXPECT_DOUBLE_EQ(p.budget.amount, 150e9);
  EXPECT_EQ(p.budget.currency, "CNY");
  EXPECT_NEAR(p.budget_usd, 20e9, 0.7e9);
  EXPECT_TRUE(p.budget_lines.empty());
}

// The options registry gives the settings their defaults and ranges (settings_options.cc).
TEST_F(ScenarioTest, SettingsDefaultsComeFromTheOptionsRegistry) {
  auto s = load(kBase);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_DOUBLE_EQ(s->settings.gap, 1e-3);
  EXPECT_EQ(s->settings.node_limit, 2000);
  EXPECT_DOUBLE_EQ(s->settings.planning_utilization, 1.0);
  for (const auto& spec : settings_options().all()) {
    EXPECT_FALSE(spec.doc.empty()) << spec.name;
    EXPECT_NE(spec.scopes, 0u) << spec.name;
  }
}

TEST_F(ScenarioTest, SolverSettingsCanBeSetAndAreRangeChecked) {
  auto s = load(std::string(kBase) + "settings:\n  node_limit: 500\n  gap: 0.01\n");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->settings.node_limit, 500);
  EXPECT_DOUBLE_EQ(s->settings.gap, 0.01);
  const std::string fraction = error_of(std::string(kBase) + "settings:\n  node_limit: 8.5\n");
  EXPECT_NE(fraction.find("settings.node_limit"), std::string::npos) << fraction;
  const std::string share =
      error_of(std::string(kBase) + "settings:\n  planning_utilization: 1.5\n");
  EXPECT_NE(share.find("settings.planning_utilization"), std::string::npos) << share;
}

}  // namespace
}  // namespace fleetplan::scenario

namespace fleetplan::scenario {
namespace {

// The fields of issue 10: supply pools, lot sizes, minimum orders, lead times, placement.
constexpr const char kPools[] = R"(supply_pools:
  - name: dies
    unit: dies
    attainable_share: 0.5
    source: test
    capacity:
      - {start: 2026-01-01, end: 2026-12-31, units: 1000, source: test}
    draws:
      - {accelerator: H100-SXM, units_per_accelerator: 2}
)";

class RealismFields : public ScenarioTest {
 protected:
  static bool has(const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
  }
};

TEST_F(RealismFields, SupplyPoolsLotsAndPlacementAreRead) {
  std::string text = edit("    depreciation_years: 5\n",
                          "    depreciation_years: 5\n    lot_size: 8\n    min_order: 1024\n"
                          "    lead_time_days: 90\n") +
                     kPools;
  const auto at = text.find("    tpot_ms: 50\n");
  text.replace(at, 16,
               "    tpot_ms: 50\n    allowed_countries: [CN]\n    latency_classes: [near]\n");
  const auto site = text.find("    operator_verified: true\n");
  text.replace(site, 28, "    operator_verified: true\n    latency_class: near\n");
  auto s = load(text);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->supply_pools.size(), 1u);
  const SupplyPool& pool = s->supply_pools[0];
  EXPECT_EQ(pool.unit, "dies");
  EXPECT_DOUBLE_EQ(pool.attainable_share, 0.5);
  ASSERT_EQ(pool.capacity.size(), 1u);
  EXPECT_DOUBLE_EQ(pool.capacity[0].units, 1000);
  ASSERT_EQ(pool.draws.size(), 1u);
  EXPECT_DOUBLE_EQ(pool.draws[0].units_per_accelerator, 2);
  EXPECT_EQ(s->procurement[0].lot_size, 8);
  EXPECT_EQ(s->procurement[0].min_order, 1024);
  EXPECT_EQ(s->procurement[0].lead_time_days, 90);
  EXPECT_EQ(s->services[0].allowed_countries, std::vector<std::string>{"CN"});
  EXPECT_EQ(s->services[0].latency_classes, std::vector<std::string>{"near"});
  EXPECT_EQ(s->sites[0].latency_class, "near");
  // Day by day is the default coverage.
  EXPECT_EQ(s->settings.rule_coverage, RuleCoverage::kDays);
}

TEST_F(RealismFields, BadValuesHaveLocatedErrors) {
  // A minimum order that is not a whole number of lots.
  std::string e = error_of(edit("    depreciation_years: 5\n",
                                "    depreciation_years: 5\n    lot_size: 384\n"
                                "    min_order: 1000\n"));
  EXPECT_TRUE(has(e, "t.yaml:")) << e;
  EXPECT_TRUE(has(e, "procurement[0].min_order: 1000 is not a whole number of lots of 384")) << e;
  // A pool drawn by an accelerator the catalog does not know.
  std::string pools = kPools;
  pools.replace(pools.find("accelerator: H100-SXM"), 21, "accelerator: H100-SXN");
  e = error_of(std::string(kBase) + pools);
  EXPECT_TRUE(has(e, "supply_pools[0].draws[0].accelerator")) << e;
  // A capacity that ends before it starts, and a share above 1.
  pools = kPools;
  pools.replace(pools.find("end: 2026-12-31"), 15, "end: 2025-12-31");
  e = error_of(std::string(kBase) + pools);
  EXPECT_TRUE(has(e, "supply_pools[0].capacity[0].end: 2025-12-31 is before start 2026-01-01"))
      << e;
  pools = kPools;
  pools.replace(pools.find("attainable_share: 0.5"), 21, "attainable_share: 1.5");
  e = error_of(std::string(kBase) + pools);
  EXPECT_TRUE(has(e, "supply_pools[0].attainable_share")) << e;
  // A country that is not a code, and an unknown coverage.
  e = error_of(edit("    tpot_ms: 50\n", "    tpot_ms: 50\n    allowed_countries: [China]\n"));
  EXPECT_TRUE(has(e, "services[0].allowed_countries: 'China' is not a country code")) << e;
  e = error_of(std::string("settings: {rule_coverage: weekly}\n") + kBase);
  EXPECT_TRUE(has(e, "settings.rule_coverage")) << e;
}

// A period's `assumption:` used to overwrite the period's mapping while its location was
// taken, and the budget lines and demand after it vanished without an error.
TEST_F(RealismFields, PeriodAssumptionKeepsItsDemand) {
  std::string text =
      edit("    budget: 160 bn CNY\n", "    budget: 160 bn CNY\n    assumption: split\n");
  text += R"(assumptions:
  - {name: split, value: "x", reasoning: "y"}
)";
  auto s = load(text);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->periods[0].demand.size(), 1u);
  EXPECT_DOUBLE_EQ(s->periods[0].demand[0].tokens_per_day(), 1e12);
}

// The capacity shapes take estimate's vocabulary: auto (default), off, on; a deployment bound.
TEST_F(ScenarioTest, ShapeSettingsTakeEstimatesVocabulary) {
  auto defaults = load(kBase);
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  EXPECT_EQ(defaults->settings.disaggregation, ShapeSearch::kAuto);
  EXPECT_EQ(defaults->settings.mtp, ShapeSearch::kAuto);
  EXPECT_EQ(defaults->settings.max_deployment, 0);
  auto s = load(std::string(kBase) +
                "settings:\n  disaggregation: off\n  mtp: on\n  max_deployment: 72\n");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->settings.disaggregation, ShapeSearch::kOff);
  EXPECT_EQ(s->settings.mtp, ShapeSearch::kOn);
  EXPECT_EQ(s->settings.max_deployment, 72);
  const std::string bad = error_of(std::string(kBase) + "settings:\n  disaggregation: maybe\n");
  EXPECT_NE(bad.find("settings.disaggregation"), std::string::npos) << bad;
  EXPECT_NE(bad.find("maybe"), std::string::npos) << bad;
  const std::string negative = error_of(std::string(kBase) + "settings:\n  max_deployment: -8\n");
  EXPECT_NE(negative.find("settings.max_deployment"), std::string::npos) << negative;
}

}  // namespace
}  // namespace fleetplan::scenario
