#include "plan/milp.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include <CbcModel.hpp>
#include <CbcSolver.hpp>
#include <CoinMessageHandler.hpp>
#include <CoinPackedMatrix.hpp>
#include <OsiClpSolverInterface.hpp>

namespace fleetplan::plan::milp {

int Model::add_column(Column column) {
  columns_.push_back(std::move(column));
  return static_cast<int>(columns_.size()) - 1;
}

int Model::add_row(Row row) {
  rows_.push_back(std::move(row));
  return static_cast<int>(rows_.size()) - 1;
}

const char* status_name(Status status) {
  switch (status) {
    case Status::kOptimal:
      return "optimal";
    case Status::kFeasible:
      return "feasible";
    case Status::kInfeasible:
      return "infeasible";
    case Status::kUnbounded:
      return "unbounded";
    case Status::kNoSolution:
      return "no-solution";
  }
  return "unknown";
}

double Solution::gap() const {
  return std::abs(objective - best_bound) / std::max(1.0, std::abs(objective));
}

namespace {

// CBC's threshold for a small model (more root cut rounds below it) and the rounds given
// to one here.
constexpr int kSmallModelCutPasses = 5;

// CBC's own value for "no bound".
double solver_bound(double value, double infinity) {
  if (std::isinf(value)) {
    return value > 0 ? infinity : -infinity;
  }
  return value;
}

// True when x is within the bounds and rows, up to a relative 1e-7.
bool satisfies(const Model& model, const std::vector<double>& x) {
  const auto slack = [](double value) { return 1e-7 * std::max(1.0, std::abs(value)); };
  for (std::size_t c = 0; c < x.size(); ++c) {
    const Column& column = model.columns()[c];
    if (x[c] < column.lower - slack(column.lower) || x[c] > column.upper + slack(column.upper)) {
      return false;
    }
  }
  for (const Row& row : model.rows()) {
    double activity = 0;
    for (const auto& [column, coefficient] : row.terms) {
      activity += coefficient * x[column];
    }
    if (activity < row.lower - slack(row.lower) || activity > row.upper + slack(row.upper)) {
      return false;
    }
  }
  return true;
}

}  // namespace

Model with_integers_fixed(const Model& model, const std::vector<double>& values) {
  Model fixed = model;
  auto& columns = fixed.mutable_columns();
  for (std::size_t c = 0; c < columns.size() && c < values.size(); ++c) {
    if (columns[c].integer) {
      const double value = std::round(values[c]);
      columns[c].lower = value;
      columns[c].upper = value;
      columns[c].integer = false;
    }
  }
  return fixed;
}

Model with_integers_at_least(const Model& model, const std::vector<double>& values) {
  Model relaxed = model;
  auto& columns = relaxed.mutable_columns();
  for (std::size_t c = 0; c < columns.size() && c < values.size(); ++c) {
    if (columns[c].integer) {
      columns[c].lower = std::round(values[c]);
      columns[c].integer = false;
    }
  }
  return relaxed;
}

namespace {

double objective_of(const Model& model, const std::vector<double>& x) {
  double objective = 0;
  for (std::size_t c = 0; c < x.size(); ++c) {
    objective += model.columns()[c].cost * x[c];
  }
  return objective;
}

// Options::neighbourhood_start: the plan of the MILP left when the integer columns the LP
// relaxation leaves at 0 are fixed there (empty when the LP or that MILP has none), and
// the nodes it took.
Result<std::vector<double>> neighbourhood_plan(const Model& model, const Options& options,
                                               long long& nodes) {
  Model relaxation = model;
  for (Column& column : relaxation.mutable_columns()) {
    column.integer = false;
  }
  auto lp = solve(relaxation);
  FLEETPLAN_RETURN_IF_ERROR(lp);
  if (lp->status != Status::kOptimal) {
    return std::vector<double>();
  }
  Model restricted = model;
  auto& columns = restricted.mutable_columns();
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].integer && columns[c].lower <= 0 && std::abs(lp->values[c]) <= 1e-9) {
      columns[c].upper = 0;
    }
  }
  Options sub = options;
  sub.neighbourhood_start = false;
  sub.node_limit = options.node_limit > 0 ? std::min(options.node_limit, kNeighbourhoodNodes)
                                          : kNeighbourhoodNodes;
  auto solved = solve(restricted, sub);
  FLEETPLAN_RETURN_IF_ERROR(solved);
  nodes += solved->nodes;
  return solved->values;
}

// Options::neighbourhood_start: the neighbourhood's plan as the start when it is better than
// the given one, then the whole model; the neighbourhood's nodes are counted too.
Result<Solution> solve_from_neighbourhood(const Model& model, const Options& options) {
  long long nodes = 0;
  auto near = neighbourhood_plan(model, options, nodes);
  FLEETPLAN_RETURN_IF_ERROR(near);
  Options full = options;
  full.neighbourhood_start = false;
  if (!near->empty() &&
      (options.start.size() != model.columns().size() || !satisfies(model, options.start) ||
       objective_of(model, *near) < objective_of(model, options.start))) {
    full.start = std::move(near).value();
  }
  auto solution = solve(model, full);
  if (solution.ok()) {
    solution->nodes += nodes;
  }
  return solution;
}

}  // namespace

Result<Solution> solve(const Model& model, const Options& options) {
  if (options.neighbourhood_start) {
    return solve_from_neighbourhood(model, options);
  }
  const auto& columns = model.columns();
  const auto& rows = model.rows();
  Solution solution;
  if (columns.empty()) {
    // Nothing to decide: the empty assignment is optimal when every row admits 0.
    for (const auto& row : rows) {
      if (row.lower > 0 || row.upper < 0) {
        solution.status = Status::kInfeasible;
        return solution;
      }
    }
    solution.status = Status::kOptimal;
    return solution;
  }

  OsiClpSolverInterface solver;
  const double infinity = solver.getInfinity();
  const int column_count = static_cast<int>(columns.size());
  const int row_count = static_cast<int>(rows.size());

  CoinPackedMatrix matrix(false, 0, 0);  // row-ordered
  matrix.setDimensions(0, column_count);
  std::vector<double> row_lower(row_count);
  std::vector<double> row_upper(row_count);
  for (int r = 0; r < row_count; ++r) {
    const Row& row = rows[r];
    std::vector<int> indices;
    std::vector<double> values;
    indices.reserve(row.terms.size());
    values.reserve(row.terms.size());
    for (const auto& [column, coefficient] : row.terms) {
      if (column < 0 || column >= column_count) {
        return internal_error(
            fmt::format("MILP row '{}' refers to column {} of {}", row.name, column, column_count));
      }
      if (coefficient != 0) {
        indices.push_back(column);
        values.push_back(coefficient);
      }
    }
    matrix.appendRow(static_cast<int>(indices.size()), indices.data(), values.data());
    row_lower[r] = solver_bound(row.lower, infinity);
    row_upper[r] = solver_bound(row.upper, infinity);
  }
  std::vector<double> column_lower(column_count);
  std::vector<double> column_upper(column_count);
  std::vector<double> cost(column_count);
  for (int c = 0; c < column_count; ++c) {
    column_lower[c] = solver_bound(columns[c].lower, infinity);
    column_upper[c] = solver_bound(columns[c].upper, infinity);
    cost[c] = columns[c].cost;
  }
  solver.loadProblem(matrix, column_lower.data(), column_upper.data(), cost.data(),
                     row_lower.data(), row_upper.data());
  bool any_integer = false;
  for (int c = 0; c < column_count; ++c) {
    if (columns[c].integer) {
      solver.setInteger(c);
      any_integer = true;
    }
  }
  solver.messageHandler()->setLogLevel(0);
  solver.getModelPtr()->setRandomSeed(options.seed);

  if (!any_integer) {
    // A pure LP: Clp alone (branch and cut would only add overhead).
    solver.initialSolve();
    if (solver.isProvenOptimal()) {
      solution.status = Status::kOptimal;
      const double* values = solver.getColSolution();
      solution.values.assign(values, values + column_count);
      solution.objective = solver.getObjValue();
      solution.best_bound = solution.objective;
      const double* duals = solver.getRowPrice();
      solution.row_duals.assign(duals, duals + row_count);
      const double* reduced = solver.getReducedCost();
      solution.reduced_costs.assign(reduced, reduced + column_count);
    } else if (solver.isProvenPrimalInfeasible()) {
      solution.status = Status::kInfeasible;
    } else if (solver.isProvenDualInfeasible()) {
      solution.status = Status::kUnbounded;
    } else {
      solution.status = Status::kNoSolution;
    }
    return solution;
  }

  CbcModel cbc(solver);
  cbc.messageHandler()->setLogLevel(0);
  cbc.setRandomSeed(options.seed);
  if (options.start.size() == columns.size()) {
    // A known solution as the first incumbent, when it satisfies this model. (CBC's own
    // check lets infeasible starts through, and CbcModel::setMIPStart crashes CBC 2.10's
    // presolve, so the start is checked here.)
    std::vector<double> start(options.start);
    for (int c = 0; c < column_count; ++c) {
      if (columns[c].integer) {
        start[c] = std::round(start[c]);
      }
    }
    if (satisfies(model, start)) {
      double objective = 0;
      for (int c = 0; c < column_count; ++c) {
        objective += start[c] * columns[c].cost;
      }
      cbc.setBestSolution(start.data(), column_count, objective, false);
    }
  }
  // CbcMain0/CbcMain1 read their arguments through globals (CbcOrClpRead_mode and others)
  // unless CBC is built with CBC_THREAD_SAFE, which Debian's is not (coin-or/Cbc#332): two
  // threads in it at once misread each other's arguments. Model building, Clp-only solves
  // and everything around them still run in parallel.
  static std::mutex cbc_main;
  const std::lock_guard<std::mutex> lock(cbc_main);
  CbcSolverUsefulData data;
  data.noPrinting_ = true;
  data.useSignalHandler_ = false;
  CbcMain0(cbc, data);
  cbc.messageHandler()->setLogLevel(0);
  cbc.solver()->messageHandler()->setLogLevel(0);

  std::vector<std::string> arguments = {"fleetplan", "-log", "0", "-slog", "0"};
  arguments.insert(arguments.end(), {"-randomCbcSeed", std::to_string(options.seed)});
  arguments.insert(arguments.end(), {"-randomSeed", std::to_string(options.seed)});
  arguments.insert(arguments.end(), {"-ratioGap", fmt::format("{}", options.relative_gap)});
  if (static_cast<std::size_t>(column_count) < kSmallModelColumns) {
    // Under 500 columns CBC runs up to 100 rounds of cuts at the root (20 above). On the
    // planner's small models (a reference scenario: about 140 columns) those rounds took half
    // of each solve and saved almost no branching; 5 rounds gave the same plans within the
    // gap at half the time (bench/bench_sweep.cc, docs/notes/speed.md).
    arguments.insert(arguments.end(), {"-passCuts", std::to_string(kSmallModelCutPasses)});
  }
  if (options.time_limit_s > 0) {
    arguments.insert(arguments.end(), {"-seconds", fmt::format("{}", options.time_limit_s)});
  }
  if (options.node_limit > 0) {
    arguments.insert(arguments.end(), {"-maxNodes", std::to_string(options.node_limit)});
  }
  arguments.insert(arguments.end(), {"-solve", "-quit"});
  std::vector<const char*> argv;
  argv.reserve(arguments.size());
  for (const auto& argument : arguments) {
    argv.push_back(argument.c_str());
  }
  CbcMain1(static_cast<int>(argv.size()), argv.data(), cbc, nullptr, data);

  solution.nodes = cbc.getNodeCount();
  // What the search proved, with or without a solution (a search stopped before any has its
  // bound all the same: a rule re-solve reports it).
  solution.best_bound = cbc.getBestPossibleObjValue();
  const double* best = cbc.bestSolution();
  if (best != nullptr && cbc.solver()->getNumCols() == column_count) {
    solution.values.assign(best, best + column_count);
    solution.objective = cbc.getObjValue();
  }
  if (cbc.isProvenOptimal() && solution.has_values()) {
    solution.status = Status::kOptimal;
    solution.best_bound = std::min(solution.best_bound, solution.objective);
  } else if (cbc.isProvenInfeasible()) {
    solution.status = Status::kInfeasible;
    solution.values.clear();
  } else if (cbc.isContinuousUnbounded()) {
    solution.status = Status::kUnbounded;
    solution.values.clear();
  } else if (solution.has_values()) {
    solution.status = Status::kFeasible;
  } else {
    solution.status = Status::kNoSolution;
  }
  return solution;
}

}  // namespace fleetplan::plan::milp
