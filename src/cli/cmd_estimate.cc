// `fleetplan estimate`: performance of one deployment (model x accelerator x count).
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/json.h"
#include "perf/perf.h"
#include "report/estimate_run.h"

namespace fleetplan::cli {
namespace {

struct Options {
  report::EstimateOptions estimate;
  bool json = false;
  std::vector<std::string> catalogs;
};

int run(const Options& o) {
  auto catalog = load_catalog(o.catalogs);
  if (!catalog.ok()) {
    return report_error(catalog.error());
  }
  auto fitted = perf::EfficiencyTable::load_builtin();
  if (!fitted.ok()) {
    return report_error(fitted.error());
  }
  auto run = report::compute_estimate(o.estimate, *catalog, *fitted);
  if (!run.ok()) {
    // The errors name the options' JSON fields; on the command line they are flags.
    Error error = run.error();
    for (const auto& [field, flag] :
         {std::pair{"weights: ", "--weights: "}, std::pair{"kv_cache: ", "--kv-cache: "},
          std::pair{"engine: ", "--engine: "}}) {
      if (error.message.starts_with(field)) {
        error.message = flag + error.message.substr(std::string_view(field).size());
      }
    }
    return report_error(with_flag(error, {{"count", "--count"},
                                          {"input_len", "--input-len"},
                                          {"output_len", "--output-len"},
                                          {"concurrency", "--concurrency"},
                                          {"ttft_target_ms", "--ttft-ms"},
                                          {"tpot_target_ms", "--tpot-ms"},
                                          {"parallelism.tp", "--tp"},
                                          {"parallelism.pp", "--pp"},
                                          {"parallelism.ep", "--ep"}}));
  }
  if (o.json) {
    fmt::print("{}", json::dump(report::estimate_json(*run)));
  } else {
    fmt::print("{}", report::estimate_text(*run));
  }
  return kExitOk;
}

void setup(CLI::App& app, RunFn& run_fn) {
  auto o = std::make_shared<Options>();
  report::EstimateOptions& e = o->estimate;
  app.add_option("--model", e.model, "model name (fleetplan catalog models)")->required();
  app.add_option("--accelerator", e.accelerator,
                 "accelerator name (fleetplan catalog accelerators)")
      ->required();
  app.add_option("--count", e.count, "accelerators in the deployment")
      ->check(CLI::Range(1, perf::kMaxDevices));
  app.add_option("--weights", e.weights, "weight precision: bf16, fp16, fp8 (default), int8, fp4");
  app.add_option(
      "--kv-cache", e.kv_cache,
      "KV-cache precision (default: FP8 for FP8/FP4 weights on chips with FP8 units, else BF16; "
      "never FP4)");
  app.add_option("--input-len", e.input_len, "prompt tokens per request")
      ->check(CLI::Range(1, perf::kMaxTokens));
  app.add_option("--output-len", e.output_len, "generated tokens per request")
      ->check(CLI::Range(1, perf::kMaxTokens));
  app.add_option("--concurrency", e.concurrency, "requests in flight (default: offline maximum)")
      ->check(CLI::Range(1, perf::kMaxConcurrency));
  app.add_option("--ttft-ms", e.ttft_ms, "p99 time-to-first-token target")
      ->check(finite_number(0, 1e9, true));
  app.add_option("--tpot-ms", e.tpot_ms, "p99 time-per-output-token target")
      ->check(finite_number(0, 1e9, true));
  app.add_option("--tp", e.tp, "tensor parallel size (default: searched)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--pp", e.pp, "pipeline parallel size")->check(CLI::Range(1, 4096));
  app.add_option("--ep", e.ep, "expert parallel size (MoE)")->check(CLI::Range(1, 4096));
  app.add_flag("--attention-dp", e.attention_dp, "attention data-parallel + expert parallel (DEP)");
  app.add_option("--engine", e.engine,
                 "serving engine: trtllm, vllm, sglang, mindie, chitu (default: the family's "
                 "best-supported engine, data/catalog/engines/engines.yaml)");
  app.add_flag("--json", o->json, "print one JSON object");
  add_catalog_option(app, o->catalogs);
  run_fn = [o] { return run(*o); };
}

const bool kRegistered = register_command(
    "estimate", "throughput and latency of one deployment (roofline, calibrated)", 20, setup);

}  // namespace
}  // namespace fleetplan::cli
