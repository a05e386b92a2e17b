// Deterministic mutation test of the catalog loader and the YAML reader under it: the
// built-in catalog text, damaged in seeded random ways (byte flips, truncations, deleted
// and duplicated lines, swapped values, huge numbers, NaN, negative values, wrong types),
// must either load or come back as an Error located in the file. Never a throw, never a
// crash, never a loaded entry that breaks the catalog's invariants.
//
// It runs in CI with any compiler; tests/fuzz/catalog_fuzzer.cc is the coverage-guided
// (libFuzzer) counterpart for clang builds.

#include <cctype>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "core/yaml_reader.h"
#include "invariants.h"
#include "mutate.h"
#include "reader_walk.h"
#include "schema.h"

namespace fleetplan::catalog {
namespace {

using fuzz::join_lines;
using fuzz::located_in;
using fuzz::mutate_once;
using fuzz::Random;
using fuzz::read_text;
using fuzz::split_lines;

// A piece of a catalog file: its leading lines up to the section key and 1-4 consecutive
// entries ("  - name:" blocks). Parsing the whole file costs ~5-10 ms in a Debug build, so
// most cases mutate an excerpt and one in sixteen the whole file; both are built-in text.
std::string excerpt(const std::string& text, Random& rng, std::string& what) {
  if (rng.below(16) == 0) {
    what += "whole-file;";
    return text;
  }
  const std::vector<std::string> lines = split_lines(text);
  std::vector<std::size_t> starts;  // first line of each entry
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("  - name:", 0) == 0) {
      starts.push_back(i);
    }
  }
  if (starts.empty()) {
    return text;
  }
  const std::size_t first = rng.below(starts.size());
  const std::size_t count = 1 + rng.below(4);
  const std::size_t end_entry = std::min(starts.size(), first + count);
  const std::size_t end_line = end_entry < starts.size() ? starts[end_entry] : lines.size();
  std::vector<std::string> out(lines.begin(),
                               lines.begin() + static_cast<std::ptrdiff_t>(starts[0]));
  out.insert(out.end(), lines.begin() + static_cast<std::ptrdiff_t>(starts[first]),
             lines.begin() + static_cast<std::ptrdiff_t>(end_line));
  what += fmt::format("entries {}-{};", first + 1, end_entry);
  return join_lines(out);
}

// What the loader promises about every entry it accepts (invariants.h), and that it read
// every field of the text (none outside tests/fuzz/catalog.dict).
void expect_invariants(const Catalog& catalog, const std::string& text, const std::string& trace) {
  static const fuzz::Schema schema = fuzz::load_schema_named("catalog");
  EXPECT_EQ(fuzz::catalog_problem(catalog), "") << trace;
  EXPECT_EQ(fuzz::first_unknown_field(text, schema), "") << trace << ": accepted an unknown field";
}

struct Source {
  std::string name;
  std::string text;
};

std::vector<Source> builtin_sources() {
  const std::string dir = std::string(FLEETPLAN_TEST_DATA_DIR) + "/catalog/";
  return {{"accelerators.yaml", read_text(dir + "accelerators.yaml")},
          {"models.yaml", read_text(dir + "models.yaml")}};
}

// Loads `text` into a fresh catalog and checks the outcome; returns true when it loaded.
bool check_one(const std::string& text, const std::string& name, const std::string& trace) {
  Catalog catalog;
  try {
    Status status = catalog.add_text(text, name);
    if (!status.ok()) {
      EXPECT_TRUE(located_in(status.error().message, name)) << trace;
      EXPECT_EQ(status.error().kind, ErrorKind::kInput) << trace;
      return false;
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << trace << ": threw " << e.what();
    return false;
  } catch (...) {
    ADD_FAILURE() << trace << ": threw a non-std exception";
    return false;
  }
  expect_invariants(catalog, text, trace);
  return true;
}

TEST(CatalogFuzz, BuiltinTextLoadsUnchanged) {
  for (const auto& source : builtin_sources()) {
    ASSERT_FALSE(source.text.empty()) << source.name;
    EXPECT_TRUE(check_one(source.text, source.name, source.name)) << source.name;
  }
}

// The seed of case `c` of the built-in file `file` (models.yaml's cases 2^20 further on).
std::uint64_t case_seed(std::uint64_t base, int c, const std::string& file) {
  return base + static_cast<std::uint64_t>(c) + (file == "models.yaml" ? 1u << 20U : 0u);
}

// An excerpt of `text` with 1 to 4 stacked mutations; `what` describes them.
std::string mutated_excerpt(const std::string& text, Random& rng, std::string& what) {
  std::string out = excerpt(text, rng, what);
  const std::size_t mutations = 1 + rng.below(4);
  for (std::size_t k = 0; k < mutations; ++k) {
    out = mutate_once(out, rng, what);
  }
  return out;
}

// 3,000 seeded cases: 1,500 per built-in file, each with 1-4 stacked mutations.
TEST(CatalogFuzz, MutatedBuiltinCatalogLoadsOrFailsWithALocatedError) {
  constexpr int kCasesPerFile = 1500;
  int loaded = 0;
  int rejected = 0;
  for (const auto& source : builtin_sources()) {
    for (int c = 0; c < kCasesPerFile; ++c) {
      Random rng(case_seed(0xF1EE7u * 1000003u, c, source.name));
      std::string what;
      const std::string text = mutated_excerpt(source.text, rng, what);
      const std::string trace = fmt::format("{} case {} [{}]", source.name, c, what);
      if (check_one(text, source.name, trace)) {
        ++loaded;
      } else {
        ++rejected;
      }
      if (HasFailure()) {
        return;  // the first failing case is the useful one; stop the flood
      }
    }
  }
  // Both outcomes must occur, or the mutations are too weak (or too strong) to test anything.
  EXPECT_GT(loaded, 300);
  EXPECT_GT(rejected, 1000);
  RecordProperty("loaded", loaded);
  RecordProperty("rejected", rejected);
}

// The reader's other getters (choice, string_list, keys, booleans, nested maps and lists)
// are used by the scenario and policy parsers; walk every field of damaged text with all of
// them. 1,500 seeded cases.
TEST(CatalogFuzz, ReaderGettersOnMutatedTextFailWithLocatedErrors) {
  constexpr int kCasesPerFile = 750;
  int walked = 0;
  int getter_errors = 0;
  for (const auto& source : builtin_sources()) {
    for (int c = 0; c < kCasesPerFile; ++c) {
      Random rng(case_seed(0x5EED0000u, c, source.name));
      std::string what;
      const std::string text = mutated_excerpt(source.text, rng, what);
      const std::string trace = fmt::format("{} reader case {} [{}]", source.name, c, what);
      try {
        auto node = yaml::load_string(text, source.name);
        if (!node.ok()) {
          EXPECT_TRUE(located_in(node.error().message, source.name)) << trace;
          continue;
        }
        yaml::Reader reader(*node, source.name);
        int budget = 2000;
        fuzz::walk_reader(reader, budget);
        // The walk records errors of its own at the end (a missing field, fail(), fail_here());
        // the first error is the first getter's complaint about the damaged text, and it must
        // be located like any other.
        EXPECT_TRUE(located_in(reader.status().error().message, source.name)) << trace;
        ++walked;
        if (reader.status().error().message.find("walked") == std::string::npos &&
            reader.status().error().message.find("field_that_is_not_there") == std::string::npos) {
          ++getter_errors;  // a getter, not the walk's own errors, complained first
        }
      } catch (const std::exception& e) {
        FAIL() << trace << ": threw " << e.what();
      }
      if (HasFailure()) {
        return;
      }
    }
  }
  // Most damaged texts parse as YAML and are walked; on most of those a getter finds a bad
  // value before the walk's own errors (every getter is called on every field).
  EXPECT_GT(walked, 600);
  EXPECT_GT(getter_errors, walked / 2);
  RecordProperty("walked", walked);
  RecordProperty("getter_errors", getter_errors);
}

// Inputs that have crashed or hung YAML readers elsewhere: deep nesting, alias bombs, merge
// keys, complex keys, multiple documents, NUL bytes, invalid UTF-8, a lone BOM.
TEST(CatalogFuzz, HostileYamlShapesFailCleanly) {
  std::vector<std::string> inputs = {
      std::string(5000, '[') + std::string(5000, ']'),
      std::string(5000, '{') + std::string(5000, '}'),
      "models:\n" + std::string(3000, '-') + " x\n",
      "a: &a [1, 2]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: [*c, *c, *c, *c]\n",
      "base: &m {name: m, family: f}\nmodels:\n  - <<: *m\n    layers: 1\n",
      "? [a, b]\n: 1\n",
      "models:\n  - ? {name: x}\n    : 1\n",
      "models: []\n---\nmodels: [1]\n",
      std::string("models:\n  - name: a\0b\n", 22),
      "models:\n  - name: \xff\xfe\n",
      "\xef\xbb\xbf",
      "accelerators:\n  - name: X\n    dense_tflops: [1, 2]\n",
      "accelerators:\n  - name: X\n    dense_tflops: {bf16: .nan}\n",
      "accelerators: {name: X}\n",
      "models:\n  - name: [a]\n",
      "models:\n  - name: m\n    base: m\n",
      "models:\n  - {name: m, base: [x]}\n",
      "models:\n  - !!map {name: m}\n",
      "&x models: 1\n",
      "*x\n",
      "models:\n  - name: m\n    moe_layer_step: 0\n",
      "",
      "~",
      "- 1\n- 2\n",
      "'just text'",
  };
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string trace = fmt::format("hostile input {}", i);
    check_one(inputs[i], "hostile.yaml", trace);
    try {
      auto node = yaml::load_string(inputs[i], "hostile.yaml");
      if (node.ok()) {
        yaml::Reader reader(*node, "hostile.yaml");
        int budget = 2000;
        fuzz::walk_reader(reader, budget);
        EXPECT_TRUE(located_in(reader.status().error().message, "hostile.yaml")) << trace;
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << trace << ": threw " << e.what();
    }
  }
}

}  // namespace
}  // namespace fleetplan::catalog
