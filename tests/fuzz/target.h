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

//! Lines of `text` that are neither blank nor a comment.
inline int content_lines(const std::string& text) {
  int lines = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) {
      end = text.size();
    }
    const std::size_t first = text.find_first_not_of(" \t\r", pos);
    if (first < end && text[first] != '#') {
      ++lines;
    }
    pos = end + 1;
  }
  return lines;
}

//! A rejected input: an input error (or a missing file it names) located in the file. A file
//! with no content (or a CSV header alone) may be rejected as a whole: "<name>: ...".
inline void check_rejected(const Error& error, const std::string& name, const std::string& text) {
  if (error.kind == ErrorKind::kInternal) {
    fail("internal error on input", error.message);
  }
  const std::string problem = location_problem(error.message, name);
  const bool whole_file = content_lines(text) <= 1 && error.message.rfind(name + ": ", 0) == 0;
  if (!problem.empty() && !whole_file) {
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
