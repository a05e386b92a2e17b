// Reading whole input files with bounds: only regular files, and only up to a size limit,
// so that `--catalog /dev/zero` or a runaway file gives a clear error instead of reading
// until memory runs out.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace fleetplan::files {

//! The largest input file read by default: 64 MiB. The biggest shipped data file is a few
//! hundred KiB; a scenario or catalog a thousand times larger is a mistake, not an input.
inline constexpr std::uintmax_t kMaxInputBytes = std::uintmax_t{64} << 20;

//! Reads the whole file at `path`. Errors: the file does not exist (not found), is a
//! directory or a device, pipe or socket rather than a regular file, is larger than
//! `max_bytes`, or cannot be read. Messages name the path and the limit.
Result<std::string> read_text(const std::string& path, std::uintmax_t max_bytes = kMaxInputBytes);

}  // namespace fleetplan::files
