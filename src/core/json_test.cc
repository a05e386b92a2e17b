#include "core/json.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace fleetplan::json {
namespace {

using nlohmann::ordered_json;

TEST(JsonRound, SignificantDigits) {
  // Expected values written out by hand: the 7-digit decimal, then the double nearest to it.
  EXPECT_EQ(round_significant(123456789.0), 123456800.0);
  EXPECT_EQ(round_significant(0.1 + 0.2), 0.3);  // 0.30000000000000004 -> 0.3
  EXPECT_EQ(round_significant(1.0 / 3.0), 0.3333333);
  EXPECT_EQ(round_significant(-2.0 / 3.0), -0.6666667);
  EXPECT_EQ(round_significant(9999999.5), 10000000.0);  // rounds up into the next decade
  EXPECT_EQ(round_significant(6.02214076e23), 6.022141e23);
  EXPECT_EQ(round_significant(1.23456789e-300), 1.234568e-300);
  EXPECT_EQ(round_significant(2.5e-5), 2.5e-5);
  EXPECT_EQ(round_significant(1234.5678, 3), 1230.0);
}

TEST(JsonRound, ZeroAndNonFinite) {
  EXPECT_FALSE(std::signbit(round_significant(-0.0)));
  EXPECT_EQ(round_significant(std::numeric_limits<double>::infinity()),
            std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(round_significant(std::numeric_limits<double>::quiet_NaN())));
}

TEST(JsonRound, DumpRoundsFloatsAtAnyDepthAndLeavesTheRest) {
  ordered_json j = {{"cost", 1.0 / 3.0},
                    {"count", 123456789},
                    {"name", "x"},
                    {"ok", true},
                    {"rows", ordered_json::array({0.1 + 0.2, ordered_json{{"v", 2.0 / 3.0}}})}};
  EXPECT_EQ(dump(j),
            "{\n"
            "  \"cost\": 0.3333333,\n"
            "  \"count\": 123456789,\n"
            "  \"name\": \"x\",\n"
            "  \"ok\": true,\n"
            "  \"rows\": [\n"
            "    0.3,\n"
            "    {\n"
            "      \"v\": 0.6666667\n"
            "    }\n"
            "  ]\n"
            "}\n");
}

}  // namespace
}  // namespace fleetplan::json
