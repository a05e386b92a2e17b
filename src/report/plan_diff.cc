#include "report/plan_diff.h"

#include <yaml-cpp/yaml.h>

#include <map>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace fleetplan::report {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

ordered_json compared(const json* a, const json* b) {
  const bool has_a = a != nullptr && a->is_number();
  const bool has_b = b != nullptr && b->is_number();
  ordered_json out;
  out["a"] = has_a ? ordered_json(a->get<double>()) : ordered_json();
  out["b"] = has_b ? ordered_json(b->get<double>()) : ordered_json();
  out["delta"] =
      has_a && has_b ? ordered_json(b->get<double>() - a->get<double>()) : ordered_json();
  return out;
}

// A fleet line one plan does not have is zero accelerators at zero cost.
ordered_json compared_or_zero(const json* a, const json* b) {
  static const json kZero = 0.0;
  return compared(a != nullptr ? a : &kZero, b != nullptr ? b : &kZero);
}

const json* field(const json* object, const char* key) {
  if (object == nullptr || !object->is_object() || !object->contains(key)) {
    return nullptr;
  }
  return &(*object)[key];
}

// Rows of two lists matched by a key, in the order of a, then rows only in b.
template <typename KeyFn>
std::vector<std::pair<const json*, const json*>> match(const json* a, const json* b,
                                                       const KeyFn& key) {
  std::vector<std::pair<const json*, const json*>> rows;
  std::map<std::string, std::size_t> index;
  if (a != nullptr && a->is_array()) {
    for (const auto& row : *a) {
      index.emplace(key(row), rows.size());
      rows.emplace_back(&row, nullptr);
    }
  }
  if (b != nullptr && b->is_array()) {
    for (const auto& row : *b) {
      auto found = index.find(key(row));
      if (found != index.end() && rows[found->second].second == nullptr) {
        rows[found->second].second = &row;
      } else {
        rows.emplace_back(nullptr, &row);
      }
    }
  }
  return rows;
}

std::string text_of(const json* row, const char* key) {
  const json* value = field(row, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : "";
}

ordered_json side(const PlanSide& s) {
  return {{"plan_id", s.id},
          {"scenario", s.plan.value("scenario", "")},
          {"status", s.plan.value("status", "")},
          {"objective", s.plan.value("objective", "")}};
}

void flatten(const YAML::Node& node, const std::string& path,
             std::vector<std::pair<std::string, std::string>>& out) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "?";
      flatten(entry.second, path.empty() ? key : path + "." + key, out);
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      flatten(node[i], fmt::format("{}[{}]", path, i), out);
    }
  } else if (node.IsScalar()) {
    out.emplace_back(path, node.Scalar());
  } else if (node.IsNull()) {
    out.emplace_back(path, "");
  }
}

ordered_json scenario_changes(const std::string& a, const std::string& b) {
  const auto fa = yaml_fields(a);
  const auto fb = yaml_fields(b);
  std::map<std::string, std::string> mb(fb.begin(), fb.end());
  std::map<std::string, std::string> ma(fa.begin(), fa.end());
  ordered_json out = ordered_json::array();
  for (const auto& [path, value] : fa) {
    auto found = mb.find(path);
    if (found == mb.end()) {
      out.push_back({{"path", path}, {"a", value}, {"b", nullptr}});
    } else if (found->second != value) {
      out.push_back({{"path", path}, {"a", value}, {"b", found->second}});
    }
  }
  for (const auto& [path, value] : fb) {
    if (!ma.contains(path)) {
      out.push_back({{"path", path}, {"a", nullptr}, {"b", value}});
    }
  }
  return out;
}

ordered_json option_changes(const json& a, const json& b) {
  ordered_json out = ordered_json::array();
  std::map<std::string, std::pair<json, json>> all;
  const json empty = json::object();
  for (const auto& [key, value] : (a.is_object() ? a : empty).items()) {
    all[key].first = value;
  }
  for (const auto& [key, value] : (b.is_object() ? b : empty).items()) {
    all[key].second = value;
  }
  for (const auto& [key, values] : all) {
    if (values.first != values.second) {
      out.push_back({{"option", key}, {"a", values.first}, {"b", values.second}});
    }
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> yaml_fields(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  try {
    flatten(YAML::Load(text), "", out);
  } catch (const YAML::Exception&) {
    out = {{"(text)", text}};
  }
  return out;
}

ordered_json plan_diff(const PlanSide& a, const PlanSide& b) {
  ordered_json out;
  out["a"] = side(a);
  out["b"] = side(b);
  ordered_json totals = ordered_json::object();
  for (const char* key : {"spend_usd", "cost_usd", "residual_usd", "served_score"}) {
    totals[key] = compared(field(&a.plan, key), field(&b.plan, key));
  }
  out["totals"] = totals;

  const auto pa = field(&a.plan, "periods");
  const auto pb = field(&b.plan, "periods");
  ordered_json periods = ordered_json::array();
  ordered_json fleet = ordered_json::array();
  ordered_json served = ordered_json::array();
  for (const auto& [ra, rb] : match(pa, pb, [](const json& p) { return p.value("name", ""); })) {
    const std::string period = text_of(ra != nullptr ? ra : rb, "name");
    ordered_json row = {{"period", period}};
    for (const char* key : {"budget_usd", "spend_usd", "served_tokens_per_day",
                            "demand_tokens_per_day", "capacity_tokens_per_day", "domestic_share",
                            "accelerators_active", "accelerators_acquired"}) {
      row[key] = compared(field(ra, key), field(rb, key));
    }
    periods.push_back(row);
    const auto fleet_key = [](const json& f) {
      return f.value("accelerator", "") + "|" + f.value("site", "") + "|" + f.value("mode", "");
    };
    for (const auto& [fa, fb] : match(field(ra, "fleet"), field(rb, "fleet"), fleet_key)) {
      const json* any = fa != nullptr ? fa : fb;
      fleet.push_back(
          {{"period", period},
           {"accelerator", text_of(any, "accelerator")},
           {"site", text_of(any, "site")},
           {"mode", text_of(any, "mode")},
           {"count", compared_or_zero(field(fa, "count"), field(fb, "count"))},
           {"cost_usd", compared_or_zero(field(fa, "cost_usd"), field(fb, "cost_usd"))}});
    }
    const auto service_key = [](const json& s) { return s.value("name", ""); };
    for (const auto& [sa, sb] : match(field(ra, "services"), field(rb, "services"), service_key)) {
      const json* any = sa != nullptr ? sa : sb;
      served.push_back({{"period", period},
                        {"service", text_of(any, "name")},
                        {"unit", text_of(any, "unit")},
                        {"served", compared(field(sa, "served"), field(sb, "served"))},
                        {"demand", compared(field(sa, "demand"), field(sb, "demand"))}});
    }
  }
  out["periods"] = periods;
  out["fleet"] = fleet;
  out["served"] = served;

  ordered_json rules = ordered_json::array();
  const auto rule_key = [](const json& r) { return r.value("name", ""); };
  for (const auto& [ra, rb] : match(field(&a.plan, "rules"), field(&b.plan, "rules"), rule_key)) {
    const json* any = ra != nullptr ? ra : rb;
    const auto binding = [](const json* r) {
      const json* v = field(r, "binding");
      return v != nullptr && v->is_boolean() ? ordered_json(v->get<bool>()) : ordered_json();
    };
    rules.push_back({{"rule", text_of(any, "name")},
                     {"cost_usd", compared(field(ra, "cost_usd"), field(rb, "cost_usd"))},
                     {"binding", {{"a", binding(ra)}, {"b", binding(rb)}}}});
  }
  out["rules"] = rules;
  out["inputs"] = {{"scenario", scenario_changes(a.scenario_text, b.scenario_text)},
                   {"options", option_changes(a.options, b.options)}};
  return out;
}

}  // namespace fleetplan::report
