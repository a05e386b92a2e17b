// libFuzzer target for the trace CSV parser (src/sim: arrival_s,input_tokens,output_tokens
// [,service]), with the services of examples/simulate-trace.yaml. An input that loads must
// have no column outside tests/fuzz/trace.dict and give requests in time order with positive
// lengths and known services; one that fails must name the file and line.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "schema.h"
#include "sim/sim_scenario.h"
#include "sim_invariants.h"
#include "target.h"

using fleetplan::fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fleetplan::fuzz::Schema kSchema = fleetplan::fuzz::load_schema_named("trace");
  static const std::vector<std::string> kServices = {"chat", "batch"};
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string name = "fuzz.csv";
  try {
    auto trace = fleetplan::sim::parse_trace(text, name, kServices);
    if (!trace.ok()) {
      fleetplan::fuzz::check_rejected(trace.error(), name, text);
      return 0;
    }
    // A header is optional; when the first record is one, every column must be known.
    const std::string unknown = fleetplan::fuzz::unknown_columns(text, kSchema);
    if (!unknown.empty() && text.find("arrival_s") != std::string::npos &&
        text.find("arrival_s") < text.find('\n')) {
      fail("accepted unknown columns", unknown);
    }
    const std::string problem = fleetplan::fuzz::trace_problem(*trace, kServices.size());
    if (!problem.empty()) {
      fail("accepted a trace that breaks its invariants", problem);
    }
  } catch (const std::exception& e) {
    fail("parse_trace threw", e.what());
  }
  return 0;
}
