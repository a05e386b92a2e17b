#include "analysis/parameter.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/yaml_reader.h"

namespace fleetplan::analysis {
namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

std::string path_prefix(const ParameterPath& path, std::size_t steps) {
  std::string out;
  for (std::size_t i = 0; i < steps && i < path.steps.size(); ++i) {
    if (i > 0) {
      out += '.';
    }
    out += path.steps[i].field;
    if (!path.steps[i].selector.empty()) {
      out += fmt::format("[{}]", fmt::join(path.steps[i].selector, ","));
    }
  }
  return out;
}

std::string scalar_of(const YAML::Node& node, const std::string& key) {
  const YAML::Node child = node[key];
  return child && child.IsScalar() ? child.Scalar() : std::string();
}

// The selector that names `item` ("H200-SXM,buy"), for messages.
std::string selector_of(const YAML::Node& item, const std::vector<std::string>& keys) {
  std::vector<std::string> parts;
  parts.reserve(keys.size());
  for (const auto& key : keys) {
    parts.push_back(scalar_of(item, key));
  }
  const std::string name = scalar_of(item, "name");
  std::string joined = fmt::format("{}", fmt::join(parts, ","));
  if (!name.empty() && name != joined) {
    joined = fmt::format("{} (or {})", name, joined);
  }
  return joined;
}

bool matches(const YAML::Node& item, const std::vector<std::string>& selector,
             const std::vector<std::string>& keys) {
  if (!item.IsMap()) {
    return false;
  }
  if (selector.size() == 1 && scalar_of(item, "name") == selector[0]) {
    return true;
  }
  if (selector.size() > keys.size()) {
    return false;
  }
  for (std::size_t k = 0; k < selector.size(); ++k) {
    if (scalar_of(item, keys[k]) != selector[k]) {
      return false;
    }
  }
  return true;
}

// The item of `list` that `step` selects.
Result<YAML::Node> select_item(const YAML::Node& list, const PathStep& step,
                               const ParameterPath& path, std::size_t index) {
  const auto keys = item_keys(step.field);
  std::vector<std::string> known;
  std::optional<YAML::Node> found;
  int count = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    known.push_back(selector_of(item, keys));
    if (matches(item, step.selector, keys)) {
      if (count == 0) {
        found = item;
      }
      ++count;
    }
  }
  const std::string where = path_prefix(path, index + 1);
  if (count == 0) {
    return not_found_error(fmt::format("{}: no item '{}' in {}; expected one of: {} (by {})",
                                       path.text, fmt::join(step.selector, ","), step.field,
                                       fmt::join(known, "; "), fmt::join(keys, ",")));
  }
  if (count > 1) {
    return input_error(fmt::format("{}: '{}' matches {} items of {}; name them by {}", path.text,
                                   where, count, step.field, fmt::join(keys, ",")));
  }
  return *found;
}

struct Location {
  YAML::Node parent;  // a mapping
  std::string key;
};

// Walks the document to the mapping that holds the path's last field.
Result<Location> locate(const YAML::Node& root, const ParameterPath& path) {
  YAML::Node node;
  node.reset(root);
  for (std::size_t i = 0; i < path.steps.size(); ++i) {
    const PathStep& step = path.steps[i];
    const std::string where = path_prefix(path, i);
    if (!node.IsMap()) {
      return input_error(fmt::format("{}: '{}' is not a mapping, so it has no field '{}'",
                                     path.text, where.empty() ? "(top level)" : where, step.field));
    }
    const bool last = i + 1 == path.steps.size();
    if (last && step.selector.empty()) {
      return Location{node, step.field};
    }
    const YAML::Node& const_node = node;
    const YAML::Node child = const_node[step.field];
    if (!child) {
      std::vector<std::string> fields;
      for (const auto& kv : node) {
        fields.push_back(kv.first.Scalar());
      }
      return not_found_error(fmt::format("{}: no field '{}' in {}; it has: {}", path.text,
                                         step.field, where.empty() ? "the file" : where,
                                         fmt::join(fields, ", ")));
    }
    if (step.selector.empty()) {
      node.reset(child);
      continue;
    }
    if (!child.IsSequence()) {
      return input_error(fmt::format("{}: '{}' is not a list, so '[{}]' selects nothing", path.text,
                                     path_prefix(path, i) + (i ? "." : "") + step.field,
                                     fmt::join(step.selector, ",")));
    }
    auto item = select_item(child, step, path, i);
    if (!item.ok()) {
      return item.error();
    }
    if (last) {
      return input_error(fmt::format(
          "{}: names a whole item of {}, not a value; add a field "
          "(e.g. {}.{})",
          path.text, step.field, path.text, step.field == "procurement" ? "unit_price" : "name"));
    }
    node.reset(*item);
  }
  return input_error(fmt::format("'{}': empty path", path.text));
}

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return not_found_error(fmt::format("{}: cannot read the file", path));
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

bool ParameterPath::perf_error() const { return text == kPerfErrorPath; }

Result<ParameterPath> parse_path(std::string_view text) {
  ParameterPath path;
  path.text = std::string(text);
  if (text == kPerfErrorPath) {
    path.steps = {{"perf", {}}, {"error", {}}};
    return path;
  }
  const auto expected = [&](std::size_t at, std::string_view what) {
    return input_error(
        fmt::format("parameter path '{}': {} at character {}; expected e.g. "
                    "'procurement[H200-SXM,buy].unit_price' or 'periods[2026].exchange_rates.CNY'",
                    text, what, at + 1));
  };
  std::size_t i = 0;
  while (true) {
    PathStep step;
    const std::size_t start = i;
    while (i < text.size() && is_name_char(text[i])) {
      ++i;
    }
    if (i == start) {
      return expected(i, "a field name is missing");
    }
    step.field = std::string(text.substr(start, i - start));
    if (i < text.size() && text[i] == '[') {
      const auto close = text.find(']', i);
      if (close == std::string_view::npos) {
        return expected(i, "'[' without ']'");
      }
      std::string_view inside = text.substr(i + 1, close - i - 1);
      std::size_t from = 0;
      while (true) {
        const auto comma = inside.find(',', from);
        std::string part(
            inside.substr(from, comma == std::string_view::npos ? inside.npos : comma - from));
        while (!part.empty() && part.front() == ' ') {
          part.erase(part.begin());
        }
        while (!part.empty() && part.back() == ' ') {
          part.pop_back();
        }
        if (part.empty()) {
          return expected(i + 1 + from, "an empty name in '[...]'");
        }
        step.selector.push_back(part);
        if (comma == std::string_view::npos) {
          break;
        }
        from = comma + 1;
      }
      i = close + 1;
    }
    path.steps.push_back(std::move(step));
    if (i == text.size()) {
      break;
    }
    if (text[i] != '.') {
      return expected(i, fmt::format("unexpected '{}'", text[i]));
    }
    ++i;
  }
  if (path.steps.front().field == "perf") {
    return not_found_error(
        fmt::format("parameter path '{}': the performance model has one "
                    "parameter, '{}' (a multiplier on every capacity)",
                    text, kPerfErrorPath));
  }
  return path;
}

std::vector<std::string> item_keys(std::string_view list_field) {
  if (list_field == "procurement") {
    return {"accelerator", "mode"};
  }
  if (list_field == "installed") {
    return {"accelerator", "site"};
  }
  if (list_field == "demand") {
    return {"service"};
  }
  if (list_field == "supply") {
    return {"period"};
  }
  return {"name"};
}

Result<ScenarioDocument> ScenarioDocument::load(std::string_view name_or_path) {
  std::string path(name_or_path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    auto builtin = scenario::builtin_scenario_path(name_or_path);
    if (!builtin.ok()) {
      return builtin.error();
    }
    path = *builtin;
  }
  auto text = read_text(path);
  if (!text.ok()) {
    return text.error();
  }
  return from_text(std::move(*text), path);
}

Result<ScenarioDocument> ScenarioDocument::from_text(std::string text, std::string name) {
  auto root = yaml::load_string(text, name);
  if (!root.ok()) {
    return root.error();
  }
  ScenarioDocument doc;
  doc.text_ = std::move(text);
  doc.name_ = std::move(name);
  doc.root_ = *root;
  return doc;
}

Result<std::optional<std::string>> ScenarioDocument::value_at(const ParameterPath& path) const {
  if (path.perf_error()) {
    return std::optional<std::string>("1");
  }
  auto at = locate(root_, path);
  if (!at.ok()) {
    return at.error();
  }
  const YAML::Node& parent = at->parent;
  const YAML::Node value = parent[at->key];
  if (!value) {
    return std::optional<std::string>();
  }
  if (!value.IsScalar()) {
    return input_error(fmt::format("{}: is a {}, not a single value", path.text,
                                   value.IsSequence() ? "list" : "mapping"));
  }
  return std::optional<std::string>(value.Scalar());
}

Result<scenario::Scenario> ScenarioDocument::scenario_with(
    const std::vector<Assignment>& assignments, const catalog::Catalog& catalog) const {
  // A fresh parse for each variant: yaml-cpp nodes share their data, so writing into a
  // copy of root_ would write into root_.
  auto root = yaml::load_string(text_, name_);
  if (!root.ok()) {
    return root.error();
  }
  for (const auto& assignment : assignments) {
    if (assignment.path->perf_error()) {
      continue;
    }
    auto at = locate(*root, *assignment.path);
    if (!at.ok()) {
      return at.error();
    }
    at->parent[at->key] = assignment.value;
  }
  YAML::Emitter out;
  out << *root;
  return scenario::load_scenario_text(out.c_str(), name_, catalog);
}

}  // namespace fleetplan::analysis
