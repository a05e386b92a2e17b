// Where the built-in data files (catalog, calibration, scenarios) live.
#pragma once

#include <string>

namespace fleetplan {

//! The data directory, the first of: $FLEETPLAN_DATA_DIR if set; the installed data beside
//! the executable (`<prefix>/share/fleetplan` for `<prefix>/bin/fleetplan`); the
//! repository's data/ folder recorded at build time.
std::string data_dir();

//! The installed data folder for an executable at `executable` (empty when that folder has
//! no catalog/); exposed for tests.
std::string installed_data_dir(const std::string& executable);

}  // namespace fleetplan
