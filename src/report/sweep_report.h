// Reports of a sweep: a terminal summary, one CSV row per run, JSON, and a self-contained
// HTML page (tornado, CDFs of the outputs, fleet mix, pivot) with inline SVG. They show
// no wall-clock figures, so a sweep gives the same bytes however it was split.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/sweep.h"

namespace fleetplan::report {

//! What a sweep report says besides the sweep itself.
struct SweepContext {
  std::string source;  //!< the scenario as the user named it ("built-in scenario X", a path)
};

//! Terminal summary: parameters, statistics of every output (mean, P10, P50, P90), how
//! often each rule binds, infeasible runs by conflict, the tornado or the pivot.
std::string sweep_text(const analysis::Sweep& sweep, const analysis::Summary& summary,
                       const SweepContext& context);
//! One row per run: run, each parameter's value, status, gap, every output, conflicts.
std::string sweep_csv(const analysis::Sweep& sweep,
                      const std::vector<analysis::RunOutcome>& outcomes);
//! The sweep, its summary and every run.
nlohmann::ordered_json sweep_json(const analysis::Sweep& sweep,
                                  const std::vector<analysis::RunOutcome>& outcomes,
                                  const analysis::Summary& summary, const SweepContext& context);
//! A self-contained HTML page: tornado, CDFs, fleet mix, pivot, tables (no scripts).
std::string sweep_html(const analysis::Sweep& sweep,
                       const std::vector<analysis::RunOutcome>& outcomes,
                       const analysis::Summary& summary, const SweepContext& context);

//! A progress line on a terminal (stderr): bar, runs done, rate, ETA. Thread-safe; redraws
//! at most five times a second; draws nothing when `enabled` is false.
class ProgressBar {
 public:
  ProgressBar(std::size_t total, bool enabled, std::string label = "sweep");
  void update(std::size_t done);
  //! Clears the line.
  void finish();

 private:
  std::size_t total_;
  bool enabled_;
  std::string label_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  std::mutex mutex_;
};

}  // namespace fleetplan::report
