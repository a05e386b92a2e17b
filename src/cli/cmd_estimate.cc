// `fleetplan estimate`: performance of one deployment (model x accelerator x count).
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/json.h"
#include "perf/band.h"
#include "perf/engine.h"
#include "perf/perf.h"
#include "report/table.h"

namespace fleetplan::cli {
namespace {

using nlohmann::ordered_json;

struct Options {
  std::string model;
  std::string accelerator;
  int count = 1;
  std::string weights = "fp8";
  std::string kv_cache;
  int input_len = 1024;
  int output_len = 256;
  std::optional<int> concurrency;
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  std::optional<int> tp;
  std::optional<int> pp;
  std::optional<int> ep;
  bool attention_dp = false;
  std::string engine;
  bool json = false;
  std::vector<std::string> catalogs;
};

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
  auto model = catalog->model(o.model);
  if (!model.ok()) {
    return report_error(model.error());
  }
  auto acc = catalog->accelerator(o.accelerator);
  if (!acc.ok()) {
    return report_error(acc.error());
  }
  auto weights = catalog::parse_precision(o.weights);
  if (!weights.ok()) {
    return report_error(input_error("--weights: " + weights.error().message));
  }
  auto engines = perf::EngineTable::load_builtin();
  if (!engines.ok()) {
    return report_error(engines.error());
  }
  const perf::Engine* engine = &engines->default_for((*acc)->family);
  if (!o.engine.empty()) {
    auto found = engines->find(o.engine);
    if (!found.ok()) {
      return report_error(input_error("--engine: " + found.error().message));
    }
    engine = *found;
  }
  const char* const engine_origin = o.engine.empty() ? "default for the family" : "given";
  Result<catalog::Precision> kv = perf::engine_kv_cache(*engine, **acc, *weights);
  if (!o.kv_cache.empty()) {
    kv = catalog::parse_precision(o.kv_cache);
    if (!kv.ok()) {
      return report_error(input_error("--kv-cache: " + kv.error().message));
    }
  }
  const char* const kv_origin = o.kv_cache.empty() ? "engine default" : "given";
  auto fitted = perf::EfficiencyTable::load_builtin();
  if (!fitted.ok()) {
    return report_error(fitted.error());
  }
  auto bands = perf::BandTable::load_builtin();
  if (!bands.ok()) {
    return report_error(bands.error());
  }
  const perf::ResolvedFactors factors = perf::resolve_factors(*fitted, (*acc)->family, *engine);
  const auto table = std::make_optional(perf::with_resolved(*fitted, factors));
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
  auto est = perf::estimate(req, *table);
  if (!est.ok()) {
    return report_error(with_flag(est.error(), {{"count", "--count"},
                                                {"input_len", "--input-len"},
                                                {"output_len", "--output-len"},
                                                {"concurrency", "--concurrency"},
                                                {"ttft_target_ms", "--ttft-ms"},
                                                {"tpot_target_ms", "--tpot-ms"},
                                                {"parallelism.tp", "--tp"},
                                                {"parallelism.pp", "--pp"},
                                                {"parallelism.ep", "--ep"}}));
  }
  const perf::Efficiency& eff = factors.efficiency;
  const perf::Band& band = bands->lookup(eff.family, perf::model_class(**model));
  // The band is the spread of measured / predicted throughput on held-out rows; latency at
  // the same batch scales inversely (TPOT = batch / per-replica throughput), and TTFT, made of
  // the same kernels, is given the same relative spread.
  const double thr_p10 = est->throughput_output_tokens_per_s * band.p10;
  const double thr_p90 = est->throughput_output_tokens_per_s * band.p90;
  const double lat_p10 = 1.0 / band.p90;
  const double lat_p90 = 1.0 / band.p10;
  const std::string band_text =
      fmt::format("80 % band from {} held-out rows of {} x {} (leave-one-source-out)", band.rows,
                  band.family_engine == "*" ? "all families" : band.family_engine,
                  band.model_class == "*" ? "all model classes" : band.model_class + " models");
  const auto& m = est->memory;
  if (o.json) {
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
    j["throughput_output_tokens_per_s_p10"] = thr_p10;
    j["throughput_output_tokens_per_s_p90"] = thr_p90;
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
    fmt::print("{}", json::dump(j));
    return kExitOk;
  }
  fmt::print("{} on {} x {}, weights {} / KV {} ({}), input {} / output {} tokens\n",
             (*model)->name, o.count, (*acc)->name, catalog::precision_name(*weights),
             catalog::precision_name(*kv), kv_origin, o.input_len, o.output_len);
  fmt::print("engine: {} ({})\n", engine->title, engine_origin);
  if (factors.fallback) {
    fmt::print("note: {}\n", factors.note);
  }
  if ((*acc)->estimate) {
    fmt::print("note: {} figures are public estimates, not a datasheet ({})\n", (*acc)->name,
               (*acc)->sources.substr(0, 80));
  }
  report::TextTable t({"estimate", "value"}, {false, true});
  t.add_row({"layout", layout_text(est->parallelism)});
  t.add_row({"batch per replica", fmt::format("{} (limit: {})", est->batch, est->limit)});
  t.add_row({"output tokens/s",
             fmt::format("{} ({} - {})", report::grouped(est->throughput_output_tokens_per_s, 0),
                         report::grouped(thr_p10, 0), report::grouped(thr_p90, 0))});
  t.add_row({"total tokens/s", report::grouped(est->throughput_total_tokens_per_s, 0)});
  t.add_row({"TTFT ms", fmt::format("{:.1f} ({:.1f} - {:.1f})", est->ttft_ms,
                                    est->ttft_ms * lat_p10, est->ttft_ms * lat_p90)});
  t.add_row({"TPOT ms", fmt::format("{:.2f} ({:.2f} - {:.2f})", est->tpot_ms,
                                    est->tpot_ms * lat_p10, est->tpot_ms * lat_p90)});
  t.add_row({"prefill bound", perf::bound_name(est->prefill_bound)});
  t.add_row({"decode bound", perf::bound_name(est->decode_bound)});
  if (o.ttft_ms || o.tpot_ms) {
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
  fmt::print("\n(ranges: {})\n", band_text);
  fmt::print("efficiency ({}): compute {:.2f}, memory {:.2f}, link {:.2f}; {}\n", eff.family,
             eff.compute, eff.memory, eff.link, eff.fitted_on);
  return kExitOk;
}

void setup(CLI::App& app, RunFn& run_fn) {
  auto o = std::make_shared<Options>();
  app.add_option("--model", o->model, "model name (fleetplan catalog models)")->required();
  app.add_option("--accelerator", o->accelerator,
                 "accelerator name (fleetplan catalog accelerators)")
      ->required();
  app.add_option("--count", o->count, "accelerators in the deployment")
      ->check(CLI::Range(1, perf::kMaxDevices));
  app.add_option("--weights", o->weights, "weight precision: bf16, fp16, fp8 (default), int8, fp4");
  app.add_option(
      "--kv-cache", o->kv_cache,
      "KV-cache precision (default: FP8 for FP8/FP4 weights on chips with FP8 units, else BF16; "
      "never FP4)");
  app.add_option("--input-len", o->input_len, "prompt tokens per request")
      ->check(CLI::Range(1, perf::kMaxTokens));
  app.add_option("--output-len", o->output_len, "generated tokens per request")
      ->check(CLI::Range(1, perf::kMaxTokens));
  app.add_option("--concurrency", o->concurrency, "requests in flight (default: offline maximum)")
      ->check(CLI::Range(1, perf::kMaxConcurrency));
  app.add_option("--ttft-ms", o->ttft_ms, "p99 time-to-first-token target")
      ->check(finite_number(0, 1e9, true));
  app.add_option("--tpot-ms", o->tpot_ms, "p99 time-per-output-token target")
      ->check(finite_number(0, 1e9, true));
  app.add_option("--tp", o->tp, "tensor parallel size (default: searched)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--pp", o->pp, "pipeline parallel size")->check(CLI::Range(1, 4096));
  app.add_option("--ep", o->ep, "expert parallel size (MoE)")->check(CLI::Range(1, 4096));
  app.add_flag("--attention-dp", o->attention_dp,
               "attention data-parallel + expert parallel (DEP)");
  app.add_option("--engine", o->engine,
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
