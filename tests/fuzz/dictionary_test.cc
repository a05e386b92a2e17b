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

std::string fmt_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    out += (out.empty() ? "`" : ", `") + n + "`";
  }
  return out;
}

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
  EXPECT_EQ(unknown_columns("# c\narrival_s, input_len,\"output_len\",servic\n",
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

// The part of docs/file-formats.md that documents one dictionary's format: from its marker
// `<!-- dictionary: NAME -->` to the next level-2 heading; empty without the marker.
std::string doc_section(const std::string& doc, const std::string& dictionary) {
  const std::string marker = "<!-- dictionary: " + dictionary + " -->";
  const std::size_t start = doc.find(marker);
  if (start == std::string::npos) {
    return "";
  }
  const std::size_t end = doc.find("\n## ", start);
  return doc.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The fields of `schema` that `section` never names as `field` (in backticks).
std::vector<std::string> undocumented_fields(const std::string& section, const Schema& schema) {
  std::vector<std::string> missing;
  for (const std::string& field : schema.fields) {
    if (section.find("`" + field + "`") == std::string::npos) {
      missing.push_back(field);
    }
  }
  return missing;
}

TEST(FuzzDictionary, DocSectionsAndUndocumentedFields) {
  // Field b is named in backticks only in another format's section, and in plain text in
  // its own: it is undocumented; a dictionary without a marker has no section.
  const std::string doc =
      "# F\n## A\n<!-- dictionary: x -->\n`a` and b\n### sub\n`c`\n## B\n"
      "<!-- dictionary: y -->\n`b`\n";
  Schema schema;
  schema.fields = {"a", "b", "c"};
  EXPECT_EQ(doc_section(doc, "z"), "");
  EXPECT_EQ(undocumented_fields(doc_section(doc, "x"), schema), std::vector<std::string>{"b"});
  EXPECT_EQ(undocumented_fields(doc_section(doc, "y"), schema),
            (std::vector<std::string>{"a", "c"}));
}

TEST(FuzzDictionary, FileFormatsDocumentsEveryField) {
  // Every field a parser reads (its dictionary's kw_ and namedmap_ entries) is documented in
  // the user reference, in the section of its format.
  const std::string doc = read_text(std::string(FLEETPLAN_SOURCE_DIR) + "/docs/file-formats.md");
  ASSERT_FALSE(doc.empty());
  const std::vector<std::string> dictionaries = files_in("tests/fuzz", ".dict");
  ASSERT_GE(dictionaries.size(), 5U);  // catalog, measurements, scenario, sim_scenario, trace
  for (const std::string& path : dictionaries) {
    const std::string name = fs::path(path).stem().string();
    const Schema schema = load_schema(path);
    ASSERT_FALSE(schema.empty()) << path;
    const std::string section = doc_section(doc, name);
    ASSERT_FALSE(section.empty()) << "docs/file-formats.md has no <!-- dictionary: " << name
                                  << " --> section";
    const std::vector<std::string> missing = undocumented_fields(section, schema);
    EXPECT_TRUE(missing.empty()) << "docs/file-formats.md, section of " << name
                                 << ".dict, does not document: " << fmt_list(missing);
  }
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
