// The fuzz dictionaries are also the parsers' field lists (schema.h): a fuzz target fails
// when a parser accepts a field the list lacks. Every field of every file shipped in data/
// and examples/ must therefore be in its parser's dictionary, and each dictionary line must
// be one libFuzzer reads.
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mutate.h"
#include "schema.h"

namespace fleetplan::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> files_in(const std::string& dir, const std::string& extension) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(std::string(FLEETPLAN_SOURCE_DIR) + "/" + dir)) {
    if (entry.path().extension() == extension) {
      out.push_back(entry.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FuzzDictionary, EveryLineIsALibFuzzerEntry) {
  const std::regex entry(R"re(^[A-Za-z_0-9]*="([^"\\]|\\.)*"$)re");
  for (const std::string& path : files_in("tests/fuzz", ".dict")) {
    std::ifstream in(path);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty() || line[0] == '#') {
        continue;
      }
      EXPECT_TRUE(std::regex_match(line, entry)) << path << ":" << number << ": " << line;
    }
  }
}

TEST(FuzzDictionary, SchemaReadsFieldsAndNamedMaps) {
  const Schema schema = load_schema_named("scenario");
  EXPECT_EQ(schema.fields.count("peak_to_average"), 1U);
  EXPECT_EQ(schema.fields.count("buy"), 0U);  // a value, not a field
  EXPECT_EQ(schema.named_maps.count("exchange_rates"), 1U);
  // A key beside a field, a key inside a list item, a free key under a named map.
  EXPECT_EQ(first_unknown_field("settings: {peak_to_avg: 1}\n", schema), "settings.peak_to_avg");
  EXPECT_EQ(first_unknown_field("periods:\n  - name: a\n    bugdet: 1\n", schema),
            "periods[0].bugdet");
  EXPECT_EQ(first_unknown_field("periods:\n  - exchange_rates: {CNY: 7}\n", schema), "");
  EXPECT_EQ(first_unknown_field("periods:\n  - exchange_rates: {CNY: {x: 1}}\n", schema),
            "periods[0].exchange_rates.CNY.x");
  EXPECT_EQ(unknown_columns("# c\narrival_s, input_tokens,\"output_tokens\",servic\n",
                            load_schema_named("trace")),
            "'servic'");
}

TEST(FuzzDictionary, LocationProblemAcceptsOnlyLocatedMessages) {
  EXPECT_EQ(location_problem("f.yaml:3:7: periods[0].budget: bad", "f.yaml"), "");
  EXPECT_EQ(location_problem("f.csv:12: ttft_ms: bad", "f.csv"), "");
  EXPECT_EQ(location_problem("f.yaml: periods[0].demand[1].service: bad", "f.yaml"), "");
  EXPECT_NE(location_problem("f.yaml: the file is bad", "f.yaml"), "");
  EXPECT_NE(location_problem("f.yaml:x: bad", "f.yaml"), "");
  EXPECT_NE(location_problem("bad value", "f.yaml"), "");
  EXPECT_EQ(location_problem("/x/trace.csv:5:17: service: no service named 'b'", "f.yaml"), "");
  EXPECT_NE(location_problem("/x/trace.csv: cannot open", "f.yaml"), "");
}

struct Seeds {
  std::string dictionary;
  std::vector<std::string> files;
};

TEST(FuzzDictionary, EveryShippedFieldIsInItsDictionary) {
  // examples/ holds simulation scenarios (simulate-*.yaml) and sweep files (sweep-*.yaml).
  std::vector<std::string> simulations = files_in("examples", ".yaml");
  std::erase_if(simulations, [](const std::string& file) {
    return file.find("/simulate-") == std::string::npos;
  });
  std::vector<Seeds> seeds = {
      {"catalog", files_in("data/catalog", ".yaml")},
      {"scenario", files_in("data/scenarios", ".yaml")},
      {"sim_scenario", simulations},
  };
  for (const auto& [dictionary, files] : seeds) {
    const Schema schema = load_schema_named(dictionary);
    ASSERT_FALSE(schema.empty()) << dictionary;
    ASSERT_FALSE(files.empty()) << dictionary;
    for (const std::string& file : files) {
      EXPECT_EQ(first_unknown_field(read_text(file), schema), "")
          << file << " has a field that tests/fuzz/" << dictionary << ".dict lacks";
    }
  }
  const std::string root = FLEETPLAN_SOURCE_DIR;
  EXPECT_EQ(
      unknown_columns(read_text(root + "/examples/simulate-trace.csv"), load_schema_named("trace")),
      "");
  EXPECT_EQ(unknown_columns(read_text(root + "/data/reference/measurements-calibration.csv"),
                            load_schema_named("measurements")),
            "");
}

}  // namespace
}  // namespace fleetplan::fuzz
