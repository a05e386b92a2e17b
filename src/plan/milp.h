// A small mixed-integer program (columns, rows, bounds) and its solution by COIN-OR CBC.
// Private to src/plan: the planner builds a Model, this file is the only one that talks
// to the solver, so CBC's headers stay out of every other translation unit.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace fleetplan::plan::milp {

//! Below this many columns a model is "small": CBC runs fewer cut rounds on it, and a
//! least-cost MILP starts without a given plan (plan.cc).
inline constexpr std::size_t kSmallModelColumns = 500;

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();

//! One variable: lower <= x <= upper, objective coefficient `cost` (the model is minimised).
struct Column {
  double lower = 0;
  double upper = kInfinity;
  double cost = 0;
  bool integer = false;
  std::string name;
};

//! One constraint: lower <= sum(coefficient * x[column]) <= upper.
struct Row {
  double lower = -kInfinity;
  double upper = kInfinity;
  std::vector<std::pair<int, double>> terms;
  std::string name;
};

//! A minimisation problem. Columns and rows keep the order they were added in.
class Model {
 public:
  int add_column(Column column);
  int add_row(Row row);
  [[nodiscard]] const std::vector<Column>& columns() const { return columns_; }
  [[nodiscard]] const std::vector<Row>& rows() const { return rows_; }
  std::vector<Column>& mutable_columns() { return columns_; }
  std::vector<Row>& mutable_rows() { return rows_; }

 private:
  std::vector<Column> columns_;
  std::vector<Row> rows_;
};

//! Solver settings. Defaults give the same answer on every run: one thread, fixed seeds,
//! and no time limit (a time limit would make the result depend on machine speed).
struct Options {
  double relative_gap = 1e-6;  //!< stop when (best - bound) / |best| is below this
  double time_limit_s = 0;     //!< 0: none
  long long node_limit = 0;    //!< 0: none
  int seed = 20260101;
  //! A known solution (one value per column) CBC starts from; empty: none.
  std::vector<double> start;
  //! Before the search, look for a start near the LP optimum (as RENS/RINS do): solve the
  //! LP relaxation, fix at 0 every integer column the LP leaves at 0, and solve that smaller
  //! MILP (at most kNeighbourhoodNodes nodes). Its plan, feasible for the whole model too,
  //! becomes the start when it is better than `start`. For models whose integer columns are
  //! few of many candidates (which accelerators, where): CBC's own heuristics found nothing
  //! better than a 4 %-off start on the synthetic 5 x 10 x 20 x 10 problem's second stage
  //! in 2,000 nodes, and this neighbourhood holds a plan within 0.1 % of the bound.
  bool neighbourhood_start = false;
};

//! Node limit of the neighbourhood MILP of Options::neighbourhood_start.
inline constexpr long long kNeighbourhoodNodes = 500;

//! The model status (apart from the call status, which is the Result around it).
enum class Status {
  kOptimal,     //!< proven optimal within `relative_gap`
  kFeasible,    //!< a solution, but a limit stopped the search before the gap was closed
  kInfeasible,  //!< no solution exists
  kUnbounded,   //!< the objective can decrease without bound
  kNoSolution,  //!< a limit stopped the search before any solution was found
};
const char* status_name(Status status);

//! The solver's answer.
struct Solution {
  Status status = Status::kNoSolution;
  std::vector<double> values;  //!< one per column (empty without a solution)
  double objective = 0;
  double best_bound = 0;  //!< proven lower bound on the optimum (also without a solution)
  long long nodes = 0;
  //! Pure LP only: one dual value (shadow price) per row, d objective / d bound: how much
  //! the optimum rises when the row's binding bound moves up by one. Empty for a MILP.
  std::vector<double> row_duals;
  //! Pure LP only: one reduced cost per column, d objective / d value for a column at a
  //! bound (a served column held at its lower bound: the marginal cost of serving more).
  std::vector<double> reduced_costs;
  [[nodiscard]] bool has_values() const { return !values.empty(); }
  //! (objective - bound) / max(1, |objective|).
  [[nodiscard]] double gap() const;
};

//! The LP left when every integer column is fixed at its (rounded) value in `values`: its
//! row duals are the shadow prices of a MILP solution (the marginal cost of each row with
//! the integer decisions held).
Model with_integers_fixed(const Model& model, const std::vector<double>& values);

//! The LP left when every integer column may grow continuously from its (rounded) value in
//! `values`: its duals price one more unit of a row by the cheapest fractional expansion.
Model with_integers_at_least(const Model& model, const std::vector<double>& values);

//! Solves the model with CBC (branch and cut, CBC's default cuts and heuristics), with all
//! of CBC's printing turned off. An error only when the solver cannot be run at all.
Result<Solution> solve(const Model& model, const Options& options = {});

}  // namespace fleetplan::plan::milp
