// Sweeps over a scenario: a grid (the cross product of each parameter's values), a tornado
// (each parameter alone at its low and high value around the base scenario) or a Monte
// Carlo sample (values drawn from distributions; sample i always from random stream i).
// Every run is the scenario file with its values written in, parsed and validated by the
// scenario layer and planned by the plan layer; performance estimates are cached across
// runs. Runs are independent, so they spread over threads (TBB) and MPI ranks and the
// results do not depend on how they were split.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/distribution.h"
#include "analysis/parameter.h"
#include "catalog/catalog.h"
#include "core/result.h"
#include "perf/band.h"
#include "perf/perf.h"
#include "plan/build.h"
#include "plan/plan.h"

namespace fleetplan::analysis {

//! What a sweep does.
enum class SweepMode { kGrid, kTornado, kMonteCarlo };
//! "grid", "tornado", "monte-carlo".
const char* sweep_mode_name(SweepMode mode);

//! A rank correlation between two varied parameters (Gaussian copula).
struct Correlation {
  std::string first;   //!< parameter path
  std::string second;  //!< parameter path
  double rank = 0;     //!< Spearman's rho, in (-1, 1)
};

//! Parses "PATH_A,PATH_B=rho" (commas inside a path's brackets belong to the path); rho in
//! [-0.999, 0.999], as in an uncertainty file.
Result<Correlation> parse_correlation(std::string_view text);

//! `perf.error=band`: each (accelerator, model) capacity multiplier is drawn from the
//! estimate band of its family/engine and model class: a lognormal through the band's P10
//! and P90 (median sqrt(P10 P90), sigma ln(P90 / P10) / (2 z_0.9)).
inline constexpr std::string_view kBandDistribution = "band";

//! The multiplier at cumulative probability u of the lognormal whose 10th and 90th
//! percentiles are p10 and p90.
double band_multiplier(double p10, double p90, double u);

//! One (accelerator, model) pair whose capacity a band draw scales.
struct BandPair {
  std::string accelerator;
  std::string model;
  perf::Band band;  //!< the band used (its family_engine and model_class say which)
};

//! A sweep as the user writes it.
struct SweepSpec {
  SweepMode mode = SweepMode::kGrid;
  //! "path=values": a list "a,b,c" or a range "a:b:n" (grid, tornado); one value fixes a
  //! field in every run.
  std::vector<std::string> sets;
  //! "path=distribution" (Monte Carlo).
  std::vector<std::string> varies;
  //! YAML text of an uncertainty file (`uncertainty:` list of path, distribution, source;
  //! `correlations:` list of between [a, b], rank) and its name for messages.
  std::string uncertainty_text;
  std::string uncertainty_name;
  std::vector<Correlation> correlations;
  //! "PATH_A,PATH_B=rho" rank correlations (as the uncertainty file's `correlations:`).
  std::vector<std::string> correlates;
  //! The estimate bands `perf.error=band` draws from; null: data/calibration/bands.yaml.
  const perf::BandTable* bands = nullptr;
  long long samples = 0;   //!< Monte Carlo samples
  std::uint64_t seed = 1;  //!< Monte Carlo seed
  //! The output that ranks a tornado and fills a grid's pivot.
  std::string metric = "served_tokens_per_day";
  //! Plan settings for every run.
  bool rule_costs = false;
  std::optional<double> relative_gap;        //!< default: the scenario's settings.gap
  std::optional<long long> node_limit;       //!< default: the scenario's settings.node_limit
  std::optional<plan::Objective> objective;  //!< default: the scenario's
};

//! The most runs a sweep may have (every run's outputs are kept for exact quantiles).
inline constexpr long long kMaxRuns = 200000;

//! A parameter of a prepared sweep.
struct Parameter {
  ParameterPath path;
  ValueShape shape;                          //!< the file's value at the path and how it is written
  std::vector<std::string> values;           //!< grid and tornado values; one value: fixed
  std::optional<Distribution> distribution;  //!< Monte Carlo
  std::string source;                        //!< where the distribution comes from
  //! perf.error=band: one draw per (accelerator, model) pair of Sweep::band_pairs, from
  //! stream band_stream(parameter, pair) of the sample (the distribution is a placeholder
  //! that writes "band").
  bool band = false;
};

//! The random stream of pair k of the band parameter j: above every parameter's own stream.
inline std::uint64_t band_stream(std::size_t parameter, std::size_t pair) {
  return ((static_cast<std::uint64_t>(parameter) + 1) << 32U) | static_cast<std::uint64_t>(pair);
}

//! One output of a run.
struct OutputColumn {
  std::string name;  //!< "served_tokens_per_day[2026][doubao-chat]"
  std::string unit;  //!< "tokens/day", "USD", "share", "accelerators", "flag"
  std::string description;
};

//! A sweep ready to run: the parameters, the value of each in each run, and the outputs.
struct Sweep {
  SweepMode mode = SweepMode::kGrid;
  SweepSpec spec;
  std::string scenario;  //!< the scenario's name
  std::string currency;  //!< the scenario's report currency
  std::vector<Parameter> parameters;
  //! The rank correlations of the Monte Carlo draws (file and flags together).
  std::vector<Correlation> correlations;
  std::vector<std::vector<std::string>> runs;  //!< [run][parameter]: the value written
  std::vector<OutputColumn> columns;
  std::size_t metric = 0;  //!< index of spec.metric in columns
  plan::Objective objective = plan::Objective::kMaxServed;
  //! Performance estimates of the base scenario; every run starts from a copy.
  plan::CapacityCache capacity_cache;
  //! perf.error=band: the (accelerator, model) pairs of the scenario's inference capacities,
  //! sorted by accelerator then model (training capacity is peak x MFU: no band).
  std::vector<BandPair> band_pairs;
};

//! Checks the spec against the scenario (every path exists, every value and distribution
//! fits its field, the base scenario plans) and lists the runs. Errors name the path, the
//! value and what was expected.
Result<Sweep> prepare_sweep(const ScenarioDocument& document, const SweepSpec& spec,
                            const catalog::Catalog& catalog,
                            const perf::EfficiencyTable& efficiency);

//! What one run gave.
struct RunOutcome {
  plan::SolveStatus status = plan::SolveStatus::kInfeasible;
  double gap = 0;
  std::vector<double> values;               //!< per column; NaN where not applicable
  std::vector<std::string> conflicts;       //!< infeasible: the conflicting constraints' messages
  std::vector<std::string> conflict_names;  //!< and their names ("budget[2026]")
  std::string error;  //!< the run's scenario was rejected (the sweep then fails)
};

//! How to run.
struct RunOptions {
  int jobs = 0;  //!< runs at a time; 0: one per core
  //! How they run side by side. CBC's solver entry point is not thread-safe in Debian's
  //! build and plan/ lets one thread at a time into it, so threads overlap only the work
  //! around the solves; worker processes (fork) run the solves side by side too.
  enum class Workers { kThreads, kProcesses } workers = Workers::kThreads;
  //! Called now and then with the runs done so far (from any thread).
  std::function<void(std::size_t done)> progress;
};

//! Runs the listed runs (indices into sweep.runs), `jobs` at a time on TBB threads or worker
//! processes; the outcomes come in the order of `indices` and do not depend on either.
Result<std::vector<RunOutcome>> run_sweep(const Sweep& sweep, const ScenarioDocument& document,
                                          const catalog::Catalog& catalog,
                                          const perf::EfficiencyTable& efficiency,
                                          const std::vector<std::size_t>& indices,
                                          const RunOptions& options);

//! The first run whose scenario was rejected, as an error naming the run and its values.
Status first_run_error(const Sweep& sweep, const std::vector<RunOutcome>& outcomes);

//! Statistics of one output over the runs that have a plan.
struct ColumnSummary {
  std::size_t column = 0;
  long long count = 0;  //!< runs with a value
  double mean = 0;
  double p10 = 0;
  double p50 = 0;
  double p90 = 0;
  double min = 0;
  double max = 0;
};

//! How often a constraint conflicted among the infeasible runs.
struct ConflictCount {
  std::string constraint;
  std::string example;  //!< the message of its first run
  long long runs = 0;
  std::size_t first_run = 0;
};

//! One bar of a tornado: the metric with one parameter at its low and its high value.
struct TornadoBar {
  std::size_t parameter = 0;
  std::string low;
  std::string high;
  double at_low = 0;  //!< NaN when that run has no plan
  double at_high = 0;
  double swing = 0;  //!< |at_high - at_low|
};

//! A grid's metric by its first two parameters (mean over the others).
struct Pivot {
  std::size_t row_parameter = 0;
  std::size_t column_parameter = 0;
  std::vector<std::string> rows;
  std::vector<std::string> columns;
  std::vector<std::vector<double>> mean;  //!< [row][column]; NaN: no planned run
};

//! The statistics of a sweep.
struct Summary {
  long long runs = 0;
  long long planned = 0;     //!< optimal or feasible
  long long infeasible = 0;  //!< counted, never dropped
  std::vector<ColumnSummary> columns;
  std::vector<ConflictCount> conflicts;  //!< most frequent first
  double base_metric = 0;                //!< tornado: the metric of the base run
  std::vector<TornadoBar> tornado;       //!< largest swing first
  std::optional<Pivot> pivot;            //!< grids with two or more varied parameters
};

//! Mean, quantiles (linear interpolation between order statistics: the p-quantile of n sorted
//! values x is x[h] + (h - floor h)(x[h+1] - x[h]) with h = (n - 1) p), conflicts, tornado and
//! pivot.
Summary summarize(const Sweep& sweep, const std::vector<RunOutcome>& outcomes);

//! The p-quantile of sorted values by that rule (NaN when empty).
double quantile(const std::vector<double>& sorted, double p);

}  // namespace fleetplan::analysis
