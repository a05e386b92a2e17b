// `fleetplan catalog [accelerators|models] [--json]`: lists the catalog.
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "report/listing_json.h"
#include "report/table.h"

namespace fleetplan::cli {
namespace {

struct Options {
  std::string what = "all";
  bool json = false;
  std::vector<std::string> catalogs;
};

std::string fmt_or_dash(double value, double scale, int decimals) {
  return value > 0 ? report::grouped(value / scale, decimals) : "-";
}

int run(const Options& options) {
  auto catalog = load_catalog(options.catalogs);
  if (!catalog.ok()) {
    return report_error(catalog.error());
  }
  const bool show_acc = options.what != "models";
  const bool show_models = options.what != "accelerators";
  if (options.json) {
    const auto out = report::catalog_json(*catalog, show_acc, show_models);
    fmt::print("{}\n", out.dump(2));
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
