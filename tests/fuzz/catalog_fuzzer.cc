// libFuzzer target for the catalog loader (and the YAML reader under it). Built only by
// clang with -DFLEETPLAN_FUZZ=ON; see tests/fuzz/README.md for how to run it.
//
// Every input must either load, with no field outside tests/fuzz/catalog.dict and every
// entry keeping the catalog's invariants, or return an Error located in the file; anything
// else (a throw, a crash, a sanitizer report) aborts and libFuzzer saves the input. The same
// input is then walked with every yaml::Reader getter (the ones the scenario and policy
// parsers use), whose first error must be located too.

#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/catalog.h"
#include "core/yaml_reader.h"
#include "invariants.h"
#include "reader_walk.h"
#include "schema.h"
#include "target.h"

using fleetplan::fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fleetplan::fuzz::Schema kSchema = fleetplan::fuzz::load_schema_named("catalog");
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
    fleetplan::fuzz::check_rejected(status.error(), name, text);
  } else {
    fleetplan::fuzz::check_fields(text, kSchema);
    const std::string problem = fleetplan::fuzz::catalog_problem(catalog);
    if (!problem.empty()) {
      fail("accepted an entry that breaks the catalog invariants", problem);
    }
  }

  try {
    auto node = fleetplan::yaml::load_string(text, name);
    if (!node.ok()) {
      fleetplan::fuzz::check_rejected(node.error(), name, text);
      return 0;
    }
    fleetplan::yaml::Reader reader(*node, name);
    int budget = 2000;
    fleetplan::fuzz::walk_reader(reader, budget);
    if (reader.ok()) {
      fail("the reader recorded no error", "walk_reader always records one");
    }
    fleetplan::fuzz::check_rejected(reader.status().error(), name, text);
  } catch (const std::exception& e) {
    fail("yaml::Reader threw", e.what());
  }
  return 0;
}
