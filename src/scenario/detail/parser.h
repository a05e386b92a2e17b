// Private to src/scenario: the parser of scenario files. Parser reads the fields of one
// file into a Scenario; its methods live in one file per section:
//   parser.cc             the file as a whole: sections in order, duplicate keys
//   parse_fields.cc       shared field readers: dates, money amounts, names, provenance
//   parse_services.cc     assumptions, settings, services
//   parse_sites.cc        sites
//   parse_periods.cc      periods and their demand
//   parse_procurement.cc  procurement options and the installed base
//   parse_rules.cc        rules and their scopes; provenance references
#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/yaml_reader.h"
#include "scenario/economics.h"
#include "scenario/scenario.h"

namespace fleetplan::scenario::detail {

// Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar.
inline long long days_from_civil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long yoe = y - era * 400;
  const long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

inline Date civil_from_days(long long z) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const long long doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long y = yoe + era * 400;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  const long long d = doy - (153 * mp + 2) / 5 + 1;
  const long long m = mp + (mp < 10 ? 3 : -9);
  return {static_cast<int>(y + (m <= 2 ? 1 : 0)), static_cast<int>(m), static_cast<int>(d)};
}

inline int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

inline bool is_currency_code(std::string_view code) {
  return code.size() == 3 && std::all_of(code.begin(), code.end(), [](char c) {
           return std::isupper(static_cast<unsigned char>(c)) != 0;
         });
}

inline bool is_country_code(std::string_view code) {
  return code.size() == 2 && std::all_of(code.begin(), code.end(), [](char c) {
           return std::isupper(static_cast<unsigned char>(c)) != 0;
         });
}

inline const std::vector<std::string> kModeChoices = {"buy", "lease"};
//! The spend items a budget line may count (plan::SpendItem's names).
inline const std::vector<std::string> kSpendItems = {"accelerators", "servers",     "network",
                                                     "storage",      "data_centre", "colocation",
                                                     "energy",       "leases",      "operations"};

inline bool contains(const std::vector<std::string>& items, const std::string& value) {
  return std::find(items.begin(), items.end(), value) != items.end();
}
inline const std::vector<std::string> kUseChoices = {"inference", "training"};
inline const std::vector<std::string> kRuleKinds = {
    "export_control", "domestic_share", "lease_verification", "use_restriction", "supply_cap"};

inline Mode parse_mode(const std::string& s) { return s == "lease" ? Mode::kLease : Mode::kBuy; }
inline Use parse_use(const std::string& s) {
  return s == "training" ? Use::kTraining : Use::kInference;
}

// Reads the fields of one scenario file into a Scenario; errors go to the readers' sink.
class Parser {
 public:
  Parser(const catalog::Catalog& catalog, Scenario& out) : catalog_(catalog), out_(out) {}

  void parse(yaml::Reader& root);

 private:
  std::optional<Date> date(yaml::Reader& r, std::string_view key, bool required);
  // A money amount: "160 bn CNY" or "20000 USD", optionally followed by a price year
  // ("20000 USD 2025"). A bare number has no currency and is rejected.
  std::optional<units::Money> money(yaml::Reader& r, std::string_view key, bool required,
                                    bool allow_negative = false);
  // Checks that `m` converts in every period (the field is used in all of them).
  void check_convertible_everywhere(yaml::Reader& r, std::string_view key, const units::Money& m);
  Provenance provenance(yaml::Reader& r);
  static std::string location_of(const yaml::Reader& r, std::string_view key);
  // A unique, non-empty name for an item of a list.
  std::string unique_name(yaml::Reader& r, std::set<std::string>& seen, std::string_view what);
  std::string accelerator_name(yaml::Reader& r, std::string_view key, const std::string& value,
                               bool need_figures);
  static std::vector<std::string> country_list(yaml::Reader& r, std::string_view key);
  std::vector<std::string> site_names(yaml::Reader& r, std::string_view key);
  std::string known_sites() const;
  std::string known_periods() const;
  void parse_assumption(yaml::Reader& r);
  void parse_settings(yaml::Reader& r);
  // Every period has an exchange rate for settings.report_currency (after the periods).
  void check_report_currency(yaml::Reader& settings);
  void parse_service(yaml::Reader& r);
  void parse_site(yaml::Reader& r);
  void parse_period(yaml::Reader& r);
  void parse_exchange_rates(yaml::Reader& r, Period& p);
  void parse_budget_line(yaml::Reader& line_reader, Period& p);
  void parse_demand(yaml::Reader& r, Period& p, std::set<std::string>& demanded);
  void parse_training_demand(yaml::Reader& r, const ServiceSpec& service,
                             const std::optional<double>& flop, const std::optional<double>& hours,
                             const std::optional<std::string>& hours_on, Demand& d);
  void parse_procurement(yaml::Reader& r);
  void parse_installed(yaml::Reader& r);
  void parse_scope(yaml::Reader& r, RuleScope& scope);
  void parse_rule(yaml::Reader& r);
  // parse_procurement.cc: a procurement option's buy or lease terms, its supply limits, and
  // its lot size, minimum order and lead time.
  void parse_procurement_terms(yaml::Reader& r, Procurement& p, const std::string& mode);
  void parse_supply(yaml::Reader& r, Procurement& p);
  void parse_lots(yaml::Reader& r, Procurement& p);
  // parse_pools.cc
  void parse_supply_pool(yaml::Reader& r);
  void parse_pool_capacity(yaml::Reader& r, SupplyPool& pool);
  void parse_pool_draws(yaml::Reader& r, SupplyPool& pool);
  void check_provenance_references();
  // Economics sections (parse_economics.cc).
  void parse_cost_of_ownership(yaml::Reader& root);
  void parse_demand_curves(yaml::Reader& root);
  void parse_training_jobs(yaml::Reader& root);
  void finish_economics();

 public:
  std::vector<std::string> late_errors_;

 private:
  struct Reference {
    std::string path;
    std::string name;
    std::string location;
  };
  struct PendingMoney {
    yaml::Reader reader;
    std::string key;
    units::Money money;
  };

  const catalog::Catalog& catalog_;
  Scenario& out_;
  std::set<std::string> assumption_names_;
  std::set<std::string> service_names_;
  std::set<std::string> site_names_;
  std::set<std::string> period_names_;
  std::set<std::string> procurement_names_;
  std::set<std::string> rule_names_;
  std::set<std::string> pool_names_;
  std::vector<Reference> references_;
  std::vector<PendingMoney> pending_money_;
  std::vector<MoneyField> economics_money_;
  std::vector<AssumptionRef> economics_refs_;
};

//! Parses a scenario document (`file` names it in messages).
Result<Scenario> parse_node(const YAML::Node& node, const std::string& file,
                            const catalog::Catalog& catalog);

}  // namespace fleetplan::scenario::detail
