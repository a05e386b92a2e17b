#include "scenario/scenario.h"

#include <gtest/gtest.h>

namespace fleetplan::scenario {
namespace {

TEST(Date, ParsesAndCountsDays) {
  auto d = parse_date("2024-02-29");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->to_string(), "2024-02-29");
  EXPECT_EQ(parse_date("1970-01-01")->days_since_epoch(), 0);
}

}  // namespace
}  // namespace fleetplan::scenario
