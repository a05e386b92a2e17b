#include "report/estimate_run.h"

#include <fmt/format.h>

#include "report/json_fields.h"
#include "report/table.h"

namespace fleetplan::report {

using nlohmann::ordered_json;

namespace {

// The band is the spread of measured / predicted throughput on held-out rows; latency at the
// same batch scales inversely (TPOT = batch / per-replica throughput), and TTFT, made of the
// same kernels, is given the same relative spread.
struct Spread {
  double thr_p10;
  double thr_p90;
  double lat_p10;
  double lat_p90;
};

Spread spread(const EstimateRun& r) {
  const double thr = r.estimate.throughput_output_tokens_per_s;
  return {thr * r.band.p10, thr * r.band.p90, 1.0 / r.band.p90, 1.0 / r.band.p10};
}

const char* engine_origin(const EstimateRun& r) {
  return r.engine_given ? "given" : "default for the family";
}

const char* kv_origin(const EstimateRun& r) {
  return r.kv_cache_given ? "given" : "engine default";
}

Result<perf::SearchMode> search_mode(const char* field, const std::string& text) {
  if (text == "auto") {
    return perf::SearchMode::kAuto;
  }
  if (text == "off") {
    return perf::SearchMode::kOff;
  }
  if (text == "on") {
    return perf::SearchMode::kOn;
  }
  return input_error(
      fmt::format("{}: '{}' is not a choice; expected auto (searched), off or on", field, text));
}

ordered_json layout_json(const perf::Parallelism& p) {
  return {{"tp", p.tp}, {"pp", p.pp}, {"ep", p.ep}, {"attention_dp", p.attention_dp}};
}

// The chosen shape: colocated or disaggregated, the unit, EP degree, speculative decoding.
ordered_json shape_json(const EstimateRun& r) {
  const perf::Estimate& est = r.estimate;
  ordered_json j;
  j["kind"] = est.disaggregated ? "disaggregated" : "colocated";
  j["text"] = perf::shape_text(est);
  j["deployment_devices"] = est.deployment_devices;
  j["ep"] = est.parallelism.ep;
  j["mtp"] = {{"draft_tokens", est.mtp_draft_tokens},
              {"acceptance", est.mtp_acceptance},
              {"tokens_per_step", est.tokens_per_step}};
  if (est.disaggregated) {
    const perf::DisaggregatedShape& d = *est.disaggregated;
    ordered_json prefill = layout_json(d.prefill);
    prefill["instances"] = d.prefill_instances;
    prefill["devices"] = d.prefill_devices;
    prefill["tokens_per_step"] = d.prefill_tokens_per_step;
    prefill["step_ms"] = d.prefill_step_ms;
    prefill["input_tokens_per_s_per_device"] = d.prefill_tokens_per_s_per_device;
    prefill["utilization"] = d.prefill_utilization;
    ordered_json decode = layout_json(d.decode);
    decode["instances"] = d.decode_instances;
    decode["devices"] = d.decode_devices;
    decode["batch"] = est.batch;
    decode["output_tokens_per_s_per_device"] = d.decode_tokens_per_s_per_device;
    decode["utilization"] = d.decode_utilization;
    j["prefill"] = prefill;
    j["decode"] = decode;
    j["units"] = d.units;
    j["idle_devices"] = d.idle_devices;
    j["kv_transfer"] = {{"bytes_per_request", d.kv_bytes_per_request},
                        {"ms", d.kv_transfer_ms},
                        {"link", d.kv_over_scaleup ? "scale-up" : "scale-out"}};
  }
  return j;
}

}  // namespace

Result<EstimateOptions> parse_estimate_options(const nlohmann::json& json) {
  EstimateOptions o;
  JsonFields f(json, "");
  f.text("model", o.model);
  f.text("accelerator", o.accelerator);
  f.integer("count", o.count, 1, perf::kMaxDevices);
  f.text("weights", o.weights);
  f.text("kv_cache", o.kv_cache);
  f.integer("input_len", o.input_len, 1, perf::kMaxTokens);
  f.integer("output_len", o.output_len, 1, perf::kMaxTokens);
  f.number("prefix_cache_hit_share", o.prefix_cache_hit_share, 0, 0.99);
  f.integer("concurrency", o.concurrency, 1, perf::kMaxConcurrency);
  f.number("ttft_ms", o.ttft_ms, 0, 1e9, true);
  f.number("tpot_ms", o.tpot_ms, 0, 1e9, true);
  f.integer("tp", o.tp, 1, 4096);
  f.integer("pp", o.pp, 1, 4096);
  f.integer("ep", o.ep, 1, 4096);
  f.boolean("attention_dp", o.attention_dp);
  f.text("engine", o.engine);
  f.integer("max_deployment", o.max_deployment, 1, perf::kMaxDevices);
  f.text("disaggregation", o.disaggregation);
  f.text("mtp", o.mtp);
  f.number("mtp_acceptance", o.mtp_acceptance, 0, 1, true);
  f.refuse("catalog", "a request may not name files of the server");
  f.refuse("precision", "renamed to `weights` (as the flag --weights)");
  f.refuse("kv_precision", "renamed to `kv_cache` (as the flag --kv-cache)");
  FLEETPLAN_RETURN_IF_ERROR(f.finish());
  if (o.model.empty() || o.accelerator.empty()) {
    return input_error(fmt::format("{} is required", o.model.empty() ? "model" : "accelerator"));
  }
  return o;
}

Result<EstimateRun> compute_estimate(const EstimateOptions& o, const catalog::Catalog& catalog,
                                     const perf::EfficiencyTable& fitted) {
  EstimateRun r;
  auto model = catalog.model(o.model);
  if (!model.ok()) {
    return model.error();
  }
  r.model = *model;
  auto acc = catalog.accelerator(o.accelerator);
  if (!acc.ok()) {
    return acc.error();
  }
  r.accelerator = *acc;
  auto weights = catalog::parse_precision(o.weights);
  if (!weights.ok()) {
    return input_error("weights: " + weights.error().message);
  }
  r.weights = *weights;
  auto engines = perf::EngineTable::load_builtin();
  if (!engines.ok()) {
    return engines.error();
  }
  r.engine = engines->default_for(r.accelerator->family);
  if (!o.engine.empty()) {
    auto found = engines->find(o.engine);
    if (!found.ok()) {
      return input_error("engine: " + found.error().message);
    }
    r.engine = **found;
    r.engine_given = true;
  }
  Result<catalog::Precision> kv = perf::engine_kv_cache(r.engine, *r.accelerator, r.weights);
  if (!o.kv_cache.empty()) {
    kv = catalog::parse_precision(o.kv_cache);
    if (!kv.ok()) {
      return input_error("kv_cache: " + kv.error().message);
    }
    r.kv_cache_given = true;
  }
  if (!kv.ok()) {
    return kv.error();
  }
  r.kv_cache = *kv;
  auto bands = perf::BandTable::load_builtin();
  if (!bands.ok()) {
    return bands.error();
  }
  r.factors = perf::resolve_factors(fitted, r.accelerator->family, r.engine);
  const perf::EfficiencyTable table = perf::with_resolved(fitted, r.factors);
  perf::EstimateRequest req;
  req.model = r.model;
  req.accelerator = r.accelerator;
  req.count = o.count;
  req.weights = r.weights;
  req.kv_cache = r.kv_cache;
  req.input_len = o.input_len;
  req.output_len = o.output_len;
  req.prefix_cache_hit_share = o.prefix_cache_hit_share;
  req.concurrency = o.concurrency;
  req.ttft_target_ms = o.ttft_ms;
  req.tpot_target_ms = o.tpot_ms;
  req.engine = r.engine.name;
  req.layouts = perf::layout_support(r.engine);
  req.max_deployment = o.max_deployment;
  auto disaggregation = search_mode("disaggregation", o.disaggregation);
  FLEETPLAN_RETURN_IF_ERROR(disaggregation);
  req.disaggregation = *disaggregation;
  auto mtp = search_mode("mtp", o.mtp);
  FLEETPLAN_RETURN_IF_ERROR(mtp);
  req.mtp = *mtp;
  req.mtp_acceptance = o.mtp_acceptance;
  if (req.disaggregation == perf::SearchMode::kOn && !r.engine.disaggregation) {
    return input_error(
        fmt::format("disaggregation: {} does not serve prefill and decode apart "
                    "(data/catalog/engines/engines.yaml)",
                    r.engine.title));
  }
  if (req.mtp == perf::SearchMode::kOn && !r.engine.mtp) {
    return input_error(
        fmt::format("mtp: {} does not decode with MTP modules (data/catalog/engines/engines.yaml)",
                    r.engine.title));
  }
  if (req.mtp == perf::SearchMode::kOn && r.model->mtp_layers == 0) {
    return input_error(fmt::format(
        "mtp: {} has no multi-token prediction modules (catalog mtp_layers)", r.model->name));
  }
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
  r.estimate = *est;
  r.count = o.count;
  r.input_len = o.input_len;
  r.output_len = o.output_len;
  r.prefix_cache_hit_share = o.prefix_cache_hit_share;
  r.targets_given = o.ttft_ms.has_value() || o.tpot_ms.has_value();
  r.band = bands->lookup(r.factors.efficiency.family, perf::model_class(*r.model));
  return r;
}

ordered_json estimate_json(const EstimateRun& r) {
  const perf::Estimate& est = r.estimate;
  const perf::Efficiency& eff = r.factors.efficiency;
  const Spread s = spread(r);
  const auto& m = est.memory;
  ordered_json j;
  j["model"] = r.model->name;
  j["accelerator"] = r.accelerator->name;
  j["count"] = r.count;
  j["precision"] = {{"weights", catalog::precision_name(r.weights)},
                    {"kv_cache", catalog::precision_name(r.kv_cache)},
                    {"kv_cache_origin", kv_origin(r)}};
  j["input_len"] = r.input_len;
  j["output_len"] = r.output_len;
  j["prefix_cache_hit_share"] = r.prefix_cache_hit_share;
  j["engine"] = {{"name", r.engine.name}, {"title", r.engine.title}, {"origin", engine_origin(r)}};
  j["throughput_output_tokens_per_s"] = est.throughput_output_tokens_per_s;
  j["throughput_output_tokens_per_s_p10"] = s.thr_p10;
  j["throughput_output_tokens_per_s_p90"] = s.thr_p90;
  j["throughput_total_tokens_per_s"] = est.throughput_total_tokens_per_s;
  j["ttft_ms"] = est.ttft_ms;
  j["ttft_ms_p10"] = est.ttft_ms * s.lat_p10;
  j["ttft_ms_p90"] = est.ttft_ms * s.lat_p90;
  j["tpot_ms"] = est.tpot_ms;
  j["tpot_ms_p10"] = est.tpot_ms * s.lat_p10;
  j["tpot_ms_p90"] = est.tpot_ms * s.lat_p90;
  j["band"] = {{"family_engine", r.band.family_engine},
               {"model_class", r.band.model_class},
               {"rows", r.band.rows},
               {"measured_over_predicted_p10", r.band.p10},
               {"measured_over_predicted_p90", r.band.p90}};
  j["throughput_output_tokens_per_s_per_device"] = est.throughput_output_tokens_per_s / r.count;
  j["throughput_total_tokens_per_s_per_device"] = est.throughput_total_tokens_per_s / r.count;
  j["shape"] = shape_json(r);
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
  j["efficiency"] = {{"family", eff.family},
                     {"fitted_entry", r.factors.fitted_entry},
                     {"fallback", r.factors.fallback},
                     {"fitted_on", eff.fitted_on}};
  if (r.factors.fallback) {
    j["efficiency"]["note"] = r.factors.note;
  }
  if (r.accelerator->estimate) {
    j["note"] =
        fmt::format("{} figures are public estimates, not a datasheet", r.accelerator->name);
  }
  return j;
}

namespace {

// The header lines: what was estimated, prefix caching, the engine and notes on the figures.
std::string estimate_header(const EstimateRun& r) {
  std::string out =
      fmt::format("{} on {} x {}, weights {} / KV {} ({}), input {} / output {} tokens\n",
                  r.model->name, r.count, r.accelerator->name, catalog::precision_name(r.weights),
                  catalog::precision_name(r.kv_cache), kv_origin(r), r.input_len, r.output_len);
  if (r.prefix_cache_hit_share > 0) {
    out += fmt::format(
        "prefix cache: {:.0f} % of the input cached; prefill computes {:.0f} new tokens a "
        "request, the KV cache holds all {}\n",
        100.0 * r.prefix_cache_hit_share, r.input_len * (1 - r.prefix_cache_hit_share),
        r.input_len + r.output_len);
  }
  out += fmt::format("engine: {} ({})\n", r.engine.title, engine_origin(r));
  if (r.factors.fallback) {
    out += fmt::format("note: {}\n", r.factors.note);
  }
  if (r.accelerator->estimate) {
    out += fmt::format("note: {} figures are public estimates, not a datasheet ({})\n",
                       r.accelerator->name, r.accelerator->sources.substr(0, 80));
  }
  return out;
}

// The rows of a disaggregated shape: instances, deployment unit, KV transfer, rates.
void add_disaggregated_rows(TextTable& t, const perf::DisaggregatedShape& d) {
  const auto instances = [](int n, const perf::Parallelism& p) {
    return fmt::format("{} x {} devices (tp={} pp={} ep={}{})", n, p.devices_per_replica(), p.tp,
                       p.pp, p.ep, p.attention_dp ? " attention-dp" : "");
  };
  t.add_row({"shape", "disaggregated (prefill and decode apart)"});
  t.add_row({"prefill instances", instances(d.prefill_instances, d.prefill)});
  t.add_row({"decode instances", instances(d.decode_instances, d.decode)});
  t.add_row({"deployment unit",
             fmt::format("{} devices x {} units{}", d.unit_devices, d.units,
                         d.idle_devices > 0 ? fmt::format(", {} idle", d.idle_devices) : "")});
  t.add_row(
      {"prefill : decode devices", fmt::format("{} : {}", d.prefill_devices, d.decode_devices)});
  t.add_row({"KV transfer",
             fmt::format("{:.1f} MB a request, {:.2f} ms over {}", d.kv_bytes_per_request / 1e6,
                         d.kv_transfer_ms, d.kv_over_scaleup ? "scale-up" : "scale-out")});
  t.add_row({"prefill tokens/s per device",
             fmt::format("{} (busy {:.0f} %)", grouped(d.prefill_tokens_per_s_per_device, 0),
                         d.prefill_utilization * 100.0)});
  t.add_row({"decode tokens/s per device",
             fmt::format("{} (busy {:.0f} %)", grouped(d.decode_tokens_per_s_per_device, 0),
                         d.decode_utilization * 100.0)});
}

// The estimate table: shape or layout, MTP, batch, throughput and latency with their 80 %
// band, bounds, targets and the deployments searched.
std::string estimate_table(const EstimateRun& r) {
  const perf::Estimate& est = r.estimate;
  const Spread s = spread(r);
  TextTable t({"estimate", "value"}, {false, true});
  if (est.disaggregated) {
    add_disaggregated_rows(t, *est.disaggregated);
  }
  if (!est.disaggregated) {
    t.add_row({"layout", perf::shape_text(est)});
  }
  t.add_row({"MTP", est.mtp_draft_tokens > 0
                        ? fmt::format("{} draft token, acceptance {:.2f}: {:.2f} tokens a step",
                                      est.mtp_draft_tokens, est.mtp_acceptance, est.tokens_per_step)
                        : std::string("off")});
  t.add_row({est.disaggregated ? "batch per decode instance" : "batch per replica",
             fmt::format("{} (limit: {})", est.batch, est.limit)});
  t.add_row({"output tokens/s",
             fmt::format("{} ({} - {})", grouped(est.throughput_output_tokens_per_s, 0),
                         grouped(s.thr_p10, 0), grouped(s.thr_p90, 0))});
  t.add_row({"total tokens/s", grouped(est.throughput_total_tokens_per_s, 0)});
  t.add_row({"output / total tokens/s per device",
             fmt::format("{} / {}", grouped(est.throughput_output_tokens_per_s / r.count, 0),
                         grouped(est.throughput_total_tokens_per_s / r.count, 0))});
  t.add_row({"TTFT ms", fmt::format("{:.1f} ({:.1f} - {:.1f})", est.ttft_ms,
                                    est.ttft_ms * s.lat_p10, est.ttft_ms * s.lat_p90)});
  t.add_row({"TPOT ms", fmt::format("{:.2f} ({:.2f} - {:.2f})", est.tpot_ms,
                                    est.tpot_ms * s.lat_p10, est.tpot_ms * s.lat_p90)});
  t.add_row({"prefill bound", perf::bound_name(est.prefill_bound)});
  t.add_row({"decode bound", perf::bound_name(est.decode_bound)});
  if (r.targets_given) {
    t.add_row({"meets p99 targets", est.meets_targets ? "yes" : "NO"});
  }
  t.add_row({"deployments searched", std::to_string(est.deployments_searched)});
  return t.render();
}

// The memory table of one (decode) device.
std::string memory_table(const perf::Estimate& est) {
  const auto& m = est.memory;
  TextTable mt({est.disaggregated ? "memory per decode device" : "memory per device", "GB"},
               {false, true});
  mt.add_row({"capacity", fmt::format("{:.1f}", m.capacity / 1e9)});
  mt.add_row({"weights", fmt::format("{:.1f}", m.weights / 1e9)});
  mt.add_row({"activations", fmt::format("{:.1f}", m.activations / 1e9)});
  mt.add_row({"runtime reserve", fmt::format("{:.1f}", m.reserve / 1e9)});
  mt.add_row({"KV cache", fmt::format("{:.1f}", m.kv_cache / 1e9)});
  mt.add_row({"KV cache free at this batch", fmt::format("{:.1f}", m.free / 1e9)});
  return mt.render();
}

}  // namespace

std::string estimate_text(const EstimateRun& r) {
  const perf::Efficiency& eff = r.factors.efficiency;
  std::string out = estimate_header(r);
  out += estimate_table(r);
  out += "\n" + memory_table(r.estimate);
  out +=
      fmt::format("\n(ranges: 80 % band from {} held-out rows of {} x {} (leave-one-source-out))\n",
                  r.band.rows, r.band.family_engine == "*" ? "all families" : r.band.family_engine,
                  r.band.model_class == "*" ? "all model classes" : r.band.model_class + " models");
  out += fmt::format("efficiency ({}): compute {:.2f}, memory {:.2f}, link {:.2f}; {}\n",
                     eff.family, eff.compute, eff.memory, eff.link, eff.fitted_on);
  return out;
}

Result<ordered_json> run_estimate(const EstimateOptions& options, const catalog::Catalog& catalog,
                                  const perf::EfficiencyTable& fitted) {
  auto run = compute_estimate(options, catalog, fitted);
  if (!run.ok()) {
    return run.error();
  }
  return estimate_json(*run);
}

}  // namespace fleetplan::report
