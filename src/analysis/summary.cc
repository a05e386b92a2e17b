// summarize: statistics of a sweep's outputs over the runs that have a plan; infeasible
// runs are counted with their conflicts.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "analysis/sweep.h"

namespace fleetplan::analysis {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

bool planned(const RunOutcome& outcome) {
  return outcome.error.empty() && outcome.status != plan::SolveStatus::kInfeasible;
}

double metric_of(const Sweep& sweep, const RunOutcome& outcome) {
  return planned(outcome) ? outcome.values[sweep.metric] : kNan;
}

std::vector<ConflictCount> count_conflicts(const std::vector<RunOutcome>& outcomes) {
  std::map<std::string, ConflictCount> by_name;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto& o = outcomes[i];
    if (!o.error.empty() || o.status != plan::SolveStatus::kInfeasible) {
      continue;
    }
    for (std::size_t k = 0; k < o.conflict_names.size(); ++k) {
      auto [it, inserted] = by_name.try_emplace(o.conflict_names[k]);
      if (inserted) {
        it->second.constraint = o.conflict_names[k];
        it->second.example = o.conflicts[k];
        it->second.first_run = i;
      }
      ++it->second.runs;
    }
  }
  std::vector<ConflictCount> out;
  out.reserve(by_name.size());
  for (auto& [name, count] : by_name) {
    out.push_back(std::move(count));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ConflictCount& a, const ConflictCount& b) { return a.runs > b.runs; });
  return out;
}

std::vector<TornadoBar> tornado_bars(const Sweep& sweep, const std::vector<RunOutcome>& outcomes) {
  std::vector<TornadoBar> bars;
  for (std::size_t j = 0; j < sweep.parameters.size(); ++j) {
    const std::size_t low_run = 1 + 2 * j;
    if (low_run + 1 >= outcomes.size()) {
      break;
    }
    TornadoBar bar;
    bar.parameter = j;
    bar.low = sweep.runs[low_run][j];
    bar.high = sweep.runs[low_run + 1][j];
    bar.at_low = metric_of(sweep, outcomes[low_run]);
    bar.at_high = metric_of(sweep, outcomes[low_run + 1]);
    bar.swing = std::abs(bar.at_high - bar.at_low);
    bars.push_back(std::move(bar));
  }
  // Largest swing first; a parameter whose run has no plan ranks last (its swing is NaN).
  std::stable_sort(bars.begin(), bars.end(), [](const TornadoBar& a, const TornadoBar& b) {
    const double sa = std::isnan(a.swing) ? -1 : a.swing;
    const double sb = std::isnan(b.swing) ? -1 : b.swing;
    return sa > sb;
  });
  return bars;
}

std::optional<Pivot> grid_pivot(const Sweep& sweep, const std::vector<RunOutcome>& outcomes) {
  std::vector<std::size_t> varied;
  for (std::size_t j = 0; j < sweep.parameters.size(); ++j) {
    if (sweep.parameters[j].values.size() > 1) {
      varied.push_back(j);
    }
  }
  if (varied.empty()) {
    return std::nullopt;
  }
  Pivot pivot;
  pivot.row_parameter = varied[0];
  pivot.rows = sweep.parameters[varied[0]].values;
  if (varied.size() > 1) {
    pivot.column_parameter = varied[1];
    pivot.columns = sweep.parameters[varied[1]].values;
  } else {
    pivot.column_parameter = varied[0];
    pivot.columns = {""};
  }
  const std::size_t rows = pivot.rows.size();
  const std::size_t cols = pivot.columns.size();
  std::vector<std::vector<double>> sum(rows, std::vector<double>(cols, 0.0));
  std::vector<std::vector<long long>> count(rows, std::vector<long long>(cols, 0));
  const auto position = [](const std::vector<std::string>& values, const std::string& v) {
    return static_cast<std::size_t>(std::find(values.begin(), values.end(), v) - values.begin());
  };
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const double m = metric_of(sweep, outcomes[i]);
    if (std::isnan(m)) {
      continue;
    }
    const std::size_t r = position(pivot.rows, sweep.runs[i][pivot.row_parameter]);
    const std::size_t c =
        varied.size() > 1 ? position(pivot.columns, sweep.runs[i][pivot.column_parameter]) : 0;
    sum[r][c] += m;
    ++count[r][c];
  }
  pivot.mean.assign(rows, std::vector<double>(cols, kNan));
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      if (count[r][c] > 0) {
        pivot.mean[r][c] = sum[r][c] / static_cast<double>(count[r][c]);
      }
    }
  }
  return pivot;
}

}  // namespace

double quantile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) {
    return kNan;
  }
  const double h = static_cast<double>(sorted.size() - 1) * p;
  const auto below = static_cast<std::size_t>(std::floor(h));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (h - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

Summary summarize(const Sweep& sweep, const std::vector<RunOutcome>& outcomes) {
  Summary summary;
  summary.runs = static_cast<long long>(outcomes.size());
  for (const auto& o : outcomes) {
    if (planned(o)) {
      ++summary.planned;
    } else if (o.error.empty()) {
      ++summary.infeasible;
    }
  }
  std::vector<double> values;
  for (std::size_t c = 0; c < sweep.columns.size(); ++c) {
    values.clear();
    for (const auto& o : outcomes) {
      if (planned(o) && !std::isnan(o.values[c])) {
        values.push_back(o.values[c]);
      }
    }
    ColumnSummary column;
    column.column = c;
    column.count = static_cast<long long>(values.size());
    if (!values.empty()) {
      // Summed in run order, so the mean is the same bytes however the runs were split.
      column.mean =
          std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
      std::sort(values.begin(), values.end());
      column.p10 = quantile(values, 0.1);
      column.p50 = quantile(values, 0.5);
      column.p90 = quantile(values, 0.9);
      column.min = values.front();
      column.max = values.back();
    }
    summary.columns.push_back(column);
  }
  summary.conflicts = count_conflicts(outcomes);
  if (sweep.mode == SweepMode::kTornado && !outcomes.empty()) {
    summary.base_metric = metric_of(sweep, outcomes[0]);
    summary.tornado = tornado_bars(sweep, outcomes);
  }
  if (sweep.mode == SweepMode::kGrid) {
    summary.pivot = grid_pivot(sweep, outcomes);
  }
  return summary;
}

}  // namespace fleetplan::analysis
