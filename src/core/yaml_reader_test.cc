#include "core/yaml_reader.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace fleetplan::yaml {
namespace {

Reader reader_of(const std::string& text) {
  auto node = load_string(text, "t.yaml");
  EXPECT_TRUE(node.ok());
  return {*node, "t.yaml"};
}

TEST(YamlReader, ReadsTypedFields) {
  Reader r = reader_of("a: 1.5\nb: 7\nc: text\nd: true\n");
  EXPECT_DOUBLE_EQ(r.number("a"), 1.5);
  EXPECT_EQ(r.integer("b", 0, 10), 7);
  EXPECT_EQ(r.string("c"), "text");
  EXPECT_TRUE(r.boolean("d"));
  r.reject_unknown_fields();
  EXPECT_TRUE(r.status().ok());
}

TEST(YamlReader, BadNumberNamesFileLineColumnPathAndValue) {
  Reader r = reader_of("items:\n  - name: x\n    memory_gb: lots\n");
  auto items = r.list("items");
  ASSERT_EQ(items.size(), 1u);
  items[0].string("name");
  items[0].number("memory_gb", 0, 1e6);
  ASSERT_FALSE(r.status().ok());
  // line 3, column 16 is where "lots" starts (1-based).
  EXPECT_EQ(r.status().error().message,
            "t.yaml:3:16: items[0].memory_gb: expected a number, got 'lots'");
}

TEST(YamlReader, OutOfRangeAndMissing) {
  Reader r = reader_of("count: -3\n");
  r.integer("count", 1, 100);
  r.number("rate");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().error().message.find("-3 is out of range"), std::string::npos);
}

TEST(YamlReader, UnknownFieldIsAnError) {
  Reader r = reader_of("name: a\nnmae: b\n");
  r.string("name");
  r.reject_unknown_fields();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().error().message, "t.yaml:2:1: nmae: unknown field 'nmae'");
}

TEST(YamlReader, RenamedFieldNamesItsNewName) {
  Reader r = reader_of("name: a\ntoken_budget: 64\n");
  r.renamed("token_budget", "max_num_tokens");
  r.optional_integer("max_num_tokens", 1, 100);
  r.string("name");
  r.reject_unknown_fields();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().error().message,
            "t.yaml:2:1: token_budget: `token_budget` was renamed `max_num_tokens`");
}

TEST(YamlReader, RenamedFieldAbsentIsNoError) {
  Reader r = reader_of("max_num_tokens: 64\n");
  r.renamed("token_budget", "max_num_tokens");
  EXPECT_EQ(r.integer("max_num_tokens", 1, 100), 64);
  r.reject_unknown_fields();
  EXPECT_TRUE(r.ok());
}

TEST(YamlReader, ChoiceListsTheAllowedValues) {
  Reader r = reader_of("mode: rent\n");
  r.choice("mode", {"buy", "lease"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().error().message.find("expected one of: buy, lease"), std::string::npos);
}

TEST(YamlReader, SyntaxErrorHasLineAndColumn) {
  auto node = load_string("a: [1, 2\nb: 3\n", "bad.yaml");
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.error().message.rfind("bad.yaml:", 0), 0u);
}

}  // namespace
}  // namespace fleetplan::yaml

namespace fleetplan::yaml {
namespace {

TEST(YamlReader, AnErrorLeavesTheMappingIntactForLaterChecks) {
  // Two problems in one mapping: a bad number, then an unknown field. Reporting the first
  // must not damage the mapping, or the second goes unseen.
  auto node = load_string("a: x\nb: 2\nzzz: 3\n", "t.yaml");
  ASSERT_TRUE(node.ok());
  Reader r(*node, "t.yaml");
  r.number("a");
  EXPECT_DOUBLE_EQ(r.number("b"), 2.0);
  r.reject_unknown_fields();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().error().message, "t.yaml:1:4: a: expected a number, got 'x'");
  EXPECT_TRUE((*node)["zzz"].IsDefined());
  EXPECT_TRUE(node->IsMap());
}

// Issue 8 B7: a 1.7 KB "billion laughs" file (nine levels of nine aliases, 9^9 nodes once
// expanded) hung every walk over the tree. It is refused at load, with its place.
TEST(LoadString, RefusesAnAliasBomb) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 9; ++level) {
    text += fmt::format("a{0}: &a{0} [", level);
    for (int i = 0; i < 9; ++i) {
      text += fmt::format("{}*a{}", i == 0 ? "" : ", ", level - 1);
    }
    text += "]\n";
  }
  ASSERT_LT(text.size(), 2000u);
  auto node = load_string(text, "bomb.yaml");
  ASSERT_FALSE(node.ok());
  EXPECT_NE(node.error().message.find("bomb.yaml:"), std::string::npos) << node.error().message;
  EXPECT_NE(node.error().message.find("more than 1000000 nodes"), std::string::npos)
      << node.error().message;
}

TEST(LoadString, AcceptsAliasesWithinTheBound) {
  // 1 + 3 + 3 x (1 + 2) = 13 nodes: a small file reusing an anchor loads and reads back.
  auto node = load_string("base: &b {x: 1, y: 2}\nc: *b\nd: *b\n", "ok.yaml");
  ASSERT_TRUE(node.ok()) << node.error().message;
  EXPECT_EQ((*node)["d"]["y"].as<int>(), 2);
}

// Issue 8 B7: `--catalog /dev/zero` read until memory ran out; a directory loaded as empty.
TEST(LoadFile, RefusesDevicesAndDirectories) {
  auto zero = load_file("/dev/zero");
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().message,
            "/dev/zero: is not a regular file (a device, pipe or socket); expected a file");
  auto null_device = load_file("/dev/null");
  ASSERT_FALSE(null_device.ok());
  auto dir = load_file(FLEETPLAN_SOURCE_DIR);
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.error().message.find("is a directory"), std::string::npos);
}

// Issue 8 B6: a scenario name with a byte that is not UTF-8 loaded, and `plan --json` then
// aborted in the JSON printer. The file is refused where the byte is.
TEST(LoadString, RefusesTextThatIsNotUtf8) {
  auto node = load_string("name: \"caf\xE9\"\n", "latin1.yaml");
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.error().message, "latin1.yaml:1:11: byte 0xE9 is not UTF-8; expected UTF-8 text");
}

}  // namespace
}  // namespace fleetplan::yaml
