// The parser of scenario files: the sections in order; duplicate keys (see detail/parser.h).
#include "scenario/detail/parser.h"

namespace fleetplan::scenario::detail {

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
  for (auto& r : root.list("procurement")) {
    parse_procurement(r);
  }
  for (auto& r : root.list("installed", false)) {
    parse_installed(r);
  }
  for (auto& r : root.list("rules", false)) {
    parse_rule(r);
  }
  root.reject_unknown_fields();
  check_provenance_references();
}

// yaml-cpp keeps duplicate keys and lookups see the first one; report them instead.
std::optional<std::string> find_duplicate_key(const YAML::Node& node, const std::string& file,
                                              const std::string& path) {
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
      if (auto found = find_duplicate_key(kv.second, file, child)) {
        return found;
      }
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (auto found = find_duplicate_key(node[i], file, fmt::format("{}[{}]", path, i))) {
        return found;
      }
    }
  }
  return std::nullopt;
}

Result<Scenario> parse_node(const YAML::Node& node, const std::string& file,
                            const catalog::Catalog& catalog) {
  if (auto duplicate = find_duplicate_key(node, file, "")) {
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
