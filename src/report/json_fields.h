// Reading a JSON request object field by field, the way the command line reads flags:
// each field has a type and a range, an unknown field is an error (a typo is never
// ignored), and a message names the field, the bad value and what was expected.
#pragma once

#include <cmath>
#include <optional>
#include <set>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/result.h"

namespace fleetplan::report {

class JsonFields {
 public:
  //! `where` prefixes field names in messages ("" for none).
  JsonFields(const nlohmann::json& object, std::string where)
      : object_(object), where_(std::move(where)) {
    if (!object_.is_object()) {
      fail(fmt::format("{}expected a JSON object, got {}", prefix(), object_.dump()));
    }
  }

  [[nodiscard]] bool has(const std::string& key) {
    known_.insert(key);
    return object_.is_object() && object_.contains(key) && !object_[key].is_null();
  }

  void text(const std::string& key, std::string& out) {
    if (!has(key)) {
      return;
    }
    const auto& v = object_[key];
    if (!v.is_string()) {
      fail(fmt::format("{}: expected a string, got {}", path(key), v.dump()));
      return;
    }
    out = v.get<std::string>();
  }

  void boolean(const std::string& key, bool& out) {
    if (!has(key)) {
      return;
    }
    const auto& v = object_[key];
    if (!v.is_boolean()) {
      fail(fmt::format("{}: expected true or false, got {}", path(key), v.dump()));
      return;
    }
    out = v.get<bool>();
  }

  template <typename Int>
  void integer(const std::string& key, Int& out, long long min, long long max) {
    std::optional<Int> value;
    integer(key, value, min, max);
    if (value) {
      out = *value;
    }
  }
  template <typename Int>
  void integer(const std::string& key, std::optional<Int>& out, long long min, long long max) {
    if (!has(key)) {
      return;
    }
    const auto& v = object_[key];
    if (!v.is_number_integer() || v.get<long long>() < min || v.get<long long>() > max) {
      fail(fmt::format("{}: expected a whole number from {} to {}, got {}", path(key), min, max,
                       v.dump()));
      return;
    }
    out = static_cast<Int>(v.get<long long>());
  }

  //! A number in [min, max]; `positive` excludes min itself.
  void number(const std::string& key, double& out, double min, double max, bool positive = false) {
    std::optional<double> value;
    number(key, value, min, max, positive);
    if (value) {
      out = *value;
    }
  }
  void number(const std::string& key, std::optional<double>& out, double min, double max,
              bool positive = false) {
    if (!has(key)) {
      return;
    }
    const auto& v = object_[key];
    const bool ok = v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() >= min &&
                    v.get<double>() <= max && (!positive || v.get<double>() > min);
    if (!ok) {
      fail(fmt::format("{}: expected a number {} {} and at most {}, got {}", path(key),
                       positive ? "above" : "from", min, max, v.dump()));
      return;
    }
    out = v.get<double>();
  }

  //! Refuses a field with a reason.
  void refuse(const std::string& key, const std::string& reason) {
    if (has(key)) {
      fail(fmt::format("{}: refused: {}", path(key), reason));
    }
  }

  //! The first error, or an unknown field; call after reading every known field.
  Status finish() {
    if (!error_ && object_.is_object()) {
      for (const auto& [key, value] : object_.items()) {
        if (!known_.contains(key)) {
          std::string names;
          for (const auto& k : known_) {
            names += (names.empty() ? "" : ", ") + k;
          }
          fail(fmt::format("{}: unknown field (expected one of: {})", path(key), names));
          break;
        }
      }
    }
    if (error_) {
      return input_error(*error_);
    }
    return {};
  }

 private:
  [[nodiscard]] std::string prefix() const { return where_.empty() ? "" : where_ + ": "; }
  [[nodiscard]] std::string path(const std::string& key) const {
    return where_.empty() ? key : where_ + "." + key;
  }
  void fail(std::string message) {
    if (!error_) {
      error_ = std::move(message);
    }
  }

  const nlohmann::json& object_;
  std::string where_;
  std::set<std::string> known_;
  std::optional<std::string> error_;
};

}  // namespace fleetplan::report
