#include "core/options.h"

#include <gtest/gtest.h>

namespace fleetplan::options {
namespace {

Spec share() {
  return number_option("planning_utilization", 1, 0.05, 1, "share of goodput", kScenario);
}

TEST(Options, FlagIsTheFieldNameWithDashes) { EXPECT_EQ(flag(share()), "--planning-utilization"); }

TEST(Options, DescribeStatesDefaultAndRange) {
  EXPECT_EQ(describe(share()), "share of goodput (default 1; a number from 0.05 to 1)");
  const Spec nodes = integer_option("node_limit", 2000, 0, 1'000'000'000, "nodes", kScenario);
  EXPECT_EQ(describe(nodes), "nodes (default 2000; an integer from 0 to 1e+09)");
  const Spec unbounded = number_option("x", 2, 0, std::numeric_limits<double>::max(), "x", kApi);
  EXPECT_EQ(describe(unbounded), "x (default 2; a number >= 0)");
  const Spec objective = choice_option("objective", "max-served", {"min-cost", "max-served"},
                                       "what to optimise", kScenario);
  EXPECT_EQ(describe(objective),
            "what to optimise (default max-served; one of min-cost, max-served)");
}

TEST(Options, NumbersAreFiniteAndInRange) {
  EXPECT_DOUBLE_EQ(*parse_number(share(), "0.8", "--planning-utilization"), 0.8);
  for (const char* bad : {"nan", "inf", "-inf", "1e999", "", "0.8x", "x"}) {
    auto parsed = parse_number(share(), bad, "--planning-utilization");
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.error().message.find("--planning-utilization"), std::string::npos);
    EXPECT_NE(parsed.error().message.find("a number from 0.05 to 1"), std::string::npos);
  }
  auto high = parse_number(share(), "1.5", "settings.planning_utilization");
  ASSERT_FALSE(high.ok());
  EXPECT_EQ(high.error().message,
            "settings.planning_utilization: 1.5 is out of range; expected a number from 0.05 to 1");
}

TEST(Options, IntegersRejectFractions) {
  const Spec nodes = integer_option("node_limit", 2000, 0, 1'000'000'000, "nodes", kScenario);
  EXPECT_DOUBLE_EQ(*parse_number(nodes, "500", "--node-limit"), 500);
  EXPECT_FALSE(parse_number(nodes, "8.5", "--node-limit").ok());
  EXPECT_FALSE(parse_number(nodes, "-1", "--node-limit").ok());
}

TEST(Options, ChoicesAreExact) {
  const Spec objective =
      choice_option("objective", "max-served", {"min-cost", "max-served"}, "", kScenario);
  EXPECT_EQ(*parse_choice(objective, "min-cost", "--objective"), "min-cost");
  auto bad = parse_choice(objective, "cheapest", "--objective");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "--objective: 'cheapest' is not allowed; expected one of min-cost, max-served");
}

TEST(Options, RegistryFindsByName) {
  Registry registry({share()});
  EXPECT_NE(registry.find("planning_utilization"), nullptr);
  EXPECT_EQ(registry.find("planning-utilization"), nullptr);
  EXPECT_EQ(registry.at("planning_utilization").max, 1);
}

}  // namespace
}  // namespace fleetplan::options
