// The field names a parser knows, read from its libFuzzer dictionary, and the checks the
// fuzz targets and mutation tests make with them: an input that loads has no field outside
// the list (a typo is never ignored), and an input that fails has a located message.
//
// Dictionary convention (tests/fuzz/*.dict): `kw_X="X:"` names a field X (a mapping key, or
// a CSV column for the CSV dictionaries); `namedmap_X="X:"` names a field X whose value is a
// mapping keyed by free names (currency codes, family names), whose keys are not fields.
// Other entries are YAML or CSV tokens for the fuzzer only.
#pragma once

#include <cctype>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace fleetplan::fuzz {

struct Schema {
  std::set<std::string, std::less<>> fields;
  std::set<std::string, std::less<>> named_maps;
  [[nodiscard]] bool empty() const { return fields.empty(); }
};

//! Reads the `kw_` and `namedmap_` entries of a libFuzzer dictionary; empty when unreadable.
inline Schema load_schema(const std::string& dict_path) {
  Schema schema;
  std::ifstream in(dict_path);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t eq = line.find("=\"");
    if (eq == std::string::npos || line.empty() || line[0] == '#') {
      continue;
    }
    const std::string label = line.substr(0, eq);
    std::string value = line.substr(eq + 2);
    if (value.size() < 2 || value.back() != '"') {
      continue;
    }
    value.pop_back();
    if (!value.empty() && value.back() == ':') {
      value.pop_back();
    }
    if (label.rfind("kw_", 0) == 0) {
      schema.fields.insert(value);
    } else if (label.rfind("namedmap_", 0) == 0) {
      schema.fields.insert(value);
      schema.named_maps.insert(value);
    }
  }
  return schema;
}

//! The dictionary `tests/fuzz/<name>.dict` of this source tree.
inline Schema load_schema_named(const std::string& name) {
  return load_schema(std::string(FLEETPLAN_SOURCE_DIR) + "/tests/fuzz/" + name + ".dict");
}

namespace detail {

inline void find_unknown(const YAML::Node& node, const Schema& schema, const std::string& path,
                         bool named_keys, int& budget, std::string& found) {
  if (!found.empty() || --budget < 0) {
    return;
  }
  if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size() && found.empty(); ++i) {
      find_unknown(node[i], schema, path + "[" + std::to_string(i) + "]", false, budget, found);
    }
    return;
  }
  if (!node.IsMap()) {
    return;
  }
  for (const auto& kv : node) {
    if (!found.empty()) {
      return;
    }
    if (!kv.first.IsScalar()) {
      found = path + ".<non-scalar key>";
      return;
    }
    const std::string key = kv.first.Scalar();
    const std::string child = path.empty() ? key : path + "." + key;
    if (!named_keys && schema.fields.count(key) == 0) {
      found = child;
      return;
    }
    find_unknown(kv.second, schema, child, !named_keys && schema.named_maps.count(key) > 0, budget,
                 found);
  }
}

}  // namespace detail

//! The path of the first mapping key of `text` that is not a field of `schema` ("" when all
//! are, or when the text is not YAML; the parser under test reports those). `budget` caps the
//! nodes visited (aliases can make a short document a wide tree).
inline std::string first_unknown_field(const std::string& text, const Schema& schema,
                                       int budget = 200000) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const std::exception&) {
    return "";
  }
  std::string found;
  detail::find_unknown(root, schema, "", false, budget, found);
  return found;
}

//! The columns of the first non-comment line of CSV text that are not fields of `schema`
//! (a header the parser accepted), joined by ", ".
inline std::string unknown_columns(std::string_view text, const Schema& schema) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') {
      continue;
    }
    std::string out;
    std::size_t start = 0;
    while (start <= line.size()) {
      std::size_t comma = line.find(',', start);
      if (comma == std::string_view::npos) {
        comma = line.size();
      }
      std::string column(line.substr(start, comma - start));
      while (!column.empty() && (column.front() == ' ' || column.front() == '\t')) {
        column.erase(0, 1);
      }
      while (!column.empty() && (column.back() == ' ' || column.back() == '\t')) {
        column.pop_back();
      }
      if (column.size() >= 2 && column.front() == '"' && column.back() == '"') {
        column = column.substr(1, column.size() - 2);
      }
      if (schema.fields.count(column) == 0) {
        out += (out.empty() ? "" : ", ") + std::string("'") + column + "'";
      }
      start = comma + 1;
    }
    return out;
  }
  return "";
}

//! Whether `message` is located in file `name`: "<name>:<line>:<col>: ...", "<name>:<line>:
//! ..." or "<name>: <field.path>: ..." (a field path: a field name, dots, brackets). Returns
//! "" when it is, else why not.
inline std::string location_problem(const std::string& message, const std::string& name) {
  const std::string prefix = name + ":";
  if (message.rfind(prefix, 0) != 0) {
    // Located in a file the input refers to (a simulation scenario's trace: "t.csv:5:17: ...").
    const std::size_t colon = message.find(':');
    std::size_t at = colon == std::string::npos ? message.size() : colon + 1;
    const std::size_t digits_begin = at;
    while (at < message.size() && std::isdigit(static_cast<unsigned char>(message[at])) != 0) {
      ++at;
    }
    if (colon != std::string::npos && colon > 0 && at > digits_begin && at < message.size() &&
        message[at] == ':') {
      return "";
    }
    return "message does not start with '" + prefix + "'";
  }
  std::size_t at = prefix.size();
  if (at < message.size() && message[at] == ' ') {
    // "<name>: <path>: ..." where <path> is a field path, e.g. periods[0].budget.
    ++at;
    const std::size_t colon = message.find(": ", at);
    if (colon == std::string::npos || colon == at) {
      return "no field path after '" + prefix + " '";
    }
    for (std::size_t i = at; i < colon; ++i) {
      const auto c = static_cast<unsigned char>(message[i]);
      if (std::isalnum(c) == 0 && c != '_' && c != '.' && c != '[' && c != ']' && c != '-') {
        return "'" + message.substr(at, colon - at) + "' is not a field path";
      }
    }
    return "";
  }
  const std::size_t digits_begin = at;
  while (at < message.size() && std::isdigit(static_cast<unsigned char>(message[at])) != 0) {
    ++at;
  }
  if (at == digits_begin || at >= message.size() || message[at] != ':') {
    return "no '<line>:' after '" + prefix + "'";
  }
  return "";
}

}  // namespace fleetplan::fuzz
