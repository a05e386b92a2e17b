#include "core/data_dir.h"

#include <cstdlib>

namespace fleetplan {

std::string data_dir() {
  if (const char* env = std::getenv("FLEETPLAN_DATA_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return FLEETPLAN_BUILTIN_DATA_DIR;
}

}  // namespace fleetplan
