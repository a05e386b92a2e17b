// "Did you mean" suggestions for a mistyped name (an accelerator, a flag, a command).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fleetplan {

//! Case-insensitive edit distance (insertions, deletions, substitutions).
std::size_t edit_distance(std::string_view a, std::string_view b);

//! Up to `count` of `candidates` closest to `name`, best first: names that `name` is a
//! prefix of (shortest first: "H100" finds "H100-SXM" before "H100-PCIe-80GB"), then names
//! that contain it, then the rest by edit distance. With `only_close`, names far from
//! `name` (more edits than a third of its length, at least 2) are left out.
std::vector<std::string> closest_names(std::string_view name,
                                       const std::vector<std::string>& candidates,
                                       std::size_t count = 3, bool only_close = false);

}  // namespace fleetplan
