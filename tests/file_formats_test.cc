// docs/file-formats.md's settings table is the options registry's scenario entries, row for
// row: a setting added, removed, or given another default, range or doc in
// src/scenario/settings_options.cc must be changed in the user reference too.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "scenario/settings_options.h"

namespace fleetplan {
namespace {

std::string read_doc() {
  std::ifstream in(std::string(FLEETPLAN_SOURCE_DIR) + "/docs/file-formats.md");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The row the reference gives a setting: | `name` | kind | default | range | doc |.
std::string settings_row(const options::Spec& spec) {
  std::string kind;
  std::string fallback;
  std::string range;
  switch (spec.kind) {
    case options::Kind::kChoice:
      kind = "choice";
      fallback = fmt::format("`{}`", spec.default_text);
      range = fmt::format("`{}`", fmt::join(spec.choices, "`, `"));
      break;
    case options::Kind::kText:
      kind = "text";
      fallback = fmt::format("`{}`", spec.default_text);
      range = "a three-letter ISO code with a rate in every period";
      break;
    case options::Kind::kInteger:
      kind = "integer";
      fallback = fmt::format("{}", static_cast<long long>(spec.default_number));
      range = fmt::format("{} to {}", static_cast<long long>(spec.min),
                          static_cast<long long>(spec.max));
      break;
    default:
      kind = "number";
      fallback = fmt::format("{}", spec.default_number);
      range = fmt::format("{} to {}", spec.min, spec.max);
      break;
  }
  return fmt::format("| `{}` | {} | {} | {} | {} |\n", spec.name, kind, fallback, range, spec.doc);
}

TEST(FileFormats, SettingsTableIsTheRegistry) {
  const std::string doc = read_doc();
  ASSERT_FALSE(doc.empty());
  const std::size_t table = doc.find("| field | type | default | range / choices | meaning |");
  ASSERT_NE(table, std::string::npos);
  const std::size_t end = doc.find("\n\n", table);
  const std::string rows = doc.substr(table, end - table + 1);
  int scenario_settings = 0;
  for (const options::Spec& spec : scenario::settings_options().all()) {
    const std::string row = settings_row(spec);
    if ((spec.scopes & options::kScenario) == 0U) {
      // Run-only options (rule_costs, verify) are not scenario fields.
      EXPECT_EQ(rows.find("| `" + spec.name + "` |"), std::string::npos) << spec.name;
      continue;
    }
    ++scenario_settings;
    EXPECT_NE(rows.find(row), std::string::npos) << "docs/file-formats.md lacks the row\n" << row;
  }
  // The header, the rule and one row per scenario setting: no row the registry lacks.
  EXPECT_EQ(std::count(rows.begin(), rows.end(), '\n'), scenario_settings + 2);
  EXPECT_EQ(scenario_settings, 12);  // objective ... max_deployment in settings_options.cc
}

}  // namespace
}  // namespace fleetplan
