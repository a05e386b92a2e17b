// Shared by the libFuzzer targets that need the built-in data: the catalog and the fitted
// efficiency table, loaded once per process (a load failure aborts, as a broken promise).
#pragma once

#include <utility>

#include "catalog/catalog.h"
#include "perf/perf.h"
#include "target.h"

namespace fleetplan::fuzz {

inline const catalog::Catalog& builtin_catalog() {
  static const catalog::Catalog kCatalog = [] {
    auto catalog = catalog::Catalog::load();
    if (!catalog.ok()) {
      fail("cannot load the built-in catalog", catalog.error().message);
    }
    return *std::move(catalog);
  }();
  return kCatalog;
}

inline const perf::EfficiencyTable& builtin_efficiency() {
  static const perf::EfficiencyTable kEfficiency = [] {
    auto table = perf::EfficiencyTable::load_builtin();
    if (!table.ok()) {
      fail("cannot load the built-in efficiency table", table.error().message);
    }
    return *std::move(table);
  }();
  return kEfficiency;
}

}  // namespace fleetplan::fuzz
