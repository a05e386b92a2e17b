#include "report/table.h"

#include <gtest/gtest.h>

namespace fleetplan::report {
namespace {

TEST(Grouped, ThousandsSeparators) {
  EXPECT_EQ(grouped(24323.6, 1), "24,323.6");
  EXPECT_EQ(grouped(999, 0), "999");
  EXPECT_EQ(grouped(1000, 0), "1,000");
  EXPECT_EQ(grouped(-1234567.0, 0), "-1,234,567");
}

TEST(TextTable, AlignsColumns) {
  TextTable table({"name", "value"}, {false, true});
  table.add_row({"a", "1"});
  table.add_row({"long", "100"});
  EXPECT_EQ(table.render(), "name  value\n----  -----\na         1\nlong    100\n");
}

}  // namespace
}  // namespace fleetplan::report
