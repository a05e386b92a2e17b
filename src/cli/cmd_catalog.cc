// `fleetplan catalog [accelerators|models] [--json]`: lists the catalog.
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/json.h"
#include "report/table.h"

namespace fleetplan::cli {
namespace {

using nlohmann::ordered_json;

struct Options {
  std::string what = "all";
  bool json = false;
  std::vector<std::string> catalogs;
};

std::string fmt_or_dash(double value, double scale, int decimals) {
  return value > 0 ? report::grouped(value / scale, decimals) : "-";
}

ordered_json accelerator_json(const catalog::Accelerator& a) {
  ordered_json flops = ordered_json::object();
  for (int p = 0; p < catalog::kPrecisionCount; ++p) {
    if (a.dense_flops[p] > 0) {
      flops[std::string(catalog::precision_name(static_cast<catalog::Precision>(p)))] =
          a.dense_flops[p] / 1e12;
    }
  }
  ordered_json j = {{"name", a.name},
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
  return j;
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

int run(const Options& options) {
  auto catalog = load_catalog(options.catalogs);
  if (!catalog.ok()) {
    return report_error(catalog.error());
  }
  const bool show_acc = options.what != "models";
  const bool show_models = options.what != "accelerators";
  if (options.json) {
    ordered_json out = ordered_json::object();
    if (show_acc) {
      out["accelerators"] = ordered_json::array();
      for (const auto& a : catalog->accelerators()) {
        out["accelerators"].push_back(accelerator_json(a));
      }
    }
    if (show_models) {
      out["models"] = ordered_json::array();
      for (const auto& m : catalog->models()) {
        out["models"].push_back(model_json(m));
      }
    }
    fmt::print("{}", json::dump(out));
    return kExitOk;
  }
  if (show_acc) {
    report::TextTable table({"accelerator", "vendor", "family", "mem GB", "HBM TB/s", "BF16 TF",
                             "FP8 TF", "FP4 TF", "scale-up", "price USD", "note"},
                            {false, false, false, true, true, true, true, true, true, true, false});
    for (const auto& a : catalog->accelerators()) {
      std::string note;
      if (a.domestic_china) {
        note += "domestic ";
      }
      if (a.estimate) {
        note += "estimate ";
      }
      if (!a.has_performance_figures()) {
        note += "no-figures";
      }
      table.add_row({a.name, a.vendor, a.family, fmt_or_dash(a.memory_bytes, 1e9, 0),
                     fmt_or_dash(a.memory_bw, 1e12, 2), fmt_or_dash(a.dense_flops[0], 1e12, 0),
                     fmt_or_dash(a.dense_flops[2], 1e12, 0), fmt_or_dash(a.dense_flops[4], 1e12, 0),
                     a.scaleup_domain > 1
                         ? fmt::format("{}x{:.0f}GB/s", a.scaleup_domain, a.scaleup_bw / 1e9)
                         : "-",
                     a.price_usd ? report::grouped(*a.price_usd) : "-", note});
    }
    fmt::print("{} accelerators\n{}", catalog->accelerators().size(), table.render());
  }
  if (show_models) {
    if (show_acc) {
      fmt::print("\n");
    }
    report::TextTable table({"model", "params B", "active B", "layers", "hidden", "heads/kv",
                             "experts", "attention", "context"},
                            {false, true, true, true, true, true, false, false, true});
    for (const auto& m : catalog->models()) {
      const char* attention = m.attention == catalog::Attention::kMla   ? "MLA"
                              : m.attention == catalog::Attention::kMha ? "MHA"
                                                                        : "GQA";
      table.add_row({m.name, report::grouped(m.params_total / 1e9, 1),
                     report::grouped(m.params_active / 1e9, 1), std::to_string(m.layers),
                     std::to_string(m.hidden), fmt::format("{}/{}", m.heads, m.kv_heads),
                     m.is_moe() ? fmt::format("{} top-{}", m.experts, m.experts_active) : "-",
                     attention, report::grouped(m.max_context)});
    }
    fmt::print("{} models\n{}", catalog->models().size(), table.render());
  }
  return kExitOk;
}

void setup(CLI::App& app, RunFn& run_fn) {
  auto options = std::make_shared<Options>();
  app.add_option("what", options->what, "accelerators, models or all")
      ->check(CLI::IsMember({"all", "accelerators", "models"}));
  app.add_flag("--json", options->json, "print JSON instead of tables");
  add_catalog_option(app, options->catalogs);
  run_fn = [options] { return run(*options); };
}

const bool kRegistered =
    register_command("catalog", "list the accelerators and models the tool knows", 10, setup);

}  // namespace
}  // namespace fleetplan::cli
