// `fleetplan estimate`: performance of one deployment (model x accelerator x count).
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "perf/perf.h"
#include "report/estimate_run.h"
#include "report/table.h"

namespace fleetplan::cli {
namespace {

struct Options {
  report::EstimateOptions estimate;
  bool json = false;
  std::vector<std::string> catalogs;
};

// The library names the field; the command line names its flag.
Error with_flag(Error error) {
  for (const auto& [field, flag] : {std::pair{"kv_precision: ", "--kv-precision: "},
                                    std::pair{"precision: ", "--precision: "}}) {
    if (error.message.starts_with(field)) {
      error.message = flag + error.message.substr(std::string_view(field).size());
      break;
    }
  }
  return error;
}

std::string layout_text(const perf::Parallelism& p) {
  std::string s = fmt::format("tp={} pp={} ep={}", p.tp, p.pp, p.ep);
  if (p.attention_dp) {
    s += " attention-dp";
  }
  return s + fmt::format(" replicas={}", p.replicas);
}

int run(const Options& o) {
  auto catalog = load_catalog(o.catalogs);
  if (!catalog.ok()) {
    return report_error(catalog.error());
  }
  auto table = perf::EfficiencyTable::load_builtin();
  if (!table.ok()) {
    return report_error(table.error());
  }
  auto run = report::run_estimate(o.estimate, *catalog, *table);
  if (!run.ok()) {
    return report_error(with_flag(run.error()));
  }
  if (o.json) {
    fmt::print("{}\n", run->json().dump(2));
    return kExitOk;
  }
  const auto* model = run->model;
  const auto* acc = run->accelerator;
  const auto* weights = &run->weights;
  const auto* kv = &run->kv_cache;
  const auto* est = &run->estimate;
  const perf::Efficiency& eff = run->efficiency;
  const auto& m = est->memory;
  const auto& options = o.estimate;
  fmt::print("{} on {} x {}, weights {} / KV {}, input {} / output {} tokens\n", model->name,
             options.count, acc->name, catalog::precision_name(*weights),
             catalog::precision_name(*kv), options.input_len, options.output_len);
  if (acc->estimate) {
    fmt::print("note: {} figures are public estimates, not a datasheet ({})\n", acc->name,
               acc->sources.substr(0, 80));
  }
  report::TextTable t({"estimate", "value"}, {false, true});
  t.add_row({"layout", layout_text(est->parallelism)});
  t.add_row({"batch per replica", fmt::format("{} (limit: {})", est->batch, est->limit)});
  t.add_row({"output tokens/s", report::grouped(est->throughput_output_tokens_per_s, 0)});
  t.add_row({"total tokens/s", report::grouped(est->throughput_total_tokens_per_s, 0)});
  t.add_row({"TTFT ms", fmt::format("{:.1f}", est->ttft_ms)});
  t.add_row({"TPOT ms", fmt::format("{:.2f}", est->tpot_ms)});
  t.add_row({"prefill bound", perf::bound_name(est->prefill_bound)});
  t.add_row({"decode bound", perf::bound_name(est->decode_bound)});
  if (options.ttft_ms || options.tpot_ms) {
    t.add_row({"meets p99 targets", est->meets_targets ? "yes" : "NO"});
  }
  t.add_row({"layouts searched", std::to_string(est->deployments_searched)});
  fmt::print("{}", t.render());
  report::TextTable mt({"memory per device", "GB"}, {false, true});
  mt.add_row({"capacity", fmt::format("{:.1f}", m.capacity / 1e9)});
  mt.add_row({"weights", fmt::format("{:.1f}", m.weights / 1e9)});
  mt.add_row({"activations", fmt::format("{:.1f}", m.activations / 1e9)});
  mt.add_row({"runtime reserve", fmt::format("{:.1f}", m.reserve / 1e9)});
  mt.add_row({"KV cache", fmt::format("{:.1f}", m.kv_cache / 1e9)});
  mt.add_row({"KV cache free at this batch", fmt::format("{:.1f}", m.free / 1e9)});
  fmt::print("\n{}", mt.render());
  fmt::print("\nefficiency ({}): compute {:.2f}, memory {:.2f}, link {:.2f}; {}\n", eff.family,
             eff.compute, eff.memory, eff.link, eff.fitted_on);
  return kExitOk;
}

void setup(CLI::App& app, RunFn& run_fn) {
  auto o = std::make_shared<Options>();
  app.add_option("--model", o->estimate.model, "model name (fleetplan catalog models)")->required();
  app.add_option("--accelerator", o->estimate.accelerator,
                 "accelerator name (fleetplan catalog accelerators)")
      ->required();
  app.add_option("--count", o->estimate.count, "accelerators in the deployment")
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--precision", o->estimate.precision,
                 "weight precision: bf16, fp16, fp8, int8, fp4");
  app.add_option("--kv-precision", o->estimate.kv_precision,
                 "KV-cache precision (default: as weights)");
  app.add_option("--input-len", o->estimate.input_len, "prompt tokens per request")
      ->check(CLI::Range(1, 1 << 24));
  app.add_option("--output-len", o->estimate.output_len, "generated tokens per request")
      ->check(CLI::Range(1, 1 << 24));
  app.add_option("--concurrency", o->estimate.concurrency,
                 "requests in flight (default: offline maximum)")
      ->check(CLI::Range(1, 1 << 24));
  app.add_option("--ttft-ms", o->estimate.ttft_ms, "p99 time-to-first-token target")
      ->check(CLI::PositiveNumber);
  app.add_option("--tpot-ms", o->estimate.tpot_ms, "p99 time-per-output-token target")
      ->check(CLI::PositiveNumber);
  app.add_option("--tp", o->estimate.tp, "tensor parallel size (default: searched)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--pp", o->estimate.pp, "pipeline parallel size")->check(CLI::Range(1, 4096));
  app.add_option("--ep", o->estimate.ep, "expert parallel size (MoE)")->check(CLI::Range(1, 4096));
  app.add_flag("--attention-dp", o->estimate.attention_dp,
               "attention data-parallel + expert parallel (DEP)");
  app.add_flag("--json", o->json, "print one JSON object");
  add_catalog_option(app, o->catalogs);
  run_fn = [o] { return run(*o); };
}

const bool kRegistered = register_command(
    "estimate", "throughput and latency of one deployment (roofline, calibrated)", 20, setup);

}  // namespace
}  // namespace fleetplan::cli
