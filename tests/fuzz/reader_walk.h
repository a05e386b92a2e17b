// Exercises every getter of yaml::Reader on whatever a YAML document holds, for the
// robustness tests: the catalog loader uses only some of them, the scenario and policy
// parsers use the rest (choice, string_list, keys, booleans, nested maps and lists).
#pragma once

#include <string>
#include <vector>

#include "core/yaml_reader.h"

namespace fleetplan::fuzz {

//! Calls each getter on each field of `r` (and of nested maps and list items down to
//! `max_depth`), then on a field that is absent, then records an error at `r` itself so the
//! caller can check how the sink's first message is located. `budget` caps the mappings
//! visited: aliases can make a short document a wide tree (a "billion laughs" input).
inline void walk_reader(yaml::Reader& r, int& budget, int depth = 0, int max_depth = 4) {
  if (--budget < 0) {
    return;
  }
  const std::vector<std::string> choices = {"buy", "lease", "MLA"};
  for (const std::string& key : r.keys()) {
    (void)r.has(key);
    (void)r.optional_number(key, -1e6, 1e6);
    (void)r.number_or(key, 1.0, 0.0, 1e300);
    (void)r.number(key);
    (void)r.optional_integer(key, 0, 1 << 20);
    (void)r.integer_or(key, 1, -10, 10);
    (void)r.integer(key, -(1LL << 62), 1LL << 62);
    (void)r.optional_string(key);
    (void)r.string_or(key, "fallback");
    (void)r.string(key);
    (void)r.choice_or(key, choices, "buy");
    (void)r.choice(key, choices);
    (void)r.boolean_or(key, false);
    (void)r.boolean(key);
    (void)r.string_list(key, false);
    if (depth < max_depth) {
      yaml::Reader nested = r.map(key, false);
      walk_reader(nested, budget, depth + 1, max_depth);
      for (yaml::Reader& item : r.list(key, false)) {
        walk_reader(item, budget, depth + 1, max_depth);
      }
    }
  }
  const std::string absent = "field_that_is_not_there";
  (void)r.number(absent);
  (void)r.integer(absent, 0, 1);
  (void)r.string(absent);
  (void)r.choice(absent, choices);
  (void)r.boolean(absent);
  (void)r.map(absent, true);
  (void)r.list(absent, true);
  (void)r.string_list(absent, true);
  r.fail(absent, "walked");
  r.fail_here("walked");
  r.reject_unknown_fields();
}

}  // namespace fleetplan::fuzz
