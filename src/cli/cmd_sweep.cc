// `fleetplan sweep [SCENARIO]`: what-if grids, tornado sensitivity and Monte Carlo over a
// scenario, on every core (TBB) and across machines (mpirun).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "analysis/distributed.h"
#include "analysis/sweep.h"
#include "cli/command.h"
#include "perf/perf.h"
#include "plan/plan.h"
#include "report/sweep_report.h"
#include "scenario/scenario.h"
#include "scenario/settings_options.h"

namespace fleetplan::cli {
namespace {

struct Options {
  std::string scenario;
  std::string scenario_flag;
  std::vector<std::string> sets;
  std::vector<std::string> varies;
  std::string uncertainty;
  std::vector<std::string> correlates;
  bool tornado = false;
  long long samples = 0;
  std::uint64_t seed = 1;
  std::string metric = "served_tokens_per_day";
  bool rule_costs = false;
  std::string objective;
  std::optional<double> gap;
  std::optional<double> node_limit;
  std::string csv;
  bool json = false;
  std::string html;
  int jobs = 0;
  std::vector<std::string> catalogs;
};

Status write_file(const std::string& flag, const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) {
    return input_error(fmt::format("{}: cannot write '{}'", flag, path));
  }
  return {};
}

Result<analysis::SweepSpec> spec_of(const Options& o) {
  analysis::SweepSpec spec;
  if (o.tornado && o.samples > 0) {
    return input_error("--tornado and --samples: choose one mode");
  }
  spec.mode = o.tornado       ? analysis::SweepMode::kTornado
              : o.samples > 0 ? analysis::SweepMode::kMonteCarlo
                              : analysis::SweepMode::kGrid;
  if (spec.mode != analysis::SweepMode::kMonteCarlo &&
      (!o.varies.empty() || !o.uncertainty.empty())) {
    return input_error("--vary and --uncertainty draw samples: give --samples N");
  }
  if (spec.mode != analysis::SweepMode::kMonteCarlo && !o.correlates.empty()) {
    return input_error("--correlate relates sampled parameters: give --samples N");
  }
  spec.sets = o.sets;
  spec.varies = o.varies;
  spec.correlates = o.correlates;
  if (!o.uncertainty.empty()) {
    std::ifstream in(o.uncertainty, std::ios::binary);
    if (!in) {
      return not_found_error(fmt::format("--uncertainty: cannot read '{}'", o.uncertainty));
    }
    std::ostringstream text;
    text << in.rdbuf();
    spec.uncertainty_text = text.str();
    spec.uncertainty_name = o.uncertainty;
    if (spec.uncertainty_text.empty()) {
      return input_error(fmt::format("--uncertainty: '{}' is empty", o.uncertainty));
    }
  }
  spec.samples = o.samples;
  spec.seed = o.seed;
  spec.metric = o.metric;
  spec.rule_costs = o.rule_costs;
  spec.relative_gap = o.gap;
  if (o.node_limit) {
    spec.node_limit = static_cast<long long>(*o.node_limit);
  }
  if (!o.objective.empty()) {
    auto objective = plan::parse_objective(o.objective);
    if (!objective.ok()) {
      return objective.error();
    }
    spec.objective = *objective;
  }
  return spec;
}

// Runs this rank's share of the sweep's runs, with a progress bar on rank 0's terminal.
Result<std::vector<analysis::RunOutcome>> run_share(const Options& o, const analysis::Ranks& ranks,
                                                    const analysis::Sweep& sweep,
                                                    const analysis::ScenarioDocument& document,
                                                    const catalog::Catalog& catalog,
                                                    const perf::EfficiencyTable& efficiency) {
  const bool root = ranks.rank() == 0;
  const auto share = ranks.share(sweep.runs.size());
  report::ProgressBar progress(share.size(), root && isatty(STDERR_FILENO) != 0,
                               ranks.size() > 1 ? "sweep (rank 0)" : "sweep");
  analysis::RunOptions run_options;
  run_options.jobs = o.jobs;
  // One process per job runs the MILP solves side by side (CBC is not thread-safe); under
  // mpirun a rank uses threads (forking an MPI process is unsafe): give ranks, not jobs.
  run_options.workers = ranks.distributed() ? analysis::RunOptions::Workers::kThreads
                                            : analysis::RunOptions::Workers::kProcesses;
  run_options.progress = [&progress](std::size_t done) { progress.update(done); };
  auto mine = analysis::run_sweep(sweep, document, catalog, efficiency, share, run_options);
  progress.finish();
  return mine;
}

// Prints the sweep (JSON or text) and writes the --csv and --html files.
Status write_outputs(const Options& o, const std::string& name, const analysis::Sweep& sweep,
                     const std::vector<analysis::RunOutcome>& outcomes) {
  const auto summary = analysis::summarize(sweep, outcomes);
  report::SweepContext context;
  context.source = std::filesystem::exists(name) ? name : "built-in scenario " + name;
  if (o.json) {
    fmt::print("{}\n", report::sweep_json(sweep, outcomes, summary, context).dump(2));
  } else {
    fmt::print("{}", report::sweep_text(sweep, summary, context));
  }
  if (!o.csv.empty()) {
    FLEETPLAN_RETURN_IF_ERROR(write_file("--csv", o.csv, report::sweep_csv(sweep, outcomes)));
  }
  if (!o.html.empty()) {
    FLEETPLAN_RETURN_IF_ERROR(
        write_file("--html", o.html, report::sweep_html(sweep, outcomes, summary, context)));
  }
  return {};
}

int run(const Options& o) {
  auto ranks = analysis::Ranks::start();
  if (!ranks.ok()) {
    return report_error(ranks.error());
  }
  const bool root = ranks->rank() == 0;
  // Every rank reads the same input and meets the same errors; rank 0 reports them.
  const auto fail = [&](const Error& error) {
    return root ? report_error(error) : exit_code_for(error);
  };
  if (!o.scenario.empty() && !o.scenario_flag.empty()) {
    return fail(input_error(fmt::format("give the scenario once: '{}' and --scenario '{}'",
                                        o.scenario, o.scenario_flag)));
  }
  const std::string name = !o.scenario_flag.empty() ? o.scenario_flag
                           : !o.scenario.empty()    ? o.scenario
                                                    : std::string(scenario::kDefaultScenario);
  auto spec = spec_of(o);
  if (!spec.ok()) {
    return fail(spec.error());
  }
  auto catalog = load_catalog(o.catalogs);
  if (!catalog.ok()) {
    return fail(catalog.error());
  }
  auto efficiency = perf::EfficiencyTable::load_builtin();
  if (!efficiency.ok()) {
    return fail(efficiency.error());
  }
  auto document = analysis::ScenarioDocument::load(name);
  if (!document.ok()) {
    return fail(document.error());
  }
  auto sweep = analysis::prepare_sweep(*document, *spec, *catalog, *efficiency);
  if (!sweep.ok()) {
    return fail(sweep.error());
  }

  auto mine = run_share(o, *ranks, *sweep, *document, *catalog, *efficiency);
  if (!mine.ok()) {
    return fail(mine.error());
  }
  auto outcomes = ranks->gather(std::move(*mine), sweep->runs.size());
  if (!outcomes.ok()) {
    return fail(outcomes.error());
  }
  if (!root) {
    return kExitOk;
  }
  if (auto status = analysis::first_run_error(*sweep, *outcomes); !status.ok()) {
    return report_error(status.error());
  }

  if (auto status = write_outputs(o, name, *sweep, *outcomes); !status.ok()) {
    return report_error(status.error());
  }
  return kExitOk;
}

void setup(CLI::App& app, RunFn& run_fn) {
  auto options = std::make_shared<Options>();
  app.add_option(
      "scenario", options->scenario,
      fmt::format("built-in scenario name or YAML file (default {})", scenario::kDefaultScenario));
  app.add_option("--scenario", options->scenario_flag, "the same, as a flag");
  app.add_option("--set", options->sets,
                 "PATH=VALUES: a list 'a,b,c' or a range 'a:b:n' of a scenario field, e.g. "
                 "'procurement[H200-SXM,buy].unit_price=15000 USD:40000 USD:6' (repeatable; a "
                 "grid is the cross product)")
      ->allow_extra_args(false);
  app.add_flag("--tornado", options->tornado,
               "vary each --set parameter alone between its first and last value around the "
               "scenario and rank them by their effect on --metric");
  app.add_option("--samples", options->samples, "Monte Carlo: number of samples")
      ->check(CLI::Range(1LL, analysis::kMaxRuns));
  app.add_option("--seed", options->seed, "Monte Carlo: seed (sample i uses stream i)");
  app.add_option("--vary", options->varies,
                 "PATH=DISTRIBUTION: normal(mean,sd), lognormal(median,sigma), uniform(lo,hi), "
                 "triangular(lo,mode,hi), choice(a:p,b:q), bernoulli(p); values with the "
                 "field's unit; for a date, days added; 'perf.error=band' draws each "
                 "accelerator x model capacity from its estimate band (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--correlate", options->correlates,
                 "PATH_A,PATH_B=RANK: a rank (Spearman) correlation between two --vary "
                 "parameters, e.g. 'periods[2026].exchange_rates.CNY,procurement[H200-SXM,buy]"
                 ".unit_price=0.6' (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--uncertainty", options->uncertainty,
                 "YAML file with `uncertainty:` (path, distribution, source) and "
                 "`correlations:` (between: [a, b], rank)");
  app.add_option("--metric", options->metric,
                 "the output that ranks the tornado and fills the grid's pivot (default "
                 "served_tokens_per_day)");
  app.add_flag("--rule-costs", options->rule_costs,
               "price every rule in every run (re-solves without each rule; slower)");
  const options::Registry& settings = scenario::settings_options();
  add_setting_flag(app, settings.at("objective"), options->objective, true);
  add_setting_flag(app, settings.at("gap"), options->gap, true);
  add_setting_flag(app, settings.at("node_limit"), options->node_limit, true);
  app.add_option("--csv", options->csv, "write one row per run to this file");
  app.add_flag("--json", options->json, "print JSON (summary and every run) instead of the report");
  app.add_option("--html", options->html,
                 "also write a self-contained HTML page (tornado, CDFs, fleet mix) to this file");
  app.add_option("--jobs", options->jobs,
                 "runs at a time (default: all cores): worker processes; under mpirun, threads "
                 "per rank")
      ->check(CLI::Range(1, 1024));
  add_catalog_option(app, options->catalogs);
  run_fn = [options] { return run(*options); };
}

const bool kRegistered = register_command(
    "sweep", "what-if grids, tornado sensitivity and Monte Carlo over a scenario (threads and MPI)",
    50, setup);

}  // namespace
}  // namespace fleetplan::cli
