// Where the built-in data files (catalog, calibration, scenarios) live.
#pragma once

#include <string>

namespace fleetplan {

//! The data directory: $FLEETPLAN_DATA_DIR if set, else the repository's data/ folder
//! recorded at build time.
std::string data_dir();

}  // namespace fleetplan
