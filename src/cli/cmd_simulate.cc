// `fleetplan simulate`: request-level serving simulation of a fleet under a workload, from a
// scenario file or from quick flags (one service, one deployment).
#include <cstdio>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "cli/command.h"
#include "perf/perf.h"
#include "report/simulate_run.h"
#include "report/table.h"
#include "sim/output.h"
#include "sim/sim_scenario.h"

namespace fleetplan::cli {
namespace {

struct Options {
  report::SimulateOptions run;  // the scenario (file or quick flags) and its overrides
  std::optional<long long> warmup_requests;
  bool json = false;
  std::string timeseries;
  std::optional<double> timeseries_interval_s;
  std::vector<std::string> catalogs;
  CLI::App* app = nullptr;
};

std::string ms(double seconds) { return report::grouped(seconds * 1000.0, 1); }
std::string percent(double fraction) { return report::grouped(fraction * 100.0, 1); }

void print_tables(const sim::SimScenario& scenario, const sim::Results& r) {
  fmt::print("fleetplan simulate: {}\n", scenario.source);
  for (const sim::Deployment& d : scenario.fleet.deployments) {
    fmt::print("  {} ({}): {} replica{} of {}; max batch {}, token budget {}\n", d.name,
               sim::role_name(d.role), d.replicas, d.replicas == 1 ? "" : "s",
               d.step_model->describe(), d.scheduler.max_batch, d.scheduler.token_budget);
  }
  fmt::print("  router {}, seed {}, {} kernel: {} events for {} scheduler steps\n\n",
             sim::router_name(scenario.fleet.router), r.seed,
             r.step_by_step ? "step-by-step" : "fast",
             report::grouped(static_cast<double>(r.events)),
             report::grouped(static_cast<double>(r.steps)));
  if (r.closed_loop) {
    for (const sim::SimService& svc : scenario.workload.services) {
      fmt::print("  {}: {}\n", svc.name, svc.arrival.describe());
    }
    fmt::print(
        "  closed loop: {} warm-up requests not measured; measured from {} s to {} s (the "
        "run, drain included: {} s)\n\n",
        report::grouped(static_cast<double>(r.warmup_requests)), report::grouped(r.start_s, 2),
        report::grouped(r.end_s, 2), report::grouped(r.run_duration_s, 2));
  }
  report::TextTable services(
      {"service", "requests", "dropped", "TTFT ms mean", "p50", "p99", "TPOT ms mean", "p99",
       "E2E ms p50", "p99", "out tok/s", "req/s", "goodput req/s", "in system"},
      {false, true, true, true, true, true, true, true, true, true, true, true, true, true});
  const auto add = [&](const sim::ServiceResult& s) {
    services.add_row({s.name, report::grouped(static_cast<double>(s.completed)),
                      report::grouped(static_cast<double>(s.dropped)), ms(s.ttft.mean),
                      ms(s.ttft.p50), ms(s.ttft.p99), ms(s.tpot.mean), ms(s.tpot.p99),
                      ms(s.e2e.p50), ms(s.e2e.p99),
                      report::grouped(s.throughput_output_tokens_per_s, 1),
                      report::grouped(s.throughput_requests_per_s, 2),
                      report::grouped(s.goodput_requests_per_s, 2),
                      report::grouped(s.mean_requests_in_system, 1)});
  };
  for (const sim::ServiceResult& s : r.services) {
    add(s);
  }
  if (r.services.size() > 1) {
    add(r.overall);
  }
  fmt::print("{} requests over {} s ({} preempted)\n{}\n",
             report::grouped(static_cast<double>(r.overall.arrived)),
             report::grouped(r.duration_s, 1),
             report::grouped(static_cast<double>(r.overall.preemptions)), services.render());
  report::TextTable fleet({"deployment", "accelerator", "role", "replicas", "requests", "busy %",
                           "mean batch", "KV mean %", "KV peak %", "preemptions"},
                          {false, false, false, true, true, true, true, true, true, true});
  for (const sim::DeploymentResult& d : r.deployments) {
    fleet.add_row({d.name, d.accelerator, sim::role_name(d.role), std::to_string(d.replicas),
                   report::grouped(static_cast<double>(d.requests)), percent(d.utilisation),
                   report::grouped(d.mean_batch, 1), percent(d.kv_occupancy_mean),
                   percent(d.kv_occupancy_peak),
                   report::grouped(static_cast<double>(d.preemptions))});
  }
  fmt::print("{}", fleet.render());
}

// The fields of a quick scenario, and of any run, as the flags that set them.
const std::vector<std::pair<std::string, std::string>> kRunFields = {
    {"simulation.requests", "--requests"},
    {"simulation.duration_s", "--duration"},
    {"simulation.warmup_requests", "--warmup-requests"},
    {"timeseries_interval_s", "--timeseries-interval"},
};
const std::vector<std::pair<std::string, std::string>> kQuickFields = {
    {"model", "--model"},
    {"accelerator", "--accelerator"},
    {"rate", "--rate"},
    {"requests (or duration_s)", "--requests/--duration"},
    {"input_len", "--input-len/--output-len"},
    {"arrival", "--arrival"},
    {"cv", "--cv"},
    {"concurrency", "--concurrency"},
    {"think_time_ms", "--think-time-ms"},
    {"think_time", "--think-time"},
    {"router", "--router"},
    {"weights", "--weights"},
    {"kv_cache", "--kv-cache"},
    {"services[0].arrival.cv", "--cv"},
    {"services[0].arrival.rate", "--rate"},
    {"services[0].input_len", "--input-len"},
    {"services[0].output_len", "--output-len"},
    {"services", "--rate/--requests/--duration"},
    {"fleet.deployments[0].scheduler.max_batch", "--max-batch"},
    {"fleet.deployments[0].scheduler.token_budget", "--token-budget"},
    {"simulation.requests", "--requests"},
    {"simulation.duration_s", "--duration"},
    {"simulation.warmup_requests", "--warmup-requests"},
    {"timeseries_interval_s", "--timeseries-interval"},
};

// The flags that go together: quick flags or --scenario, not both; --rate or --concurrency;
// the closed loop's flags only with --concurrency; a writable --timeseries.
Status check_flags(const Options& o) {
  // Quick flags and a scenario file are two ways to say the same thing: not both.
  static const char* const kQuickFlags[] = {
      "--model",         "--accelerator",  "--count",   "--tp",       "--rate",
      "--input-len",     "--output-len",   "--arrival", "--cv",       "--router",
      "--max-batch",     "--token-budget", "--weights", "--kv-cache", "--concurrency",
      "--think-time-ms", "--think-time"};
  const sim::QuickSpec& quick = o.run.quick;
  if (!o.run.scenario_file.empty()) {
    for (const char* flag : kQuickFlags) {
      if (o.app->count(flag) > 0) {
        return input_error(fmt::format(
            "{} builds a scenario from flags; it cannot be combined with --scenario", flag));
      }
    }
  } else if (quick.model.empty() || quick.accelerator.empty()) {
    return input_error(
        "give --scenario FILE, or --model and --accelerator (with --rate, --count, ...)");
  }
  if (o.run.scenario_file.empty()) {
    if (quick.concurrency > 0 && o.app->count("--rate") > 0) {
      return input_error(
          "--rate and --concurrency: give one (an open loop at a rate, or a closed loop of "
          "users)");
    }
    if (quick.concurrency == 0 && (o.app->count("--think-time-ms") > 0 ||
                                   o.app->count("--think-time") > 0 || o.warmup_requests)) {
      return input_error(
          "--think-time-ms, --think-time and --warmup-requests apply to a closed loop: add "
          "--concurrency N");
    }
  }
  if (!o.timeseries.empty()) {
    FLEETPLAN_RETURN_IF_ERROR(check_writable(o.timeseries, "--timeseries"));
  }
  return {};
}

// The scenario the flags describe (report::options_scenario), with the command line's own
// settings: warm-up requests and the time-series interval. Errors name the flag.
Result<sim::SimScenario> scenario_of(const Options& o) {
  auto catalog = load_catalog(o.catalogs);
  FLEETPLAN_RETURN_IF_ERROR(catalog);
  auto table = perf::EfficiencyTable::load_builtin();
  FLEETPLAN_RETURN_IF_ERROR(table);
  const bool quick = o.run.scenario_file.empty();
  auto scenario = report::options_scenario(o.run, *catalog, *table);
  if (!scenario.ok()) {
    return quick ? with_flag(scenario.error(), kQuickFields) : scenario.error();
  }
  if (!quick && (o.run.ttft_ms || o.run.tpot_ms)) {
    return input_error("--ttft-ms/--tpot-ms: set the targets of each service in the scenario file");
  }
  if (o.warmup_requests) {
    scenario->workload.warmup_requests = *o.warmup_requests;
  }
  if (!o.timeseries.empty()) {
    scenario->options.timeseries_interval_s = o.timeseries_interval_s.value_or(
        scenario->options.timeseries_interval_s > 0 ? scenario->options.timeseries_interval_s
                                                    : 1.0);
  } else {
    // The scenario's interval is for --timeseries: without it nothing would read the samples
    // (at 1e-9 s they exhausted memory).
    scenario->options.timeseries_interval_s = 0;
  }
  return scenario;
}

int run(const Options& o) {
  if (auto flags = check_flags(o); !flags.ok()) {
    return report_error(flags.error());
  }
  auto scenario = scenario_of(o);
  if (!scenario.ok()) {
    return report_error(scenario.error());
  }
  auto results = sim::simulate(scenario->fleet, scenario->workload, scenario->options);
  if (!results.ok()) {
    return report_error(o.run.scenario_file.empty() ? with_flag(results.error(), kQuickFields)
                                                    : with_flag(results.error(), kRunFields));
  }
  if (!o.timeseries.empty()) {
    std::ofstream out(o.timeseries, std::ios::binary);
    out << sim::timeseries_csv(*results);
    if (!out) {
      return report_error(input_error(fmt::format("--timeseries: cannot write {}", o.timeseries)));
    }
  }
  if (o.json) {
    fmt::print("{}", sim::results_json(*results));
  } else {
    print_tables(*scenario, *results);
    if (!o.timeseries.empty()) {
      fmt::print("\nqueue lengths every {} s written to {}\n",
                 scenario->options.timeseries_interval_s, o.timeseries);
    }
  }
  return kExitOk;
}

void setup(CLI::App& app, RunFn& run_fn) {
  auto o = std::make_shared<Options>();
  o->app = &app;
  app.add_option("--scenario", o->run.scenario_file,
                 "simulation scenario (YAML: fleet, services, scheduler, router); see "
                 "examples/simulate-*.yaml")
      ->check(CLI::ExistingFile);
  app.add_option("--model", o->run.quick.model, "quick scenario: the model served");
  app.add_option("--accelerator", o->run.quick.accelerator, "quick scenario: the accelerator");
  app.add_option("--count", o->run.quick.count, "quick scenario: accelerators (default 1)")
      ->check(CLI::Range(1, perf::kMaxDevices));
  app.add_option("--tp", o->run.quick.tp,
                 "quick scenario: tensor parallelism per replica (default: smallest that fits)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--rate", o->run.quick.rate, "quick scenario: arrivals per second (default 1)")
      ->check(finite_number(0, 1e9, true));
  app.add_option("--requests", o->run.requests,
                 "arrivals to simulate (default 10000; closed loop: requests measured)")
      ->check(CLI::Range(1LL, sim::kMaxRequests));
  app.add_option("--duration", o->run.duration_s, "seconds of arrivals (instead of --requests)")
      ->check(finite_number(0, sim::kMaxHorizonS, true));
  app.add_option("--input-len", o->run.quick.input_len,
                 "quick scenario: prompt tokens (default 1024)")
      ->check(CLI::Range(1, perf::kMaxTokens));
  app.add_option("--output-len", o->run.quick.output_len,
                 "quick scenario: output tokens (default 256)")
      ->check(CLI::Range(1, perf::kMaxTokens));
  app.add_option("--arrival", o->run.quick.arrival, "quick scenario: poisson (default) or gamma");
  app.add_option("--cv", o->run.quick.cv,
                 "quick scenario: coefficient of variation of gamma inter-arrival gaps")
      ->check(finite_number(sim::kMinCv, sim::kMaxCv));
  app.add_option("--concurrency", o->run.quick.concurrency,
                 "quick scenario: a closed loop of N users, each sending its next request when "
                 "the last is answered (instead of --rate)")
      ->check(CLI::Range(1, sim::kMaxUsers));
  app.add_option("--think-time-ms", o->run.quick.think_time_ms,
                 "closed loop: mean time a user waits after a reply (default 0)")
      ->check(finite_number(0, sim::kMaxThinkTimeS * 1000.0));
  app.add_option("--think-time", o->run.quick.think_time,
                 "closed loop: think-time distribution: fixed (default), exponential, uniform "
                 "(0 to twice the mean)");
  app.add_option("--warmup-requests", o->warmup_requests,
                 "closed loop: first requests not measured (default: twice the users)")
      ->check(CLI::Range(0LL, sim::kMaxRequests));
  app.add_option("--ttft-ms", o->run.ttft_ms, "quick scenario: TTFT target (goodput)")
      ->check(finite_number(0, 1e9, true));
  app.add_option("--tpot-ms", o->run.tpot_ms, "quick scenario: TPOT target (goodput)")
      ->check(finite_number(0, 1e9, true));
  app.add_option("--router", o->run.quick.router,
                 "quick scenario: round_robin, least_outstanding (default), least_kv, weighted, "
                 "random");
  app.add_option("--max-batch", o->run.quick.max_batch,
                 "quick scenario: sequences per replica (default: the engine's)")
      ->check(CLI::Range(1, sim::kMaxBatch));
  app.add_option("--token-budget", o->run.quick.token_budget,
                 "quick scenario: tokens per step (default: the engine's)")
      ->check(CLI::Range(1, sim::kMaxTokenBudget));
  app.add_option("--weights", o->run.quick.weights,
                 "quick scenario: weight precision (default fp8)");
  app.add_option("--kv-cache", o->run.quick.kv_cache,
                 "quick scenario: KV-cache precision (default: as --weights)");
  app.add_option("--seed", o->run.seed, "random seed (same seed, same output)")
      ->check(unsigned_number());
  app.add_flag("--step-by-step", o->run.step_by_step,
               "run every decode step as its own event (the reference; slow)");
  app.add_flag("--json", o->json, "print one JSON object instead of tables");
  app.add_option("--timeseries", o->timeseries, "write queue lengths over time to this CSV");
  app.add_option("--timeseries-interval", o->timeseries_interval_s,
                 "seconds between time-series samples (default 1)")
      ->check(finite_number(sim::kMinTimeseriesIntervalS, sim::kMaxHorizonS));
  add_catalog_option(app, o->catalogs);
  run_fn = [o] { return run(*o); };
}

const bool kRegistered = register_command(
    "simulate", "simulate request-level serving of a fleet: latency percentiles, goodput", 30,
    setup);

}  // namespace
}  // namespace fleetplan::cli
