// What each parser promises about an input it accepts, checked by the libFuzzer targets and
// the deterministic mutation tests alike. Each function returns "" when the loaded value keeps
// the promises, else what it breaks (the fuzz targets abort with it, the tests fail with it).
// The promises are those of the headers (catalog.h, scenario.h, sim.h, calibration.h):
// figures finite and in range, names resolved, periods in order.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "catalog/catalog.h"

namespace fleetplan::fuzz {

inline bool finite_nonnegative(double v) { return std::isfinite(v) && v >= 0; }

inline std::string catalog_problem(const catalog::Catalog& catalog) {
  for (const auto& a : catalog.accelerators()) {
    for (double v : {a.memory_bytes, a.memory_bw, a.scaleup_bw, a.scaleout_bw, a.tdp_w}) {
      if (!finite_nonnegative(v)) {
        return fmt::format("accelerator {}: a negative or non-finite figure {}", a.name, v);
      }
    }
    for (int p = 0; p < catalog::kPrecisionCount; ++p) {
      const double rate = a.peak_flops(static_cast<catalog::Precision>(p));
      if (!finite_nonnegative(rate)) {
        return fmt::format("accelerator {}: FLOP rate {}", a.name, rate);
      }
    }
    if (a.scaleup_domain < 1) {
      return fmt::format("accelerator {}: scale-up domain {}", a.name, a.scaleup_domain);
    }
    if (a.sources.empty()) {
      return fmt::format("accelerator {}: no sources", a.name);
    }
  }
  for (const auto& m : catalog.models()) {
    if (m.layers <= 0 || m.hidden <= 0 || m.heads <= 0 || m.kv_heads <= 0 || m.kv_heads > m.heads) {
      return fmt::format("model {}: layers {} hidden {} heads {} kv_heads {}", m.name, m.layers,
                         m.hidden, m.heads, m.kv_heads);
    }
    if (!(std::isfinite(m.params_total) && m.params_total > 0) ||
        !(m.params_active <= m.params_total * 1.0001)) {
      return fmt::format("model {}: params {} active {}", m.name, m.params_total, m.params_active);
    }
    if (m.dense_layers < 0 || m.dense_layers > m.layers) {
      return fmt::format("model {}: {} dense layers of {}", m.name, m.dense_layers, m.layers);
    }
    if (m.moe_layer_step < 1) {
      return fmt::format("model {}: moe_layer_step {}", m.name, m.moe_layer_step);
    }
    if (m.is_moe() && (m.experts_active < 1 || m.experts_active > m.experts)) {
      return fmt::format("model {}: {} of {} experts active", m.name, m.experts_active, m.experts);
    }
    (void)m.moe_layers();  // must not trap (division by the step)
  }
  return "";
}

}  // namespace fleetplan::fuzz
