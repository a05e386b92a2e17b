#include "report/estimate_run.h"

#include <fmt/format.h>

#include "report/json_fields.h"

namespace fleetplan::report {

using nlohmann::ordered_json;

Result<EstimateOptions> parse_estimate_options(const nlohmann::json& json) {
  EstimateOptions o;
  JsonFields f(json, "");
  f.text("model", o.model);
  f.text("accelerator", o.accelerator);
  f.integer("count", o.count, 1, kMaxEstimateCount);
  f.text("precision", o.precision);
  f.text("kv_precision", o.kv_precision);
  f.integer("input_len", o.input_len, 1, kMaxEstimateTokens);
  f.integer("output_len", o.output_len, 1, kMaxEstimateTokens);
  f.integer("concurrency", o.concurrency, 1, kMaxEstimateTokens);
  f.number("ttft_ms", o.ttft_ms, 0, 1e9, true);
  f.number("tpot_ms", o.tpot_ms, 0, 1e9, true);
  f.integer("tp", o.tp, 1, 4096);
  f.integer("pp", o.pp, 1, 4096);
  f.integer("ep", o.ep, 1, 4096);
  f.boolean("attention_dp", o.attention_dp);
  f.refuse("catalog", "a request may not name files of the server");
  FLEETPLAN_RETURN_IF_ERROR(f.finish());
  if (o.model.empty() || o.accelerator.empty()) {
    return input_error(fmt::format("{} is required", o.model.empty() ? "model" : "accelerator"));
  }
  return o;
}

Result<EstimateRun> run_estimate(const EstimateOptions& o, const catalog::Catalog& catalog,
                                 const perf::EfficiencyTable& efficiency) {
  EstimateRun run;
  run.options = o;
  auto model = catalog.model(o.model);
  if (!model.ok()) {
    return model.error();
  }
  auto accelerator = catalog.accelerator(o.accelerator);
  if (!accelerator.ok()) {
    return accelerator.error();
  }
  auto weights = catalog::parse_precision(o.precision);
  if (!weights.ok()) {
    return input_error("precision: " + weights.error().message);
  }
  auto kv = catalog::parse_precision(o.kv_precision.empty() ? o.precision : o.kv_precision);
  if (!kv.ok()) {
    return input_error("kv_precision: " + kv.error().message);
  }
  run.model = *model;
  run.accelerator = *accelerator;
  run.weights = *weights;
  run.kv_cache = *kv;
  perf::EstimateRequest request;
  request.model = run.model;
  request.accelerator = run.accelerator;
  request.count = o.count;
  request.weights = run.weights;
  request.kv_cache = run.kv_cache;
  request.input_len = o.input_len;
  request.output_len = o.output_len;
  request.concurrency = o.concurrency;
  request.ttft_target_ms = o.ttft_ms;
  request.tpot_target_ms = o.tpot_ms;
  if (o.tp || o.pp || o.ep || o.attention_dp) {
    perf::Parallelism p;
    p.tp = o.tp.value_or(1);
    p.pp = o.pp.value_or(1);
    p.ep = o.ep.value_or(o.attention_dp ? p.tp : 1);
    p.attention_dp = o.attention_dp;
    request.parallelism = p;
  }
  auto estimate = perf::estimate(request, efficiency);
  if (!estimate.ok()) {
    return estimate.error();
  }
  run.estimate = std::move(*estimate);
  run.efficiency = efficiency.for_family(run.accelerator->family);
  return run;
}

ordered_json EstimateRun::json() const {
  const auto& est = estimate;
  const auto& m = est.memory;
  ordered_json j;
  j["model"] = model->name;
  j["accelerator"] = accelerator->name;
  j["count"] = options.count;
  j["precision"] = {{"weights", catalog::precision_name(weights)},
                    {"kv_cache", catalog::precision_name(kv_cache)}};
  j["input_len"] = options.input_len;
  j["output_len"] = options.output_len;
  j["throughput_output_tokens_per_s"] = est.throughput_output_tokens_per_s;
  j["throughput_total_tokens_per_s"] = est.throughput_total_tokens_per_s;
  j["ttft_ms"] = est.ttft_ms;
  j["tpot_ms"] = est.tpot_ms;
  j["batch"] = est.batch;
  j["concurrency"] = est.concurrency;
  j["parallelism"] = {{"tp", est.parallelism.tp},
                      {"pp", est.parallelism.pp},
                      {"ep", est.parallelism.ep},
                      {"attention_dp", est.parallelism.attention_dp},
                      {"replicas", est.parallelism.replicas}};
  j["bound"] = {{"prefill", perf::bound_name(est.prefill_bound)},
                {"decode", perf::bound_name(est.decode_bound)}};
  j["memory_gb"] = {{"capacity", m.capacity / 1e9},       {"weights", m.weights / 1e9},
                    {"activations", m.activations / 1e9}, {"reserve", m.reserve / 1e9},
                    {"kv_cache", m.kv_cache / 1e9},       {"free", m.free / 1e9}};
  j["meets_targets"] = est.meets_targets;
  j["batch_limit"] = est.limit;
  j["deployments_searched"] = est.deployments_searched;
  j["efficiency"] = {{"family", efficiency.family}, {"fitted_on", efficiency.fitted_on}};
  if (accelerator->estimate) {
    j["note"] = fmt::format("{} figures are public estimates, not a datasheet", accelerator->name);
  }
  return j;
}

}  // namespace fleetplan::report
