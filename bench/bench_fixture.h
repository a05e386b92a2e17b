// The built-in catalog and efficiency factors, loaded once per benchmark program.
#pragma once

#include <cstdlib>
#include <utility>

#include "catalog/catalog.h"
#include "perf/perf.h"

namespace fleetplan::bench {

struct Fixture {
  catalog::Catalog catalog;
  perf::EfficiencyTable table;
  Fixture() {
    setenv("FLEETPLAN_DATA_DIR", FLEETPLAN_BENCH_DATA_DIR, 0);
    catalog = std::move(catalog::Catalog::load()).value();
    table = std::move(perf::EfficiencyTable::load_builtin()).value();
  }
  static const Fixture& get() {
    static const Fixture kFixture;
    return kFixture;
  }
};

}  // namespace fleetplan::bench
