// libFuzzer target for the scenario parser (src/scenario), against the built-in catalog.
// An input that loads must have no field outside tests/fuzz/scenario.dict and keep the
// promises of scenario.h (scenario_invariants.h); one that fails must come back as an error
// located in the file. A throw, a crash or a sanitizer report aborts.

#include <cstddef>
#include <cstdint>
#include <string>

#include "builtin.h"
#include "catalog/catalog.h"
#include "scenario/scenario.h"
#include "scenario_invariants.h"
#include "schema.h"
#include "target.h"

using fleetplan::fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fleetplan::fuzz::Schema kSchema = fleetplan::fuzz::load_schema_named("scenario");
  const fleetplan::catalog::Catalog& catalog = fleetplan::fuzz::builtin_catalog();
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string name = "fuzz.yaml";
  try {
    auto scenario = fleetplan::scenario::load_scenario_text(text, name, catalog);
    if (!scenario.ok()) {
      fleetplan::fuzz::check_rejected(scenario.error(), name, text);
      return 0;
    }
    fleetplan::fuzz::check_fields(text, kSchema);
    const std::string problem = fleetplan::fuzz::scenario_problem(*scenario, catalog);
    if (!problem.empty()) {
      fail("accepted a scenario that breaks its invariants", problem);
    }
  } catch (const std::exception& e) {
    fail("load_scenario_text threw", e.what());
  }
  return 0;
}
