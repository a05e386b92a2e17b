// The parser of scenario files: the sections in order; duplicate keys (see detail/parser.h).
#include "scenario/detail/parser.h"

namespace fleetplan::scenario::detail {

void Parser::check_report_currency(yaml::Reader& settings) {
  const std::string& currency = out_.settings.report_currency;
  if (currency == "USD" || !is_currency_code(currency)) {
    return;
  }
  for (const Period& p : out_.periods) {
    if (!p.exchange_rates.contains(currency)) {
      settings.fail("report_currency",
                    fmt::format("report currency {} has no exchange rate in period '{}'; add it "
                                "to periods[].exchange_rates (units per USD) or report in USD",
                                currency, p.name));
      return;
    }
  }
}

void Parser::parse(yaml::Reader& root) {
  out_.name = root.string("name");
  out_.description = root.string_or("description", "");
  {
    auto assumptions = root.list("assumptions", false);
    for (auto& r : assumptions) {
      parse_assumption(r);
    }
  }
  {
    yaml::Reader settings = root.map("settings", false);
    parse_settings(settings);
  }
  parse_cost_of_ownership(root);
  parse_demand_curves(root);
  for (auto& r : root.list("services")) {
    parse_service(r);
  }
  for (auto& r : root.list("sites")) {
    parse_site(r);
  }
  // Periods come before procurement and rules because those refer to period names and
  // their money must convert with every period's rates.
  for (auto& r : root.list("periods")) {
    parse_period(r);
  }
  {
    // Amounts are reported in report_currency in every period: each needs its rate, or the
    // report would convert at 1.0 without a word.
    yaml::Reader settings = root.map("settings", false);
    check_report_currency(settings);
  }
  for (auto& r : root.list("procurement")) {
    parse_procurement(r);
  }
  for (auto& r : root.list("installed", false)) {
    parse_installed(r);
  }
  for (auto& r : root.list("rules", false)) {
    parse_rule(r);
  }
  for (auto& r : root.list("supply_pools", false)) {
    parse_supply_pool(r);
  }
  parse_training_jobs(root);
  root.reject_unknown_fields();
  finish_economics();
  check_provenance_references();
}

namespace {

// A collection's place in the file: an alias (*name) refers to the same node and so the same
// place; (offset, type) tells collections apart, a block mapping and its first key share the
// offset but not the type.
using Place = std::pair<int, int>;

// yaml-cpp keeps duplicate keys and lookups see the first one; report them instead. Each
// collection is walked once (`visited`): an alias to it repeats nothing new, and walking
// every alias again is the exponential walk of an alias bomb (issue 8 B7).
std::optional<std::string> find_duplicate_key(const YAML::Node& node, const std::string& file,
                                              const std::string& path, std::set<Place>& visited) {
  if (!node.IsMap() && !node.IsSequence()) {
    return std::nullopt;
  }
  if (!visited.insert({node.Mark().pos, static_cast<int>(node.Type())}).second) {
    return std::nullopt;
  }
  if (node.IsMap()) {
    std::map<std::string, int> first_line;
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      const std::string child = path.empty() ? key : fmt::format("{}.{}", path, key);
      const auto [it, inserted] = first_line.emplace(key, kv.first.Mark().line + 1);
      if (!inserted) {
        return fmt::format("{}:{}:{}: {}: duplicate key '{}' (first at line {})", file,
                           kv.first.Mark().line + 1, kv.first.Mark().column + 1, child, key,
                           it->second);
      }
      if (auto found = find_duplicate_key(kv.second, file, child, visited)) {
        return found;
      }
    }
  } else {
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (auto found = find_duplicate_key(node[i], file, fmt::format("{}[{}]", path, i), visited)) {
        return found;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Result<Scenario> parse_node(const YAML::Node& node, const std::string& file,
                            const catalog::Catalog& catalog) {
  std::set<Place> visited;
  if (auto duplicate = find_duplicate_key(node, file, "", visited)) {
    return input_error(*duplicate);
  }
  Scenario scenario;
  scenario.file = file;
  yaml::Reader root(node, file);
  if (!root.ok()) {
    return root.status().error();
  }
  Parser parser(catalog, scenario);
  parser.parse(root);
  FLEETPLAN_RETURN_IF_ERROR(root.status());
  if (!parser.late_errors_.empty()) {
    return input_error(parser.late_errors_.front());
  }
  return scenario;
}

}  // namespace fleetplan::scenario::detail
