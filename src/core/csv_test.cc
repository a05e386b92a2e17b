#include "core/csv.h"

#include <gtest/gtest.h>

namespace fleetplan::csv {
namespace {

TEST(Csv, QuotedFieldsWithCommasQuotesAndNewlines) {
  auto table = parse("a,b\n1,\"x, \"\"y\"\"\nz\"\n2,w\n", "t.csv");
  ASSERT_TRUE(table.ok()) << table.error().message;
  ASSERT_EQ(table->rows.size(), 2u);
  EXPECT_EQ(table->rows[0].get("b"), "x, \"y\"\nz");
  EXPECT_EQ(table->rows[1].line, 4);  // the first record spans lines 2-3
  EXPECT_EQ(table->rows[1].get("missing"), "");
}

TEST(Csv, BlankLinesAreNoRecordsButAQuotedEmptyFieldIs) {
  // A fuzzer found `""` lines read as blank: the file was then called empty.
  auto table = parse("\"\"\n\n\"\"\n", "t.csv");
  ASSERT_TRUE(table.ok()) << table.error().message;
  ASSERT_EQ(table->columns, std::vector<std::string>{""});
  ASSERT_EQ(table->rows.size(), 1u);
  EXPECT_EQ(table->rows[0].line, 3);
  auto blank = parse("\n\r\n\n", "t.csv");
  ASSERT_FALSE(blank.ok());
  EXPECT_EQ(blank.error().message, "t.csv: empty file; expected a header line");
}

TEST(Csv, WrongFieldCountNamesTheLine) {
  auto table = parse("a,b\n1,2\n3\n", "t.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.error().message, "t.csv:3: 1 fields, expected 2 (as in the header)");
}

TEST(Csv, Numbers) {
  EXPECT_EQ(to_number(" 12.5 "), 12.5);
  EXPECT_FALSE(to_number("").has_value());
  EXPECT_FALSE(to_number("12x").has_value());
  EXPECT_FALSE(to_number("nan").has_value());
}

// Issue 8 B7: a measurements file or trace given as /dev/zero read until memory ran out.
TEST(Csv, ReadFileRefusesDevices) {
  auto table = read_file("/dev/zero");
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.error().message.find("/dev/zero: is not a regular file"), std::string::npos);
}

TEST(Csv, RefusesTextThatIsNotUtf8) {
  auto table = parse("a,b\n1,\xFF\n", "t.csv");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.error().message, "t.csv:2:3: byte 0xFF is not UTF-8; expected UTF-8 text");
}

}  // namespace
}  // namespace fleetplan::csv
