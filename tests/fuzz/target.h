// Shared by the libFuzzer targets: how a target reports a broken promise (abort, so that
// libFuzzer saves the input) and the checks every parser's outcome gets.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "core/result.h"
#include "schema.h"

namespace fleetplan::fuzz {

[[noreturn]] inline void fail(const std::string& what, const std::string& detail) {
  std::fprintf(stderr, "fuzz target: %s: %s\n", what.c_str(), detail.c_str());
  std::abort();
}

//! A rejected input: an input error (or a missing file it names) located in the file.
inline void check_rejected(const Error& error, const std::string& name) {
  if (error.kind == ErrorKind::kInternal) {
    fail("internal error on input", error.message);
  }
  const std::string problem = location_problem(error.message, name);
  if (!problem.empty()) {
    fail("error not located (" + problem + ")", error.message);
  }
}

//! An accepted YAML input: every key of it is a field the parser knows.
inline void check_fields(const std::string& text, const Schema& schema) {
  const std::string unknown = first_unknown_field(text, schema);
  if (!unknown.empty()) {
    fail("accepted an unknown field", unknown);
  }
}

//! The root of this source tree's data/ (FLEETPLAN_DATA_DIR when set).
inline std::string data_dir() {
  const char* env = std::getenv("FLEETPLAN_DATA_DIR");
  return env != nullptr ? std::string(env) : std::string(FLEETPLAN_SOURCE_DIR) + "/data";
}

}  // namespace fleetplan::fuzz
