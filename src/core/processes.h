// Work in forked worker processes, and the byte form their results travel in.
//
// CBC's CbcMain1 is not thread-safe in Debian's build (coin-or/Cbc#332), so solves run side
// by side only in separate processes. map_in_processes forks the workers, each runs every
// N-th task and sends its results back over a pipe; the parent puts them back in task order,
// so the output does not depend on the number of workers. Fork only where no other thread
// is working (the CLI before or between parallel sections, never the HTTP server).
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"

namespace fleetplan {

//! Appends trivially copyable values and strings to a byte buffer.
class ByteWriter {
 public:
  template <typename T>
  void put(const T& value) {
    const auto* bytes = reinterpret_cast<const char*>(&value);  // NOLINT: trivially copyable
    out_.insert(out_.end(), bytes, bytes + sizeof(T));
  }
  void put_string(const std::string& s) {
    put<std::uint64_t>(s.size());
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void put_doubles(const std::vector<double>& values) {
    put<std::uint64_t>(values.size());
    for (double v : values) {
      put(v);
    }
  }
  std::vector<char> take() { return std::move(out_); }

 private:
  std::vector<char> out_;
};

//! Reads what a ByteWriter wrote; every get is false once the bytes run out.
class ByteReader {
 public:
  explicit ByteReader(const std::vector<char>& bytes) : bytes_(bytes) {}
  template <typename T>
  bool get(T& value) {
    if (at_ + sizeof(T) > bytes_.size()) {
      return false;
    }
    std::memcpy(&value, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return true;
  }
  bool get_string(std::string& s) {
    std::uint64_t size = 0;
    if (!get(size) || size > bytes_.size() - at_) {
      return false;
    }
    s.assign(bytes_.data() + at_, size);
    at_ += size;
    return true;
  }
  bool get_doubles(std::vector<double>& values) {
    std::uint64_t size = 0;
    if (!get(size) || size > (bytes_.size() - at_) / sizeof(double)) {
      return false;
    }
    values.resize(size);
    for (double& v : values) {
      get(v);
    }
    return true;
  }
  [[nodiscard]] bool done() const { return at_ == bytes_.size(); }

 private:
  const std::vector<char>& bytes_;
  std::size_t at_ = 0;
};

//! The cores this process may run on (its CPU affinity), at least 1.
int available_cores();

//! Runs task(0), ..., task(count - 1) in `workers` forked processes (worker w runs tasks w,
//! w + workers, ...) and returns their byte results in task order; on_done (when set) is
//! called in this process each time a task finishes. `what` names the work in errors.
Result<std::vector<std::vector<char>>> map_in_processes(
    std::size_t count, int workers, const std::function<std::vector<char>(std::size_t)>& task,
    const std::function<void(std::size_t done)>& on_done, const std::string& what);

}  // namespace fleetplan
