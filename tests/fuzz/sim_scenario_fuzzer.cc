// libFuzzer target for the simulation-scenario parser (src/sim, `fleetplan simulate FILE`),
// against the built-in catalog and efficiency table; relative trace paths resolve in
// examples/. An input that loads must have no field outside tests/fuzz/sim_scenario.dict and
// pass sim::validate (sim_invariants.h); one that fails must come back as an error located in
// the file. A throw, a crash or a sanitizer report aborts.

#include <cstddef>
#include <cstdint>
#include <string>

#include "builtin.h"
#include "catalog/catalog.h"
#include "perf/perf.h"
#include "schema.h"
#include "sim/sim_scenario.h"
#include "sim_invariants.h"
#include "target.h"

using fleetplan::fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fleetplan::fuzz::Schema kSchema = fleetplan::fuzz::load_schema_named("sim_scenario");
  const fleetplan::catalog::Catalog& catalog = fleetplan::fuzz::builtin_catalog();
  const fleetplan::perf::EfficiencyTable& efficiency = fleetplan::fuzz::builtin_efficiency();
  static const std::string kBaseDir = std::string(FLEETPLAN_SOURCE_DIR) + "/examples";
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string name = "fuzz.yaml";
  try {
    auto scenario = fleetplan::sim::parse_scenario(text, name, kBaseDir, catalog, efficiency);
    if (!scenario.ok()) {
      fleetplan::fuzz::check_rejected(scenario.error(), name, text);
      return 0;
    }
    fleetplan::fuzz::check_fields(text, kSchema);
    const std::string problem = fleetplan::fuzz::sim_scenario_problem(*scenario);
    if (!problem.empty()) {
      fail("accepted a simulation scenario that breaks its invariants", problem);
    }
  } catch (const std::exception& e) {
    fail("parse_scenario threw", e.what());
  }
  return 0;
}
