#include "policy/policy.h"

#include <gtest/gtest.h>

namespace fleetplan::policy {
namespace {

TEST(Policy, NoRulesNoNames) {
  scenario::Scenario s;
  EXPECT_TRUE(rule_names(s).empty());
}

}  // namespace
}  // namespace fleetplan::policy
