#include "core/file.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>

#include <fmt/format.h>

namespace fleetplan::files {
namespace {

std::string size_text(std::uintmax_t bytes) {
  if (bytes >= (std::uintmax_t{1} << 20) && bytes % (std::uintmax_t{1} << 20) == 0) {
    return fmt::format("{} MiB", bytes >> 20);
  }
  return fmt::format("{} bytes", bytes);
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

Result<std::string> read_text(const std::string& path, std::uintmax_t max_bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    return not_found_error(fmt::format("{}: no such file", path));
  }
  if (fs::is_directory(status)) {
    return input_error(fmt::format("{}: is a directory; expected a file", path));
  }
  if (!fs::is_regular_file(status)) {
    return input_error(
        fmt::format("{}: is not a regular file (a device, pipe or socket); expected a file", path));
  }
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    return input_error(fmt::format("{}: cannot read the file size: {}", path, ec.message()));
  }
  if (size > max_bytes) {
    return input_error(fmt::format("{}: file of {} bytes is larger than the limit of {}", path,
                                   size, size_text(max_bytes)));
  }
  const std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    return input_error(fmt::format("{}: cannot open the file", path));
  }
  // Read up to one byte past the limit: a file that grows while it is read is still bounded.
  std::string text;
  text.resize(static_cast<std::size_t>(size));
  std::size_t got = std::fread(text.data(), 1, text.size(), file.get());
  text.resize(got);
  char probe[4096];
  while (true) {
    const std::size_t more = std::fread(probe, 1, sizeof probe, file.get());
    if (more == 0) {
      break;
    }
    if (text.size() + more > max_bytes) {
      return input_error(
          fmt::format("{}: file is larger than the limit of {}", path, size_text(max_bytes)));
    }
    text.append(probe, more);
  }
  if (std::ferror(file.get()) != 0) {
    return input_error(fmt::format("{}: read error", path));
  }
  return text;
}

}  // namespace fleetplan::files
