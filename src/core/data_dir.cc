#include "core/data_dir.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace fleetplan {

std::string installed_data_dir(const std::string& executable) {
  std::error_code error;
  const std::filesystem::path exe(executable);
  // <prefix>/bin/fleetplan -> <prefix>/share/fleetplan (the layout `cmake --install` makes).
  const std::filesystem::path dir = exe.parent_path().parent_path() / "share" / "fleetplan";
  if (std::filesystem::is_directory(dir / "catalog", error)) {
    return dir.string();
  }
  return {};
}

std::string data_dir() {
  if (const char* env = std::getenv("FLEETPLAN_DATA_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    if (std::string installed = installed_data_dir(self.string()); !installed.empty()) {
      return installed;
    }
  }
  return FLEETPLAN_BUILTIN_DATA_DIR;
}

}  // namespace fleetplan
