// libFuzzer target for the catalog loader (and the YAML reader under it). Built only by
// clang with -DFLEETPLAN_FUZZ=ON; see tests/fuzz/README.md for how to run it.
//
// Every input must either load or return an Error whose message starts with the file's
// name; anything else (a throw, a crash, a sanitizer report, an accepted entry that breaks
// the catalog's invariants) aborts and libFuzzer saves the input. The same input is then
// walked with every yaml::Reader getter (the ones the scenario and policy parsers use).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "catalog/catalog.h"
#include "core/yaml_reader.h"
#include "reader_walk.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "catalog_fuzzer: %s: %s\n", what, detail.c_str());
  std::abort();
}

void check_invariants(const fleetplan::catalog::Catalog& catalog) {
  using fleetplan::catalog::kPrecisionCount;
  using fleetplan::catalog::Precision;
  for (const auto& a : catalog.accelerators()) {
    for (double v : {a.memory_bytes, a.memory_bw, a.scaleup_bw, a.scaleout_bw, a.tdp_w}) {
      if (!std::isfinite(v) || v < 0) {
        fail("accepted a negative or non-finite accelerator figure", a.name);
      }
    }
    for (int p = 0; p < kPrecisionCount; ++p) {
      const double rate = a.peak_flops(static_cast<Precision>(p));
      if (!std::isfinite(rate) || rate < 0) {
        fail("accepted a negative or non-finite FLOP rate", a.name);
      }
    }
    if (a.scaleup_domain < 1 || a.sources.empty()) {
      fail("accepted an accelerator without domain or sources", a.name);
    }
  }
  for (const auto& m : catalog.models()) {
    if (m.layers <= 0 || m.hidden <= 0 || m.heads <= 0 || m.kv_heads <= 0 || m.kv_heads > m.heads ||
        !(m.params_total > 0) || m.params_active > m.params_total * 1.0001 ||
        m.moe_layer_step < 1 ||
        (m.is_moe() && (m.experts_active < 1 || m.experts_active > m.experts))) {
      fail("accepted a model that breaks the catalog invariants", m.name);
    }
    (void)m.moe_layers();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string name = "fuzz.yaml";
  fleetplan::catalog::Catalog catalog;
  fleetplan::Status status;
  try {
    status = catalog.add_text(text, name);
  } catch (const std::exception& e) {
    fail("add_text threw", e.what());
  } catch (...) {
    fail("add_text threw", "a non-std exception");
  }
  if (!status.ok()) {
    if (status.error().message.rfind(name + ":", 0) != 0) {
      fail("error not located in the file", status.error().message);
    }
  } else {
    check_invariants(catalog);
  }

  try {
    auto node = fleetplan::yaml::load_string(text, name);
    if (!node.ok()) {
      return 0;
    }
    fleetplan::yaml::Reader reader(*node, name);
    int budget = 2000;
    fleetplan::fuzz::walk_reader(reader, budget);
    if (reader.ok() || reader.status().error().message.rfind(name + ":", 0) != 0) {
      fail("reader error not located in the file",
           reader.ok() ? std::string("no error") : reader.status().error().message);
    }
  } catch (const std::exception& e) {
    fail("yaml::Reader threw", e.what());
  }
  return 0;
}
