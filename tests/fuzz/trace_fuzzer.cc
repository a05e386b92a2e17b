// libFuzzer target for the trace CSV parser (src/sim: arrival_s,input_len,output_len
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

namespace {

std::string first_field_of_first_record(const std::string& text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) {
      end = text.size();
    }
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') {
      continue;
    }
    std::string field = line.substr(first, line.find(',', first) - first);
    while (!field.empty() &&
           (field.back() == ' ' || field.back() == '\t' || field.back() == '\r')) {
      field.pop_back();
    }
    if (field.size() >= 2 && field.front() == '"' && field.back() == '"') {
      field = field.substr(1, field.size() - 2);
    }
    return field;
  }
  return "";
}

}  // namespace

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
    // A header is optional: the first line that is not blank or a comment is one when its
    // first field is arrival_s (the parser's rule); then every column must be known.
    if (first_field_of_first_record(text) == "arrival_s") {
      const std::string unknown = fleetplan::fuzz::unknown_columns(text, kSchema);
      if (!unknown.empty()) {
        fail("accepted unknown columns", unknown);
      }
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
