// Typed, located reading of YAML data files. Every error names the file,
// line and column, the field path (`accelerators[3].memory_gb`), the bad
// value and what was expected; unknown fields are errors, not ignored.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/result.h"

namespace fleetplan::yaml {

//! The largest YAML data file read: 16 MiB (the biggest shipped file is under 30 KB).
inline constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{16} << 20;
//! The most nodes a YAML document may hold once its aliases are expanded (the biggest shipped
//! file has a few thousand); bounds the memory and time of every walk over a loaded tree.
inline constexpr std::uint64_t kMaxNodes = 1'000'000;

//! Parses a YAML file (a regular file of at most kMaxFileBytes, at most kMaxNodes nodes);
//! a syntax error comes back with its file, line and column. a syntax error comes back with its
//! file, line and column.
Result<YAML::Node> load_file(const std::string& path);
//! Parses YAML text (at most kMaxNodes nodes); `name` stands for the file in messages.
Result<YAML::Node> load_string(const std::string& text, const std::string& name);

//! Reads the fields of one YAML mapping. Errors are collected in a sink shared
//! with the readers of nested fields; status() returns the first one.
class Reader {
 public:
  //! A reader of `node`, found in `file` at field path `path` ("" for the root).
  Reader(const YAML::Node& node, std::string file, std::string path = "");

  [[nodiscard]] bool has(std::string_view key) const;
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::string& file() const { return errors_->file; }
  [[nodiscard]] const YAML::Node& node() const { return node_; }

  //! Required number in [min, max].
  double number(std::string_view key, double min = -1e300, double max = 1e300);
  //! Optional number in [min, max]; nullopt when absent or null.
  std::optional<double> optional_number(std::string_view key, double min = -1e300,
                                        double max = 1e300);
  double number_or(std::string_view key, double fallback, double min = -1e300, double max = 1e300);
  //! Required integer in [min, max].
  long long integer(std::string_view key, long long min, long long max);
  std::optional<long long> optional_integer(std::string_view key, long long min, long long max);
  long long integer_or(std::string_view key, long long fallback, long long min, long long max);
  std::string string(std::string_view key);
  std::optional<std::string> optional_string(std::string_view key);
  std::string string_or(std::string_view key, std::string fallback);
  //! Required string that must be one of `choices`.
  std::string choice(std::string_view key, const std::vector<std::string>& choices);
  std::string choice_or(std::string_view key, const std::vector<std::string>& choices,
                        std::string fallback);
  bool boolean(std::string_view key);
  bool boolean_or(std::string_view key, bool fallback);
  //! A nested mapping; absent gives an empty reader when `required` is false.
  Reader map(std::string_view key, bool required = true);
  //! The items of a sequence field, each a reader with path `key[i]`.
  std::vector<Reader> list(std::string_view key, bool required = true);
  //! A list of strings.
  std::vector<std::string> string_list(std::string_view key, bool required = true);
  //! The keys of a mapping field whose keys are names (e.g. per-precision tables).
  std::vector<std::string> keys() const;

  //! Records an error located at field `key` of this mapping (or at the mapping itself).
  void fail(std::string_view key, const std::string& message);
  //! Records an error at this mapping.
  void fail_here(const std::string& message);
  //! Reports every field that no getter asked for as an unknown field.
  void reject_unknown_fields();
  //! A field renamed for one vocabulary: when `old_name` is given, the error
  //! "`old_name` was renamed `new_name`", located at the old key. Call it before reading
  //! `new_name`, so that its message comes first (status() returns the first error).
  void renamed(std::string_view old_name, std::string_view new_name);

  //! The first error recorded by this reader or any reader sharing its sink.
  [[nodiscard]] Status status() const;
  [[nodiscard]] bool ok() const { return errors_->errors.empty(); }

 private:
  struct Sink {
    std::string file;
    std::vector<std::string> errors;
  };
  Reader(const YAML::Node& node, std::shared_ptr<Sink> sink, std::string path);
  std::string child_path(std::string_view key) const;
  std::string location(const YAML::Node& at) const;
  YAML::Node get(std::string_view key);

  YAML::Node node_;
  std::shared_ptr<Sink> errors_;
  std::string path_;
  std::set<std::string, std::less<>> seen_;
};

}  // namespace fleetplan::yaml
