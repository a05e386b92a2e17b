// `fleetplan simulate`: request-level serving simulation of a fleet under a workload, from a
// scenario file or from quick flags (one service, one deployment).
#include <cstdio>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "cli/command.h"
#include "perf/perf.h"
#include "report/table.h"
#include "sim/output.h"
#include "sim/sim_scenario.h"

namespace fleetplan::cli {
namespace {

struct Options {
  std::string scenario;
  sim::QuickSpec quick;
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  std::optional<long long> requests;
  std::optional<double> duration_s;
  std::optional<long long> warmup_requests;
  std::optional<std::uint64_t> seed;
  bool step_by_step = false;
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
    fmt::print("  {} ({}): {} replica{} of {}; max batch {}, max num tokens {}\n", d.name,
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
    {"prefix_cache_hit_share", "--prefix-cache-hit-share"},
    {"mtp", "--mtp"},
    {"mtp_acceptance", "--mtp-acceptance"},
    {"services", "--rate/--requests/--duration"},
    {"fleet.deployments[0].scheduler.max_batch", "--max-batch"},
    {"fleet.deployments[0].scheduler.max_num_tokens", "--max-num-tokens"},
    {"simulation.requests", "--requests"},
    {"simulation.duration_s", "--duration"},
    {"simulation.warmup_requests", "--warmup-requests"},
    {"timeseries_interval_s", "--timeseries-interval"},
};

// Quick flags and a scenario file are two ways to say the same thing: not both.
const char* const kQuickFlags[] = {"--model",
                                   "--accelerator",
                                   "--count",
                                   "--tp",
                                   "--pp",
                                   "--ep",
                                   "--attention-dp",
                                   "--mtp",
                                   "--mtp-acceptance",
                                   "--rate",
                                   "--input-len",
                                   "--output-len",
                                   "--arrival",
                                   "--cv",
                                   "--router",
                                   "--max-batch",
                                   "--max-num-tokens",
                                   "--weights",
                                   "--kv-cache",
                                   "--concurrency",
                                   "--think-time-ms",
                                   "--think-time",
                                   "--prefix-cache-hit-share"};

int run(const Options& o) {
  if (!o.scenario.empty()) {
    for (const char* flag : kQuickFlags) {
      if (o.app->count(flag) > 0) {
        return report_error(input_error(fmt::format(
            "{} builds a scenario from flags; it cannot be combined with --scenario", flag)));
      }
    }
  } else if (o.quick.model.empty() || o.quick.accelerator.empty()) {
    return report_error(input_error(
        "give --scenario FILE, or --model and --accelerator (with --rate, --count, ...)"));
  }
  if (o.scenario.empty()) {
    if (o.quick.concurrency > 0 && o.app->count("--rate") > 0) {
      return report_error(
          input_error("--rate and --concurrency: give one (an open loop at a rate, or a closed "
                      "loop of users)"));
    }
    if (o.quick.concurrency == 0 && (o.app->count("--think-time-ms") > 0 ||
                                     o.app->count("--think-time") > 0 || o.warmup_requests)) {
      return report_error(input_error(
          "--think-time-ms, --think-time and --warmup-requests apply to a closed loop: add "
          "--concurrency N"));
    }
  }
  if (!o.timeseries.empty()) {
    if (auto writable = check_writable(o.timeseries, "--timeseries"); !writable.ok()) {
      return report_error(writable.error());
    }
  }
  auto catalog = load_catalog(o.catalogs);
  if (!catalog.ok()) {
    return report_error(catalog.error());
  }
  auto table = perf::EfficiencyTable::load_builtin();
  if (!table.ok()) {
    return report_error(table.error());
  }
  Result<sim::SimScenario> scenario = Error{};
  if (!o.scenario.empty()) {
    scenario = sim::load_scenario(o.scenario, *catalog, *table);
  } else {
    sim::QuickSpec quick = o.quick;
    quick.ttft_ms = o.ttft_ms;
    quick.tpot_ms = o.tpot_ms;
    quick.requests = o.requests.value_or(o.duration_s ? 0 : 10000);
    quick.duration_s = o.duration_s.value_or(0);
    scenario = sim::quick_scenario(quick, *catalog, *table);
  }
  if (!scenario.ok()) {
    return report_error(o.scenario.empty() ? with_flag(scenario.error(), kQuickFields)
                                           : scenario.error());
  }
  if (!o.scenario.empty()) {
    if (o.ttft_ms || o.tpot_ms) {
      return report_error(
          input_error("--ttft-ms/--tpot-ms: set the targets of each service in the scenario file"));
    }
    if (o.requests) {
      scenario->workload.requests = *o.requests;
    }
    if (o.duration_s) {
      scenario->workload.duration_s = *o.duration_s;
    }
  }
  if (o.warmup_requests) {
    scenario->workload.warmup_requests = *o.warmup_requests;
  }
  if (o.seed) {
    scenario->options.seed = *o.seed;
  }
  if (o.step_by_step) {
    scenario->options.step_by_step = true;
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
  auto results = sim::simulate(scenario->fleet, scenario->workload, scenario->options);
  if (!results.ok()) {
    return report_error(o.scenario.empty() ? with_flag(results.error(), kQuickFields)
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
  app.add_option("--scenario", o->scenario,
                 "simulation scenario (YAML: fleet, services, scheduler, router); see "
                 "examples/simulate-*.yaml")
      ->check(CLI::ExistingFile);
  app.add_option("--model", o->quick.model, "quick scenario: the model served");
  app.add_option("--accelerator", o->quick.accelerator, "quick scenario: the accelerator");
  app.add_option("--count", o->quick.count, "quick scenario: accelerators (default 1)")
      ->check(CLI::Range(1, perf::kMaxDevices));
  app.add_option("--tp", o->quick.tp,
                 "quick scenario: tensor parallelism per replica (default: smallest that fits)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--pp", o->quick.pp, "quick scenario: pipeline stages per replica (default 1)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--ep", o->quick.ep, "quick scenario: expert parallel size (MoE; default 1)")
      ->check(CLI::Range(1, 4096));
  app.add_flag("--attention-dp", o->quick.attention_dp,
               "quick scenario: attention data-parallel + expert parallel (DEP) over the tp ranks");
  app.add_option("--mtp", o->quick.mtp,
                 "quick scenario: speculative decoding with the model's multi-token prediction "
                 "modules: off (default) or on (one draft token, as estimate --mtp on)");
  app.add_option("--mtp-acceptance", o->quick.mtp_acceptance,
                 "quick scenario: share of drafted tokens accepted (default: the model's "
                 "published figure)")
      ->check(finite_number(0, 1));
  app.add_option("--rate", o->quick.rate, "quick scenario: arrivals per second (default 1)")
      ->check(finite_number(0, 1e9, true));
  app.add_option("--requests", o->requests,
                 "arrivals to simulate (default 10000; closed loop: requests measured)")
      ->check(CLI::Range(1LL, sim::kMaxRequests));
  app.add_option("--duration", o->duration_s, "seconds of arrivals (instead of --requests)")
      ->check(finite_number(0, sim::kMaxHorizonS, true));
  app.add_option("--input-len", o->quick.input_len, "quick scenario: prompt tokens (default 1024)")
      ->check(CLI::Range(1, perf::kMaxTokens));
  app.add_option("--output-len", o->quick.output_len, "quick scenario: output tokens (default 256)")
      ->check(CLI::Range(1, perf::kMaxTokens));
  app.add_option("--prefix-cache-hit-share", o->quick.prefix_cache_hit_share,
                 "quick scenario: share of each prompt found in the prefix cache, 0 to 0.99 "
                 "(default 0): prefill computes only the rest; the KV cache still holds the "
                 "whole prompt")
      ->check(finite_number(0, 0.99));
  app.add_option("--arrival", o->quick.arrival, "quick scenario: poisson (default) or gamma");
  app.add_option("--cv", o->quick.cv,
                 "quick scenario: coefficient of variation of gamma inter-arrival gaps")
      ->check(finite_number(sim::kMinCv, sim::kMaxCv));
  app.add_option("--concurrency", o->quick.concurrency,
                 "quick scenario: a closed loop of N users, each sending its next request when "
                 "the last is answered (instead of --rate)")
      ->check(CLI::Range(1, sim::kMaxUsers));
  app.add_option("--think-time-ms", o->quick.think_time_ms,
                 "closed loop: mean time a user waits after a reply (default 0)")
      ->check(finite_number(0, sim::kMaxThinkTimeS * 1000.0));
  app.add_option("--think-time", o->quick.think_time,
                 "closed loop: think-time distribution: fixed (default), exponential, uniform "
                 "(0 to twice the mean)");
  app.add_option("--warmup-requests", o->warmup_requests,
                 "closed loop: first requests not measured (default: twice the users)")
      ->check(CLI::Range(0LL, sim::kMaxRequests));
  app.add_option("--ttft-ms", o->ttft_ms, "quick scenario: TTFT target (goodput)")
      ->check(finite_number(0, 1e9, true));
  app.add_option("--tpot-ms", o->tpot_ms, "quick scenario: TPOT target (goodput)")
      ->check(finite_number(0, 1e9, true));
  app.add_option("--router", o->quick.router,
                 "quick scenario: round_robin, least_outstanding (default), least_kv, weighted, "
                 "random");
  app.add_option("--max-batch", o->quick.max_batch,
                 "quick scenario: sequences per replica (default: the engine's)")
      ->check(CLI::Range(1, sim::kMaxBatch));
  app.add_option("--max-num-tokens", o->quick.token_budget,
                 "quick scenario: tokens per step (default: the engine's)")
      ->check(CLI::Range(1, sim::kMaxTokenBudget));
  app.add_option("--weights", o->quick.weights, "quick scenario: weight precision (default fp8)");
  app.add_option("--kv-cache", o->quick.kv_cache,
                 "quick scenario: KV-cache precision (default: as --weights)");
  app.add_option("--seed", o->seed, "random seed (same seed, same output)")
      ->check(unsigned_number());
  app.add_flag("--step-by-step", o->step_by_step,
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
