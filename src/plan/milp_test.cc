#include "plan/milp.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace fleetplan::plan::milp {
namespace {

// max 5a + 4b + 3c  s.t. 2a + 3b + c <= 5, 4a + b + 2c <= 11, 3a + 4b + 2c <= 8, a,b,c in Z+.
// By hand: r1 gives a <= 2. a = 2 leaves 3b + c <= 1: (2,0,1) = 13. a = 1: b = 0 and c <= 2
// (r3) gives 11, b = 1 gives 9. a = 0: (0,0,4) = 12, (0,1,2) = 10. Optimum 13 at (2,0,1).
TEST(Milp, SmallKnapsackHasHandOptimum) {
  Model model;
  const int a = model.add_column({0, kInfinity, -5, true, "a"});
  const int b = model.add_column({0, kInfinity, -4, true, "b"});
  const int c = model.add_column({0, kInfinity, -3, true, "c"});
  model.add_row({-kInfinity, 5, {{a, 2}, {b, 3}, {c, 1}}, "r1"});
  model.add_row({-kInfinity, 11, {{a, 4}, {b, 1}, {c, 2}}, "r2"});
  model.add_row({-kInfinity, 8, {{a, 3}, {b, 4}, {c, 2}}, "r3"});
  auto solution = solve(model);
  ASSERT_TRUE(solution.ok());
  EXPECT_EQ(solution->status, Status::kOptimal);
  EXPECT_NEAR(solution->objective, -13, 1e-6);
  EXPECT_NEAR(solution->values[a], 2, 1e-6);
  EXPECT_NEAR(solution->values[b], 0, 1e-6);
  EXPECT_NEAR(solution->values[c], 1, 1e-6);
}

// min 10a + 3b s.t. 7a + 2b >= 20, a, b in Z+. The LP takes the better ratio alone (a =
// 20/7, 28.57); fixing b at the LP's 0 leaves a = 3 (30), the neighbourhood's plan. The
// optimum mixes them: a = 2, b = 3 (7 x 2 + 2 x 3 = 20), 20 + 9 = 29 (a = 1 needs b = 7:
// 31; a = 0, b = 10: 30). The neighbourhood is a start, never a restriction of the answer,
// and its nodes are counted.
TEST(Milp, NeighbourhoodStartIsAStartNotARestriction) {
  Model model;
  const int a = model.add_column({0, kInfinity, 10, true, "a"});
  const int b = model.add_column({0, kInfinity, 3, true, "b"});
  model.add_row({20, kInfinity, {{a, 7}, {b, 2}}, "cover"});
  Options options;
  options.neighbourhood_start = true;
  options.start = {0, 10};  // 30: no better than the neighbourhood's plan
  auto solution = solve(model, options);
  ASSERT_TRUE(solution.ok());
  EXPECT_EQ(solution->status, Status::kOptimal);
  EXPECT_NEAR(solution->objective, 29, 1e-6);
  EXPECT_NEAR(solution->values[a], 2, 1e-6);
  EXPECT_NEAR(solution->values[b], 3, 1e-6);
  // An infeasible model stays infeasible (the LP has no optimum: no neighbourhood).
  model.add_row({-kInfinity, 2, {{a, 1}, {b, 1}}, "at-most-2"});  // 7 x 2 = 14 < 20
  auto none = solve(model, options);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->status, Status::kInfeasible);
}

// min x + y s.t. x + y >= 2.5, x <= 1: LP optimum 2.5 (no integers: Clp alone).
TEST(Milp, PureLpUsesClp) {
  Model model;
  const int x = model.add_column({0, 1, 1, false, "x"});
  const int y = model.add_column({0, kInfinity, 1, false, "y"});
  model.add_row({2.5, kInfinity, {{x, 1}, {y, 1}}, "cover"});
  auto solution = solve(model);
  ASSERT_TRUE(solution.ok());
  EXPECT_EQ(solution->status, Status::kOptimal);
  EXPECT_NEAR(solution->objective, 2.5, 1e-9);
}

// x integer, 2x = 3 has no solution.
TEST(Milp, InfeasibleIntegerProgram) {
  Model model;
  const int x = model.add_column({0, 10, 1, true, "x"});
  model.add_row({3, 3, {{x, 2}}, "odd"});
  auto solution = solve(model);
  ASSERT_TRUE(solution.ok());
  EXPECT_EQ(solution->status, Status::kInfeasible);
  EXPECT_FALSE(solution->has_values());
}

TEST(Milp, InfeasibleLp) {
  Model model;
  const int x = model.add_column({0, 1, 1, false, "x"});
  model.add_row({2, kInfinity, {{x, 1}}, "too-much"});
  auto solution = solve(model);
  ASSERT_TRUE(solution.ok());
  EXPECT_EQ(solution->status, Status::kInfeasible);
}

// A market-split instance (Cornuejols and Dawande): 3 equality rows over 20 binaries with
// coefficients in [0, 99], feasible by construction (b = A x* for a hidden x*). Branch and
// bound needs many nodes on these; with a node limit of 1 the search must stop early and
// say so (a solution without proof, or none), never claim the problem infeasible.
Model market_split() {
  Model model;
  std::uint64_t state = 12345;
  const auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((state >> 33U) % 100);
  };
  constexpr int kColumns = 20;
  constexpr int kRows = 3;
  for (int j = 0; j < kColumns; ++j) {
    model.add_column({0, 1, static_cast<double>(1 + next()), true, "x" + std::to_string(j)});
  }
  for (int i = 0; i < kRows; ++i) {
    Row row;
    double rhs = 0;
    for (int j = 0; j < kColumns; ++j) {
      const int a = next();
      row.terms.emplace_back(j, a);
      if (j % 3 != 1) {  // x* = 1, 0, 1, 1, 0, 1, ...
        rhs += a;
      }
    }
    row.lower = row.upper = rhs;
    row.name = "split" + std::to_string(i);
    model.add_row(std::move(row));
  }
  return model;
}

TEST(Milp, NodeLimitStopsTheSearchAndSaysSo) {
  const Model model = market_split();
  Options limited;
  limited.node_limit = 1;
  auto stopped = solve(model, limited);
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  EXPECT_NE(stopped->status, Status::kInfeasible) << "x* satisfies every row";
  EXPECT_NE(stopped->status, Status::kUnbounded);
  if (stopped->status == Status::kFeasible) {
    ASSERT_TRUE(stopped->has_values());
    for (const Row& row : model.rows()) {
      double sum = 0;
      for (const auto& [column, coefficient] : row.terms) {
        sum += coefficient * stopped->values[column];
      }
      EXPECT_NEAR(sum, row.lower, 1e-6) << row.name;
    }
    EXPECT_GE(stopped->gap(), 0.0);
  }
  if (stopped->status == Status::kNoSolution) {
    EXPECT_FALSE(stopped->has_values());
  }
  // Without the limit the same model is solved to optimality, after more than one node (so
  // the limit above did bind), at no more cost than x*.
  auto full = solve(model);
  ASSERT_TRUE(full.ok()) << full.error().message;
  ASSERT_EQ(full->status, Status::kOptimal);
  EXPECT_GT(full->nodes, 1);
  RecordProperty("nodes", static_cast<int>(full->nodes));
  RecordProperty("limited_status", status_name(stopped->status));
  double hidden = 0;
  for (int j = 0; j < static_cast<int>(model.columns().size()); ++j) {
    hidden += j % 3 != 1 ? model.columns()[j].cost : 0;
  }
  EXPECT_LE(full->objective, hidden + 1e-6);
  if (stopped->status == Status::kFeasible) {
    EXPECT_GE(stopped->objective, full->objective - 1e-6);
  }
}

// min 10x + 3z, 4x + z >= 9, x integer: x = 2, z = 1 (cost 23; x = 1 costs 25, x = 3
// costs 30). With x held at 2 one more unit of cover costs one more z: the row's dual is 3.
TEST(Milp, ShadowPricesWithIntegersFixed) {
  Model model;
  const int x = model.add_column({0, kInfinity, 10, true, "x"});
  const int z = model.add_column({0, kInfinity, 3, false, "z"});
  const int cover = model.add_row({9, kInfinity, {{x, 4}, {z, 1}}, "cover"});
  auto milp = solve(model);
  ASSERT_TRUE(milp.ok());
  ASSERT_EQ(milp->status, Status::kOptimal);
  EXPECT_NEAR(milp->values[x], 2, 1e-9);
  EXPECT_TRUE(milp->row_duals.empty());
  const Model lp = with_integers_fixed(model, milp->values);
  EXPECT_FALSE(lp.columns()[x].integer);
  EXPECT_DOUBLE_EQ(lp.columns()[x].lower, 2);
  auto fixed = solve(lp);
  ASSERT_TRUE(fixed.ok());
  ASSERT_EQ(fixed->status, Status::kOptimal);
  EXPECT_NEAR(fixed->objective, 23, 1e-9);
  ASSERT_EQ(fixed->row_duals.size(), 1U);
  EXPECT_NEAR(fixed->row_duals[cover], 3, 1e-9);
}

// The same program with x free to grow from 2: one more unit of cover costs 10/4 = 2.5
// (a quarter of x), cheaper than a z; the optimum is x = 2.25, z = 0.
TEST(Milp, MarginalCostsWithIntegersAtLeastTheirValues) {
  Model model;
  const int x = model.add_column({0, kInfinity, 10, true, "x"});
  const int z = model.add_column({0, kInfinity, 3, false, "z"});
  const int cover = model.add_row({9, kInfinity, {{x, 4}, {z, 1}}, "cover"});
  const Model lp = with_integers_at_least(model, {2, 1});
  EXPECT_DOUBLE_EQ(lp.columns()[x].lower, 2);
  EXPECT_EQ(lp.columns()[x].upper, kInfinity);
  auto solution = solve(lp);
  ASSERT_TRUE(solution.ok());
  ASSERT_EQ(solution->status, Status::kOptimal);
  EXPECT_NEAR(solution->objective, 22.5, 1e-9);
  EXPECT_NEAR(solution->row_duals[cover], 2.5, 1e-9);
  EXPECT_NEAR(solution->values[z], 0, 1e-9);
}

// A served column held at its lower bound: min 10x, 4x - y >= 0, 9 <= y <= 20. Serving one
// more unit takes a quarter of x: the reduced cost of y is 2.5.
TEST(Milp, ReducedCostOfAServedColumn) {
  Model model;
  const int x = model.add_column({0, kInfinity, 10, false, "x"});
  const int y = model.add_column({9, 20, 0, false, "y"});
  model.add_row({0, kInfinity, {{x, 4}, {y, -1}}, "cover"});
  auto solution = solve(model);
  ASSERT_TRUE(solution.ok());
  ASSERT_EQ(solution->reduced_costs.size(), 2U);
  EXPECT_NEAR(solution->reduced_costs[y], 2.5, 1e-9);
}

}  // namespace
}  // namespace fleetplan::plan::milp
