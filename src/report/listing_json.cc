#include "report/listing_json.h"

#include <string>

namespace fleetplan::report {

using nlohmann::ordered_json;

ordered_json accelerator_json(const catalog::Accelerator& a) {
  ordered_json flops = ordered_json::object();
  for (int p = 0; p < catalog::kPrecisionCount; ++p) {
    if (a.dense_flops[p] > 0) {
      flops[std::string(catalog::precision_name(static_cast<catalog::Precision>(p)))] =
          a.dense_flops[p] / 1e12;
    }
  }
  return {{"name", a.name},
          {"vendor", a.vendor},
          {"family", a.family},
          {"year", a.year},
          {"memory_gb", a.memory_bytes / 1e9},
          {"memory_bw_tbps", a.memory_bw / 1e12},
          {"dense_tflops", flops},
          {"scaleup_bw_gbps_per_dir", a.scaleup_bw / 1e9},
          {"scaleup_domain", a.scaleup_domain},
          {"scaleout_gbps", a.scaleout_bw * 8 / 1e9},
          {"tdp_w", a.tdp_w},
          {"price_usd", a.price_usd ? ordered_json(*a.price_usd) : ordered_json()},
          {"domestic_china", a.domestic_china},
          {"estimate", a.estimate},
          {"has_performance_figures", a.has_performance_figures()},
          {"export_status_to_china", a.export_status_to_china},
          {"sources", a.sources},
          {"notes", a.notes}};
}

ordered_json model_json(const catalog::Model& m) {
  const char* attention = m.attention == catalog::Attention::kMla   ? "MLA"
                          : m.attention == catalog::Attention::kMha ? "MHA"
                                                                    : "GQA";
  return {{"name", m.name},
          {"family", m.family},
          {"params_total_b", m.params_total / 1e9},
          {"params_active_b", m.params_active / 1e9},
          {"layers", m.layers},
          {"hidden", m.hidden},
          {"ffn_hidden", m.ffn_hidden},
          {"heads", m.heads},
          {"kv_heads", m.kv_heads},
          {"head_dim", m.head_dim},
          {"vocab", m.vocab},
          {"experts", m.experts},
          {"experts_active", m.experts_active},
          {"attention", attention},
          {"max_context", m.max_context},
          {"sources", m.sources}};
}

ordered_json catalog_json(const catalog::Catalog& catalog, bool accelerators, bool models) {
  ordered_json out = ordered_json::object();
  if (accelerators) {
    out["accelerators"] = ordered_json::array();
    for (const auto& a : catalog.accelerators()) {
      out["accelerators"].push_back(accelerator_json(a));
    }
  }
  if (models) {
    out["models"] = ordered_json::array();
    for (const auto& m : catalog.models()) {
      out["models"].push_back(model_json(m));
    }
  }
  return out;
}

ordered_json scenario_summary_json(const std::string& name, const scenario::Scenario& s) {
  ordered_json periods = ordered_json::array();
  for (const auto& p : s.periods) {
    periods.push_back({{"name", p.name},
                       {"start", p.start.to_string()},
                       {"end", p.end.to_string()},
                       {"budget", {{"amount", p.budget.amount}, {"currency", p.budget.currency}}},
                       {"budget_usd", p.budget_usd}});
  }
  return {{"name", name},
          {"default", name == scenario::kDefaultScenario},
          {"description", s.description},
          {"periods", periods}};
}

}  // namespace fleetplan::report
