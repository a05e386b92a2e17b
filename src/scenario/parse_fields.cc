// Field readers the sections share: dates, money amounts, names, provenance (see detail/parser.h).
#include "scenario/detail/parser.h"

namespace fleetplan::scenario::detail {

std::optional<Date> Parser::date(yaml::Reader& r, std::string_view key, bool required) {
  auto text = r.optional_string(key);
  if (!text) {
    if (required && !r.has(key)) {
      r.fail(key, "required date is missing; expected YYYY-MM-DD");
    }
    return std::nullopt;
  }
  auto parsed = parse_date(*text);
  if (!parsed.ok()) {
    r.fail(key, parsed.error().message);
    return std::nullopt;
  }
  return *parsed;
}

// A money amount: "160 bn CNY" or "20000 USD", optionally followed by a price year
// ("20000 USD 2025"). A bare number has no currency and is rejected.
std::optional<units::Money> Parser::money(yaml::Reader& r, std::string_view key, bool required,
                                          bool allow_negative) {
  return read_money_field(r, key, required, allow_negative);
}

// Checks that `m` converts in every period (the field is used in all of them).
void Parser::check_convertible_everywhere(yaml::Reader& r, std::string_view key,
                                          const units::Money& m) {
  for (const auto& p : out_.periods) {
    if (!p.to_usd(m).ok()) {
      r.fail(key, fmt::format("currency {} has no exchange rate in period '{}'; add it to "
                              "periods[].exchange_rates (units per USD)",
                              m.currency, p.name));
      return;
    }
  }
}

Provenance Parser::provenance(yaml::Reader& r) {
  Provenance p;
  p.source = r.string_or("source", "");
  p.assumption = r.string_or("assumption", "");
  if (!p.assumption.empty()) {
    references_.push_back({r.path() + ".assumption", p.assumption, location_of(r, "assumption")});
  }
  return p;
}

std::string Parser::location_of(const yaml::Reader& r, std::string_view key) {
  // Never assign one yaml-cpp node to another here: `at = at[key]` writes the key's value
  // into the mapping itself (yaml-cpp assigns through references), and the fields read
  // after it (a period's budget lines and demand) silently vanished.
  const YAML::Node node = r.node();
  YAML::Mark mark = node.Mark();
  if (node.IsMap()) {
    const YAML::Node value = node[std::string(key)];
    if (value.IsDefined()) {
      mark = value.Mark();
    }
  }
  return fmt::format("{}:{}:{}", r.file(), mark.line + 1, mark.column + 1);
}

// A unique, non-empty name for an item of a list.
std::string Parser::unique_name(yaml::Reader& r, std::set<std::string>& seen,
                                std::string_view what) {
  std::string name = r.string("name");
  if (r.has("name") && name.empty()) {
    r.fail("name", fmt::format("empty {} name", what));
  } else if (!name.empty() && !seen.insert(name).second) {
    r.fail("name", fmt::format("duplicate {} name '{}'; names must be unique", what, name));
  }
  return name;
}

std::string Parser::accelerator_name(yaml::Reader& r, std::string_view key,
                                     const std::string& value, bool need_figures) {
  auto found = catalog_.accelerator(value);
  if (!found.ok()) {
    r.fail(key, found.error().message);
    return value;
  }
  if (need_figures && !(*found)->has_performance_figures()) {
    r.fail(key, fmt::format("accelerator '{}' has no performance figures in the catalog, so "
                            "it cannot be planned; expected one with memory, bandwidth and "
                            "BF16 figures (see `fleetplan catalog accelerators`)",
                            value));
  }
  return (*found)->name;
}

std::vector<std::string> Parser::country_list(yaml::Reader& r, std::string_view key) {
  auto codes = r.string_list(key, false);
  for (const auto& c : codes) {
    if (!is_country_code(c)) {
      r.fail(key, fmt::format("'{}' is not a country code; expected an ISO 3166 alpha-2 code "
                              "such as CN or MY",
                              c));
    }
  }
  return codes;
}

std::vector<std::string> Parser::site_names(yaml::Reader& r, std::string_view key) {
  auto names = r.string_list(key, false);
  for (const auto& n : names) {
    if (out_.site(n) == nullptr) {
      r.fail(key, fmt::format("unknown site '{}'; expected one of: {}", n, known_sites()));
    }
  }
  return names;
}

std::string Parser::known_sites() const {
  std::vector<std::string> names;
  for (const auto& s : out_.sites) {
    names.push_back(s.name);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string Parser::known_periods() const {
  std::vector<std::string> names;
  for (const auto& p : out_.periods) {
    names.push_back(p.name);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace fleetplan::scenario::detail
