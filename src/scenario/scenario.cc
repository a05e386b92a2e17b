#include "scenario/scenario.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/data_dir.h"
#include "core/yaml_reader.h"
#include "scenario/detail/parser.h"

namespace fleetplan::scenario {

using detail::civil_from_days;
using detail::days_from_civil;
using detail::days_in_month;
using detail::parse_node;

// ---- Date -------------------------------------------------------------------------------

long long Date::days_since_epoch() const { return days_from_civil(year, month, day); }

std::string Date::to_string() const { return fmt::format("{:04}-{:02}-{:02}", year, month, day); }

Date add_days(const Date& date, long long days) {
  return civil_from_days(date.days_since_epoch() + days);
}

Result<Date> parse_date(std::string_view text) {
  const auto bad = [&] {
    return input_error(
        fmt::format("'{}' is not a date; expected YYYY-MM-DD, e.g. 2025-12-08", text));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return bad();
  }
  Date d;
  const auto number = [&](std::size_t at, std::size_t len, int& out) {
    for (std::size_t i = at; i < at + len; ++i) {
      if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) {
        return false;
      }
    }
    std::from_chars(text.data() + at, text.data() + at + len, out);
    return true;
  };
  if (!number(0, 4, d.year) || !number(5, 2, d.month) || !number(8, 2, d.day)) {
    return bad();
  }
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > days_in_month(d.year, d.month)) {
    return input_error(
        fmt::format("'{}' is not a calendar date; expected YYYY-MM-DD with a "
                    "month 01-12 and a day that exists in that month",
                    text));
  }
  return d;
}

// ---- names ------------------------------------------------------------------------------

std::string_view use_name(Use use) { return use == Use::kTraining ? "training" : "inference"; }
std::string_view ownership_name(Ownership o) {
  return o == Ownership::kLeased ? "leased" : "owned";
}
std::string_view mode_name(Mode mode) { return mode == Mode::kLease ? "lease" : "buy"; }
std::string_view objective_name(Objective o) {
  return o == Objective::kMinCost ? "min-cost" : "max-served";
}
std::string_view rule_kind_name(RuleKind kind) {
  switch (kind) {
    case RuleKind::kExportControl:
      return "export_control";
    case RuleKind::kDomesticShare:
      return "domestic_share";
    case RuleKind::kLeaseVerification:
      return "lease_verification";
    case RuleKind::kUseRestriction:
      return "use_restriction";
    case RuleKind::kSupplyCap:
      return "supply_cap";
  }
  return "unknown";
}

// ---- Period, Procurement, Scenario ------------------------------------------------------

long long Period::days() const { return end.days_since_epoch() - start.days_since_epoch() + 1; }

Result<double> Period::to_usd(const units::Money& money) const {
  if (money.currency == "USD") {
    return money.amount;
  }
  const auto rate = exchange_rates.find(money.currency);
  if (rate == exchange_rates.end()) {
    return input_error(
        fmt::format("period '{}' has no exchange rate for {}; expected {} in "
                    "exchange_rates (units per USD)",
                    name, money.currency, money.currency));
  }
  return money.amount / rate->second;
}

const Demand* Period::demand_for(std::string_view service) const {
  for (const auto& d : demand) {
    if (d.service == service) {
      return &d;
    }
  }
  return nullptr;
}

Result<double> Procurement::unit_cost_usd(const Period& period) const {
  if (mode != Mode::kBuy) {
    return input_error(fmt::format("procurement '{}' is a lease; it has no unit price", name));
  }
  auto usd = period.to_usd(unit_price);
  if (!usd.ok()) {
    return usd.error();
  }
  return *usd * (1.0 + server_overhead);
}

Result<double> Procurement::lease_usd_per_hour(const Period& period) const {
  if (mode != Mode::kLease) {
    return input_error(fmt::format("procurement '{}' is a purchase; it has no lease price", name));
  }
  return period.to_usd(lease_price_per_gpu_hour);
}

bool Procurement::allowed_at(std::string_view site) const {
  return sites.empty() || std::find(sites.begin(), sites.end(), site) != sites.end();
}

double Procurement::available_fraction(const Period& period) const {
  const long long first =
      std::max(period.start.days_since_epoch(), available_from ? available_from->days_since_epoch()
                                                               : period.start.days_since_epoch());
  const long long last =
      std::min(period.end.days_since_epoch(), available_until ? available_until->days_since_epoch()
                                                              : period.end.days_since_epoch());
  if (last < first) {
    return 0.0;
  }
  return static_cast<double>(last - first + 1) / static_cast<double>(period.days());
}

std::optional<long long> Procurement::supply_cap(std::string_view period) const {
  for (const auto& s : supply) {
    if (s.period == period) {
      return s.max_units;
    }
  }
  return std::nullopt;
}

namespace {
template <typename T>
const T* find_by_name(const std::vector<T>& items, std::string_view name) {
  for (const auto& item : items) {
    if (item.name == name) {
      return &item;
    }
  }
  return nullptr;
}
}  // namespace

const Period* Scenario::period(std::string_view n) const { return find_by_name(periods, n); }
const Site* Scenario::site(std::string_view n) const { return find_by_name(sites, n); }
const ServiceSpec* Scenario::service(std::string_view n) const { return find_by_name(services, n); }
const Rule* Scenario::rule(std::string_view n) const { return find_by_name(rules, n); }
const Assumption* Scenario::assumption(std::string_view n) const {
  return find_by_name(assumptions, n);
}
std::optional<std::size_t> Scenario::period_index(std::string_view n) const {
  for (std::size_t i = 0; i < periods.size(); ++i) {
    if (periods[i].name == n) {
      return i;
    }
  }
  return std::nullopt;
}

// ---- loading ----------------------------------------------------------------------------

Result<Scenario> load_scenario_text(const std::string& text, const std::string& name,
                                    const catalog::Catalog& catalog) {
  auto node = yaml::load_string(text, name);
  if (!node.ok()) {
    return node.error();
  }
  return parse_node(*node, name, catalog);
}

Result<Scenario> load_scenario_node(const YAML::Node& node, const std::string& name,
                                    const catalog::Catalog& catalog) {
  return parse_node(node, name, catalog);
}

Result<Scenario> load_scenario_file(const std::string& path, const catalog::Catalog& catalog) {
  auto node = yaml::load_file(path);
  if (!node.ok()) {
    return node.error();
  }
  return parse_node(*node, path, catalog);
}

Result<Scenario> load_scenario_text(const std::string& text, const std::string& name) {
  auto catalog = catalog::Catalog::load();
  if (!catalog.ok()) {
    return catalog.error();
  }
  return load_scenario_text(text, name, *catalog);
}

Result<Scenario> load_scenario_file(const std::string& path) {
  auto catalog = catalog::Catalog::load();
  if (!catalog.ok()) {
    return catalog.error();
  }
  return load_scenario_file(path, *catalog);
}

std::vector<BuiltinScenario> builtin_scenarios() {
  std::vector<BuiltinScenario> out;
  const std::filesystem::path dir = std::filesystem::path(data_dir()) / "scenarios";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      out.push_back({entry.path().stem().string(), entry.path().string()});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const BuiltinScenario& a, const BuiltinScenario& b) { return a.name < b.name; });
  return out;
}

Result<std::string> builtin_scenario_path(std::string_view name) {
  std::vector<std::string> names;
  for (const auto& s : builtin_scenarios()) {
    if (s.name == name) {
      return s.path;
    }
    names.push_back(s.name);
  }
  return not_found_error(
      fmt::format("unknown scenario '{}'; built-in scenarios: {} (or give "
                  "the path of a scenario file)",
                  name, names.empty() ? "none found" : fmt::format("{}", fmt::join(names, ", "))));
}

Result<Scenario> load_scenario(std::string_view name_or_path, const catalog::Catalog& catalog) {
  const std::string text(name_or_path);
  std::error_code ec;
  // Anything that exists is a file to read: a directory or a device is then refused as such,
  // not reported as an unknown built-in name. So is a path that does not exist.
  const std::filesystem::path as_path(text);
  const bool looks_like_path = text.find('/') != std::string::npos ||
                               as_path.extension() == ".yaml" || as_path.extension() == ".yml";
  if (std::filesystem::exists(as_path, ec) || looks_like_path) {
    return load_scenario_file(text, catalog);
  }
  auto path = builtin_scenario_path(name_or_path);
  if (!path.ok()) {
    return path.error();
  }
  return load_scenario_file(*path, catalog);
}

}  // namespace fleetplan::scenario
