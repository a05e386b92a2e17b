#include "report/estimate_run.h"

#include <fmt/format.h>

#include "perf/band.h"
#include "perf/engine.h"
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
  f.text("engine", o.engine);
  f.refuse("catalog", "a request may not name files of the server");
  FLEETPLAN_RETURN_IF_ERROR(f.finish());
  if (o.model.empty() || o.accelerator.empty()) {
    return input_error(fmt::format("{} is required", o.model.empty() ? "model" : "accelerator"));
  }
  return o;
}

Result<ordered_json> run_estimate(const EstimateOptions& o, const catalog::Catalog& catalog,
                                  const perf::EfficiencyTable& fitted) {
  auto model = catalog.model(o.model);
  if (!model.ok()) {
    return model.error();
  }
  auto acc = catalog.accelerator(o.accelerator);
  if (!acc.ok()) {
    return acc.error();
  }
  auto weights = catalog::parse_precision(o.precision);
  if (!weights.ok()) {
    return input_error("precision: " + weights.error().message);
  }
  auto engines = perf::EngineTable::load_builtin();
  if (!engines.ok()) {
    return engines.error();
  }
  const perf::Engine* engine = &engines->default_for((*acc)->family);
  if (!o.engine.empty()) {
    auto found = engines->find(o.engine);
    if (!found.ok()) {
      return input_error("engine: " + found.error().message);
    }
    engine = *found;
  }
  const char* const engine_origin = o.engine.empty() ? "default for the family" : "given";
  Result<catalog::Precision> kv = perf::engine_kv_cache(*engine, **acc, *weights);
  if (!o.kv_precision.empty()) {
    kv = catalog::parse_precision(o.kv_precision);
    if (!kv.ok()) {
      return input_error("kv_precision: " + kv.error().message);
    }
  }
  const char* const kv_origin = o.kv_precision.empty() ? "engine default" : "given";
  auto bands = perf::BandTable::load_builtin();
  if (!bands.ok()) {
    return bands.error();
  }
  const perf::ResolvedFactors factors = perf::resolve_factors(fitted, (*acc)->family, *engine);
  const perf::EfficiencyTable table = perf::with_resolved(fitted, factors);
  perf::EstimateRequest req;
  req.model = *model;
  req.accelerator = *acc;
  req.count = o.count;
  req.weights = *weights;
  req.kv_cache = *kv;
  req.input_len = o.input_len;
  req.output_len = o.output_len;
  req.concurrency = o.concurrency;
  req.ttft_target_ms = o.ttft_ms;
  req.tpot_target_ms = o.tpot_ms;
  req.engine = engine->name;
  req.layouts = perf::layout_support(*engine);
  if (o.tp || o.pp || o.ep || o.attention_dp) {
    perf::Parallelism p;
    p.tp = o.tp.value_or(1);
    p.pp = o.pp.value_or(1);
    p.ep = o.ep.value_or(o.attention_dp ? p.tp : 1);
    p.attention_dp = o.attention_dp;
    req.parallelism = p;
  }
  auto est = perf::estimate(req, table);
  if (!est.ok()) {
    return est.error();
  }
  const perf::Efficiency& eff = factors.efficiency;
  const perf::Band& band = bands->lookup(eff.family, perf::model_class(**model));
  // As `fleetplan estimate`: the band is measured / predicted throughput on held-out rows;
  // latency at the same batch scales inversely.
  const double lat_p10 = 1.0 / band.p90;
  const double lat_p90 = 1.0 / band.p10;
  const auto& m = est->memory;
  ordered_json j;
  j["model"] = (*model)->name;
  j["accelerator"] = (*acc)->name;
  j["count"] = o.count;
  j["precision"] = {{"weights", catalog::precision_name(*weights)},
                    {"kv_cache", catalog::precision_name(*kv)},
                    {"kv_cache_origin", kv_origin}};
  j["input_len"] = o.input_len;
  j["output_len"] = o.output_len;
  j["engine"] = {{"name", engine->name}, {"title", engine->title}, {"origin", engine_origin}};
  j["throughput_output_tokens_per_s"] = est->throughput_output_tokens_per_s;
  j["throughput_output_tokens_per_s_p10"] = est->throughput_output_tokens_per_s * band.p10;
  j["throughput_output_tokens_per_s_p90"] = est->throughput_output_tokens_per_s * band.p90;
  j["throughput_total_tokens_per_s"] = est->throughput_total_tokens_per_s;
  j["ttft_ms"] = est->ttft_ms;
  j["ttft_ms_p10"] = est->ttft_ms * lat_p10;
  j["ttft_ms_p90"] = est->ttft_ms * lat_p90;
  j["tpot_ms"] = est->tpot_ms;
  j["tpot_ms_p10"] = est->tpot_ms * lat_p10;
  j["tpot_ms_p90"] = est->tpot_ms * lat_p90;
  j["band"] = {{"family_engine", band.family_engine},
               {"model_class", band.model_class},
               {"rows", band.rows},
               {"measured_over_predicted_p10", band.p10},
               {"measured_over_predicted_p90", band.p90}};
  j["batch"] = est->batch;
  j["concurrency"] = est->concurrency;
  j["parallelism"] = {{"tp", est->parallelism.tp},
                      {"pp", est->parallelism.pp},
                      {"ep", est->parallelism.ep},
                      {"attention_dp", est->parallelism.attention_dp},
                      {"replicas", est->parallelism.replicas}};
  j["bound"] = {{"prefill", perf::bound_name(est->prefill_bound)},
                {"decode", perf::bound_name(est->decode_bound)}};
  j["memory_gb"] = {{"capacity", m.capacity / 1e9},       {"weights", m.weights / 1e9},
                    {"activations", m.activations / 1e9}, {"reserve", m.reserve / 1e9},
                    {"kv_cache", m.kv_cache / 1e9},       {"free", m.free / 1e9}};
  j["meets_targets"] = est->meets_targets;
  j["batch_limit"] = est->limit;
  j["deployments_searched"] = est->deployments_searched;
  j["efficiency"] = {{"family", eff.family},
                     {"fitted_entry", factors.fitted_entry},
                     {"fallback", factors.fallback},
                     {"fitted_on", eff.fitted_on}};
  if (factors.fallback) {
    j["efficiency"]["note"] = factors.note;
  }
  if ((*acc)->estimate) {
    j["note"] = fmt::format("{} figures are public estimates, not a datasheet", (*acc)->name);
  }
  return j;
}

}  // namespace fleetplan::report
