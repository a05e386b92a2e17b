// Scenario files: periods with budgets, exchange rates and demand; sites; services;
// procurement options; dated policy rules; assumptions. Parsed from YAML, validated
// against the catalog, with every money amount kept as written and convertible to USD
// with the period's exchange rate.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "core/result.h"
#include "core/units.h"
#include "scenario/demand_model.h"
#include "scenario/settings_options.h"

// yaml-cpp's namespace, declared here so that users of this header need not include it.
namespace YAML {  // NOLINT(readability-identifier-naming): yaml-cpp's own name
class Node;
}  // namespace YAML

namespace fleetplan::scenario {

//! A calendar date (proleptic Gregorian), as written in files: "2025-12-08".
struct Date {
  int year = 0;
  int month = 1;
  int day = 1;

  //! Days since 1970-01-01 (negative before); differences give day counts.
  [[nodiscard]] long long days_since_epoch() const;
  //! "YYYY-MM-DD".
  [[nodiscard]] std::string to_string() const;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy misreads the defaulted <=>.
  friend auto operator<=>(const Date&, const Date&) = default;
};

//! Parses "YYYY-MM-DD" (a real calendar date); the error says what was expected.
Result<Date> parse_date(std::string_view text);
//! The date `days` days after `date`.
Date add_days(const Date& date, long long days);

//! Where a figure comes from: a citation (`source`) and/or the name of an entry of
//! Scenario::assumptions that explains an estimate.
struct Provenance {
  std::string source;      //!< e.g. "FT, Dec 2025"; may be empty when `assumption` is set
  std::string assumption;  //!< name of an Assumption; empty when the figure is sourced
};

//! A public estimate used where the facts are silent; reports list them.
struct Assumption {
  std::string name;       //!< stable id, referenced by `assumption:` fields
  std::string value;      //!< the figure as text, e.g. "0.08 USD/kWh"
  std::string reasoning;  //!< why this value
  std::string source;     //!< where the estimate comes from (may be empty)
};

//! What an accelerator is used for.
enum class Use { kInference, kTraining };
//! "inference", "training".
std::string_view use_name(Use use);

//! What serving a service is worth: a provider's list prices per million tokens
//! (inference) or per accelerator-hour of a reference chip (training).
struct ServiceValue {
  std::optional<units::Money> input_per_million;
  std::optional<units::Money> cached_input_per_million;  //!< absent: the input price
  std::optional<units::Money> output_per_million;
  std::optional<units::Money> per_gpu_hour;  //!< training
  std::string gpu_hour_accelerator;          //!< training: the chip those hours are on
  Provenance provenance;
  [[nodiscard]] bool given() const {
    return input_per_million.has_value() || output_per_million.has_value() ||
           per_gpu_hour.has_value();
  }
};

//! One AI service whose demand the fleet must serve.
struct ServiceSpec {
  std::string name;
  std::string description;
  Use kind = Use::kInference;
  std::string model;  //!< catalog model name (canonical spelling from the catalog)
  //! Inference: mean tokens per request; capacity is measured at these lengths.
  int input_len = 0;
  int output_len = 0;
  //! Inference latency targets; capacity is goodput at these targets.
  double ttft_ms = 0;
  double tpot_ms = 0;
  catalog::Precision weights = catalog::Precision::kFp8;
  catalog::Precision kv_cache = catalog::Precision::kFp8;
  //! Training: model-FLOP utilisation assumed when converting FLOP to device time
  //! (0 = Settings::training_mfu).
  double training_mfu = 0;
  //! Site countries the service may be served from (data residency, a latency region);
  //! empty: every country.
  std::vector<std::string> allowed_countries;
  //! Site latency classes the service may be served from; empty: every class.
  std::vector<std::string> latency_classes;
  //! What a served unit is worth (`value:`), and the priority tier (1 first).
  ServiceValue value;
  int priority = 1;
  //! Inference: share of input tokens found in the prefix cache (multi-turn chat resends
  //! the conversation); they are priced at the cached-input value.
  double prefix_cache_hit_share = 0;
  //! Inference: traffic by hour of the day; when given it sets the peak-to-average ratio.
  std::optional<DiurnalProfile> diurnal;
  Provenance provenance;
};

//! Demand for one service in one period.
struct Demand {
  std::string service;
  //! Inference: average tokens a day (resolved: when the file gives `tokens_per_day`, it is
  //! split by the service's input_len : output_len).
  double input_tokens_per_day = 0;
  double output_tokens_per_day = 0;
  //! Peak-hour rate divided by the day's average rate; capacity must cover the peak.
  double peak_to_average = 1.0;
  //! Training: model FLOP to run in the period (resolved from `gpu_hours` when
  //! given that way: hours x 3600 x peak BF16 FLOP/s of the reference accelerator x MFU).
  double training_flop = 0;
  std::optional<double> training_gpu_hours;    //!< as written, when given as GPU-hours
  std::string training_gpu_hours_accelerator;  //!< the accelerator those hours are on
  //! Modelled demand (`curve:` or `users:`), resolved into the token figures above.
  std::string curve;              //!< a tokens_per_day curve of Scenario::demand_curves
  double share = 1;               //!< of the curve
  std::vector<std::string> less;  //!< services whose tokens in the period come off it
  std::string users_curve;        //!< a users curve (monthly active users)
  double daily_active_share = 0;
  double requests_per_user_per_day = 0;
  DemandBasis basis = DemandBasis::kPeriodEnd;
  double users = 0;  //!< resolved: monthly active users on the basis day (users model)
  Provenance provenance;

  [[nodiscard]] double tokens_per_day() const {
    return input_tokens_per_day + output_tokens_per_day;
  }
};

//! A part of a period's budget that caps a subset of the spend (e.g. "domestic chips:
//! 40 bn CNY"), or is only reported (`binding: false`).
struct BudgetLine {
  std::string name;
  units::Money amount;
  double usd = 0;  //!< `amount` converted with the period's exchange rate
  //! What spend counts against the line; an empty list matches everything.
  std::vector<std::string> accelerators;
  std::vector<std::string> sites;
  std::vector<std::string> countries;      //!< site countries (ISO 3166 alpha-2, e.g. "CN")
  std::vector<std::string> not_countries;  //!< site countries excluded
  std::vector<std::string> modes;          //!< "buy", "lease"
  //! Spend categories counted: "accelerators" (unit prices only), "server_overhead",
  //! "leases", "energy"; empty = all of them.
  std::vector<std::string> items;
  bool binding = true;
  Provenance provenance;
};

//! One planning period (a year or a quarter).
struct Period {
  std::string name;
  Date start;           //!< first day, inclusive
  Date end;             //!< last day, inclusive
  units::Money budget;  //!< total budget as written
  double budget_usd = 0;
  Provenance budget_provenance;
  std::vector<BudgetLine> budget_lines;
  //! Units of each currency per USD ("CNY": 6.96); USD is always 1.
  std::map<std::string, double> exchange_rates;
  std::string exchange_rates_source;
  std::vector<Demand> demand;

  //! Days in the period, both ends included.
  [[nodiscard]] long long days() const;
  //! Hours in the period (days x 24).
  [[nodiscard]] double hours() const { return static_cast<double>(days()) * 24.0; }
  //! Converts an amount to USD with this period's rate; error if the currency has no rate.
  [[nodiscard]] Result<double> to_usd(const units::Money& money) const;
  //! The demand of a service in this period, or nullptr.
  [[nodiscard]] const Demand* demand_for(std::string_view service) const;
};

//! Who owns the site's building.
enum class Ownership { kOwned, kLeased };
//! "owned", "leased".
std::string_view ownership_name(Ownership ownership);

//! A data-centre site.
struct Site {
  std::string name;
  std::string description;
  std::string country;  //!< ISO 3166 alpha-2, e.g. "CN", "MY"
  std::string region;   //!< free text, e.g. "Inner Mongolia"
  double power_w = 0;   //!< facility power available to the fleet, W (IT x PUE must fit)
  double pue = 1.0;
  units::Money energy_price_per_kwh;          //!< price of one kWh (facility energy)
  std::optional<long long> max_accelerators;  //!< space; nullopt = not limiting
  Ownership ownership = Ownership::kOwned;
  std::string operator_name;       //!< who runs the site (the company itself or a third party)
  bool operator_verified = false;  //!< owner and operator passed verification
  //! Free label of the site's distance to the users ("near", "far"); services may list the
  //! classes they accept. Empty: unclassified (only services that accept every class).
  std::string latency_class;
  //! Cost of ownership at the site: building capex per MW of IT load (owned sites, paid as
  //! accelerators are added), or colocation rent per kW of IT load a month; operations
  //! as a share of the IT capex a year and/or per MW of IT load a year.
  std::optional<units::Money> data_centre_per_mw;
  std::optional<units::Money> colocation_per_kw_month;
  double operations_share = 0;
  std::optional<units::Money> operations_per_mw_year;
  Provenance provenance;
};

//! How an accelerator is obtained.
enum class Mode { kBuy, kLease };
//! "buy", "lease".
std::string_view mode_name(Mode mode);

//! A cap on units obtained through one procurement option in one period.
struct SupplyLimit {
  std::string period;
  long long max_units = 0;
  Provenance provenance;
};

//! One way to obtain an accelerator: buy it (capex) or lease it (per GPU-hour).
struct Procurement {
  std::string name;         //!< stable id; defaults to "<accelerator>-<mode>"
  std::string accelerator;  //!< catalog name (canonical spelling)
  bool domestic = false;    //!< copied from the catalog (made by a Chinese vendor)
  Mode mode = Mode::kBuy;
  // Buy.
  units::Money unit_price;              //!< per accelerator, without server
  double server_overhead = 0;           //!< fraction of unit_price for the host server
  double depreciation_years = 0;        //!< the accelerators' useful life (0: the default)
  std::string network;                  //!< a fabric of CostOfOwnership::network_fabrics, or ""
  std::optional<units::Money> storage;  //!< per accelerator
  // Lease.
  units::Money lease_price_per_gpu_hour;
  int min_term_months = 0;
  //! The lease price includes power, cooling and space (the site's energy price is then
  //! not charged on top).
  bool lease_includes_energy = true;
  //! Sites where it may be placed; empty = every site.
  std::vector<std::string> sites;
  //! First and last day the option can deliver; absent = always.
  std::optional<Date> available_from;
  std::optional<Date> available_until;
  std::vector<SupplyLimit> supply;
  //! Accelerators per order: a server of 8, a 384-chip supernode; absent: the planner's
  //! default (a server of 8).
  std::optional<int> lot_size;
  //! Accelerators at least, per site and period, when any are ordered (0: none).
  long long min_order = 0;
  //! Days from the order to service; deliveries start no earlier than the first period's
  //! start plus this.
  int lead_time_days = 0;
  Provenance provenance;

  //! USD per accelerator including server overhead (buy), at the period's rate.
  [[nodiscard]] Result<double> unit_cost_usd(const Period& period) const;
  //! USD per accelerator-hour (lease), at the period's rate.
  [[nodiscard]] Result<double> lease_usd_per_hour(const Period& period) const;
  //! True when the option may be placed at `site`.
  [[nodiscard]] bool allowed_at(std::string_view site) const;
  //! Fraction of the period's days on which the option can deliver (available_from/until):
  //! 1 when always available, 0 when not at all in the period.
  [[nodiscard]] double available_fraction(const Period& period) const;
  //! The supply cap for a period, if any.
  [[nodiscard]] std::optional<long long> supply_cap(std::string_view period) const;
};

//! Units of a supply pool available over a span of days (spread evenly over it).
struct PoolCapacity {
  Date start;
  Date end;
  double units = 0;
  Provenance provenance;
};

//! How many units of a pool one accelerator takes (two dies per Ascend 910C).
struct PoolDraw {
  std::string accelerator;  //!< catalog name (canonical spelling)
  double units_per_accelerator = 1;
};

//! A scarce input shared by several accelerators (a vendor's dies, HBM stacks, a licence
//! batch): what the buyer acquires of the accelerators drawing on it is at most
//! attainable_share x the pool's capacity, per period (prorated by days) or, when
//! `cumulative`, over all periods together.
struct SupplyPool {
  std::string name;
  std::string description;
  std::string unit;  //!< what is counted: "dies", "HBM stacks", "units"
  std::vector<PoolCapacity> capacity;
  std::vector<PoolDraw> draws;
  //! The buyer's share of the pool (it competes with other buyers).
  double attainable_share = 1.0;
  bool cumulative = false;
  Provenance provenance;  //!< of the attainable share
};

//! The kinds of policy rule (see src/policy/README.md).
enum class RuleKind {
  kExportControl,      //!< deny (or re-allow) accelerators by mode and site country
  kDomesticShare,      //!< minimum share of domestic accelerators, by count or spend
  kLeaseVerification,  //!< leases only at sites whose owner/operator are verified
  kUseRestriction,     //!< accelerators restricted to some uses (inference/training)
  kSupplyCap,          //!< at most N units of accelerators per period
};
//! "export_control", "domestic_share", "lease_verification", "use_restriction", "supply_cap".
std::string_view rule_kind_name(RuleKind kind);

//! Which options a rule applies to; an empty list matches everything. `domestic` filters
//! by the catalog's domestic_china flag.
struct RuleScope {
  std::vector<std::string> accelerators;  //!< catalog names (canonical spelling)
  std::optional<bool> domestic;
  std::vector<std::string> sites;
  std::vector<std::string> countries;      //!< site countries
  std::vector<std::string> not_countries;  //!< site countries excluded
  std::vector<Mode> modes;
};

//! Basis of a domestic-share rule.
enum class ShareBasis { kCount, kSpend };
//! What a domestic-share rule counts: the period's new acquisitions, or the whole fleet.
enum class ShareOf { kAcquisitions, kFleet };

//! A dated policy rule with its source; evaluated by src/policy.
struct Rule {
  std::string name;  //!< stable id, used to disable the rule ("without rule X")
  RuleKind kind = RuleKind::kExportControl;
  std::string description;
  Date effective;
  std::optional<Date> until;  //!< last day in force; absent = open-ended
  std::string source;
  bool enabled = true;  //!< `enabled: false` keeps a variant in the file, switched off
  RuleScope scope;

  // export_control: deny or allow (an allow overrides older denies on the same options).
  bool allow = false;
  // domestic_share: domestic accelerators >= min_share x all accelerators in scope.
  double min_share = 0;
  ShareBasis basis = ShareBasis::kCount;
  ShareOf share_of = ShareOf::kAcquisitions;
  // use_restriction: accelerators in scope may serve only these uses.
  std::vector<Use> allowed_uses;
  // supply_cap: at most max_units acquired per period (or over the rule's life when
  // `cumulative`).
  long long max_units = 0;
  bool cumulative = false;
};

//! Accelerators already in service at the start of the first period (sunk cost; they
//! serve demand and draw power).
struct Installed {
  std::string accelerator;  //!< catalog name (canonical spelling)
  bool domestic = false;    //!< copied from the catalog
  std::string site;
  long long count = 0;
  std::string acquired;  //!< when, as text ("2024 orders")
  Provenance provenance;
};

//! The planner's objective.
enum class Objective { kMinCost, kMaxServed };
//! "min-cost", "max-served".
std::string_view objective_name(Objective objective);

//! How a rule that is in force for part of a period is applied to the period.
enum class RuleCoverage {
  //! Day by day: an option is allowed in a period when allowed on any of its days, and the
  //! planner counts deliveries from the first such day; quantity rules apply when in force
  //! on any day.
  kDays,
  kMajority,  //!< applies when in force for more than half of the period's days
  kAny,       //!< applies when in force on any day of the period
};

//! Whether the capacity search uses a deployment feature: with and without it (auto), never
//! (off) or only with it (on); the vocabulary of `estimate --disaggregation` and `--mtp`.
enum class ShapeSearch { kAuto, kOff, kOn };

//! Scenario-wide settings. Defaults, ranges and docs are in the options registry
//! (settings_options.h), which the scenario parser, the CLI and the API all read.
struct Settings {
  Objective objective = Objective::kMaxServed;
  //! USD charged per million tokens of demand not served, on every day of the period
  //! (min-cost objective): what the lost tokens would have sold for.
  double shortfall_usd_per_million_tokens = setting_default("shortfall_usd_per_million_tokens");
  std::string report_currency = setting_default_text("report_currency");
  double training_mfu = setting_default("training_mfu");        //!< default training MFU
  double peak_to_average = setting_default("peak_to_average");  //!< default for demands
  //! Share of each accelerator's goodput the planner may fill at the peak hour: below 1 it
  //! keeps headroom for bursts, so queueing does not push latencies past the targets.
  double planning_utilization = setting_default("planning_utilization");
  RuleCoverage rule_coverage = RuleCoverage::kDays;
  double gap = setting_default("gap");  //!< relative gap at which CBC stops
  //! Branch-and-bound nodes per MILP (0: none).
  long long node_limit = static_cast<long long>(setting_default("node_limit"));
  //! Capacity shapes: disaggregated prefill/decode, MTP speculative decoding, and the largest
  //! deployment measured (0: the accelerator's scale-up domain, at least 32 accelerators).
  ShapeSearch disaggregation = ShapeSearch::kAuto;
  ShapeSearch mtp = ShapeSearch::kAuto;
  int max_deployment = 0;
  Provenance provenance;
};

//! A network fabric's cost per accelerator, by part.
struct NetworkFabric {
  std::string name;
  std::string description;
  units::Money scale_up;            //!< NVLink-class switches, per accelerator
  units::Money scale_out_nics;      //!< NICs, per accelerator
  units::Money scale_out_switches;  //!< leaf/spine switches, optics and cables, per accelerator
  Provenance provenance;
};

//! Scenario-wide cost-of-ownership figures (`cost_of_ownership:`).
struct CostOfOwnership {
  double life_accelerators = 4;  //!< years (a procurement's depreciation_years overrides)
  double life_servers = 5;
  double life_network = 5;
  double life_storage = 5;
  double life_buildings = 15;
  double salvage_share = 0;    //!< residual rule: value falls straight to this share
  double cost_of_capital = 0;  //!< per year, for unit costs (0: straight-line)
  std::vector<NetworkFabric> network_fabrics;
  Provenance provenance;
  bool given = false;  //!< the file has the section (else the old residual rule: none
                       //!< without depreciation_years)
  [[nodiscard]] const NetworkFabric* fabric(std::string_view name) const;
};

//! A training job: a cluster of accelerators of a kind for a period (or FLOP to run), at
//! one site, needing a minimum cluster there.
struct TrainingJob {
  std::string name;
  std::string service;  //!< a training service
  std::string period;
  long long cluster_accelerators = 0;  //!< size, in accelerators of `cluster_accelerator`
  std::string cluster_accelerator;
  double flop = 0;                 //!< or: FLOP to run in the period (at the service's MFU)
  long long min_cluster = 0;       //!< accelerators serving the job at its one site
  std::vector<std::string> sites;  //!< where it may run; empty: anywhere
  Provenance provenance;
};

//! A whole scenario.
struct Scenario {
  std::string name;
  std::string description;
  std::string file;  //!< where it was read from (path, or the name given to load_scenario_text)
  Settings settings;
  std::vector<Period> periods;  //!< in time order, not overlapping
  std::vector<Site> sites;
  std::vector<ServiceSpec> services;
  std::vector<Procurement> procurement;
  std::vector<Installed> installed;
  std::vector<Rule> rules;
  std::vector<SupplyPool> supply_pools;
  std::vector<Assumption> assumptions;
  std::vector<DemandCurve> demand_curves;
  CostOfOwnership cost_of_ownership;
  std::vector<TrainingJob> training_jobs;

  [[nodiscard]] const Period* period(std::string_view name) const;
  [[nodiscard]] const DemandCurve* demand_curve(std::string_view name) const;
  [[nodiscard]] const Site* site(std::string_view name) const;
  [[nodiscard]] const ServiceSpec* service(std::string_view name) const;
  [[nodiscard]] const Rule* rule(std::string_view name) const;
  [[nodiscard]] const Assumption* assumption(std::string_view name) const;
  [[nodiscard]] std::optional<std::size_t> period_index(std::string_view name) const;
};

//! Parses and validates a scenario file; names of accelerators and models are checked
//! against `catalog`. Errors carry file:line:col, the field path, the bad value and what
//! was expected.
Result<Scenario> load_scenario_file(const std::string& path, const catalog::Catalog& catalog);
//! Same, with the built-in catalog.
Result<Scenario> load_scenario_file(const std::string& path);
//! Parses scenario YAML text; `name` stands for the file in messages.
Result<Scenario> load_scenario_text(const std::string& text, const std::string& name,
                                    const catalog::Catalog& catalog);
Result<Scenario> load_scenario_text(const std::string& text, const std::string& name);
//! Parses and validates a scenario from its YAML document, already read: a sweep writes its
//! values into a copy of the file's document and checks each variant like a file. `name`
//! stands for the file in messages; locations come from the document's marks.
Result<Scenario> load_scenario_node(const YAML::Node& node, const std::string& name,
                                    const catalog::Catalog& catalog);

//! A built-in scenario under data_dir()/scenarios.
struct BuiltinScenario {
  std::string name;  //!< file name without .yaml
  std::string path;
};
//! The built-in scenarios, sorted by name.
std::vector<BuiltinScenario> builtin_scenarios();
//! The name `fleetplan plan` uses when given none.
inline constexpr std::string_view kDefaultScenario = "bytedance-2026";
//! Path of a built-in scenario; the error lists the known names.
Result<std::string> builtin_scenario_path(std::string_view name);
//! Loads a built-in scenario by name, or a file when `name_or_path` exists or looks like a
//! path (has a `/` or ends in .yaml/.yml); a missing file or a directory is an error as such.
Result<Scenario> load_scenario(std::string_view name_or_path, const catalog::Catalog& catalog);

}  // namespace fleetplan::scenario
