// The economics sections of a scenario file: cost of ownership (useful lives, residual
// rule, network fabrics), a site's building / colocation / operations costs, a service's
// value and priority, modelled demand (curves and users), and training jobs. Each reader
// takes the yaml::Reader of its mapping, so every error is located at file:line:col with
// its field path; money fields come back for the caller to check against every period's
// exchange rates once the periods are read.
#pragma once

#include <string>
#include <vector>

#include "core/yaml_reader.h"
#include "scenario/scenario.h"

namespace fleetplan::scenario {

//! A money field whose currency must convert in every period (checked after the periods).
struct MoneyField {
  yaml::Reader reader;
  std::string key;
  units::Money money;
};

//! An `assumption:` named by a field, checked once the assumptions are known.
struct AssumptionRef {
  std::string field;     //!< field path
  std::string name;      //!< the assumption named
  std::string location;  //!< file:line:col
};

//! Reads `source` and `assumption` of a mapping; the assumption is recorded in `refs`.
Provenance read_provenance(yaml::Reader& reader, std::vector<AssumptionRef>& refs);

//! Reads a money amount such as "160 bn CNY" or "0.8 CNY", optionally followed by a price
//! year ("20000 USD 2025"); a bare number has no currency and is rejected. The one reader of
//! money fields in a scenario. Negative amounts only with `allow_negative`.
std::optional<units::Money> read_money_field(yaml::Reader& reader, std::string_view key,
                                             bool required, bool allow_negative = false);

//! Reads a money amount such as "7.11 M USD" or "0.8 CNY" (an optional price year after it);
//! absent: nullopt (an error when `required`).
std::optional<units::Money> read_money(yaml::Reader& reader, std::string_view key, bool required,
                                       std::vector<MoneyField>& pending);

//! `cost_of_ownership:` at the top level.
CostOfOwnership read_cost_of_ownership(yaml::Reader& reader, std::vector<MoneyField>& pending,
                                       std::vector<AssumptionRef>& assumption_refs);

//! The cost fields of a site mapping (data_centre_per_mw, colocation_per_kw_month,
//! operations_share, operations_per_mw_year), into `site`.
void read_site_costs(yaml::Reader& reader, Site& site, std::vector<MoneyField>& pending);

//! The economics fields of a procurement mapping (network, storage), into `procurement`;
//! `fabrics` are the scenario's network fabrics (checked by name).
void read_procurement_costs(yaml::Reader& reader, Procurement& procurement,
                            const CostOfOwnership& costs, std::vector<MoneyField>& pending);

//! The economics fields of a service mapping (value, priority, prefix_cache_hit, diurnal).
void read_service_economics(yaml::Reader& reader, ServiceSpec& service,
                            const catalog::Catalog& catalog, std::vector<MoneyField>& pending,
                            std::vector<AssumptionRef>& assumption_refs);

//! The modelled-demand fields of a period's demand entry (curve, share, less, users,
//! daily_active_share, requests_per_user_per_day, basis); true when the entry has any.
//! Curves are looked up in `scenario` (read before the periods).
bool read_modelled_demand(yaml::Reader& reader, Demand& demand, const Scenario& scenario);

//! One `training_jobs:` entry; services, periods, sites and accelerators are checked against
//! `scenario` and `catalog`.
TrainingJob read_training_job(yaml::Reader& reader, const Scenario& scenario,
                              const catalog::Catalog& catalog,
                              std::vector<AssumptionRef>& assumption_refs);

//! Resolves modelled demand into tokens a day (split by the service's input:output
//! lengths), curves first, then users, then `less`; an error names the demand entry.
Status resolve_modelled_demand(Scenario& scenario);

//! Tokens a day per monthly active user implied by a service's demand in a period (0 when
//! no users figure is known for it): the demand over the users of the period's users model,
//! or of the first users curve in the scenario.
double implied_tokens_per_user_per_day(const Scenario& scenario, const Period& period,
                                       const Demand& demand);

//! One line per inference demand of each period saying where it comes from (a curve and
//! its law, users x requests x tokens, what `less` took off) and the tokens per user a day
//! it implies against the scenario's first users curve, so that an implausible mix shows.
std::vector<std::string> demand_notes(const Scenario& scenario);

}  // namespace fleetplan::scenario
