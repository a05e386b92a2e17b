// Errors as values: every fallible call across a layer boundary returns
// Status or Result<T>. Exceptions never cross a layer boundary.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace fleetplan {

//! What kind of failure an Error is; the CLI maps it to an exit code.
enum class ErrorKind {
  kInput,       //!< bad user input or data file (exit code 2)
  kNotFound,    //!< a named thing (model, chip, scenario) does not exist (exit code 2)
  kInfeasible,  //!< the request cannot be satisfied, e.g. a model that does not fit (exit 2)
  kInternal,    //!< a bug or an environment failure (exit code 1)
};

//! A failure with a message that names the place, the bad value and what was expected.
struct Error {
  ErrorKind kind = ErrorKind::kInput;
  std::string message;
};

//! Shorthands that build an Error of each kind.
inline Error input_error(std::string message) { return {ErrorKind::kInput, std::move(message)}; }
inline Error not_found_error(std::string message) {
  return {ErrorKind::kNotFound, std::move(message)};
}
inline Error infeasible_error(std::string message) {
  return {ErrorKind::kInfeasible, std::move(message)};
}
inline Error internal_error(std::string message) {
  return {ErrorKind::kInternal, std::move(message)};
}

//! The process exit code for an error: 2 for usage and input errors, 1 otherwise.
inline int exit_code_for(const Error& error) { return error.kind == ErrorKind::kInternal ? 1 : 2; }

//! A value or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(data_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(data_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  [[nodiscard]] const Error& error() const {
    assert(!ok());
    return std::get<1>(data_);
  }

 private:
  std::variant<T, Error> data_;
};

//! Success or an Error, for calls with no value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error)
      : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  static Status ok_status() { return {}; }

  [[nodiscard]] bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  [[nodiscard]] const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace fleetplan

//! Returns the error of a Result/Status expression from the enclosing function.
#define FLEETPLAN_RETURN_IF_ERROR(expr) \
  do {                                  \
    auto&& fleetplan_status_ = (expr);  \
    if (!fleetplan_status_.ok()) {      \
      return fleetplan_status_.error(); \
    }                                   \
  } while (false)
