// RFC 4180 CSV reading (quoted fields, doubled quotes, CRLF), with line numbers
// for error messages.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace fleetplan::csv {

//! One data row: its fields by column name, and the line it starts on (1-based).
struct Row {
  int line = 0;
  std::map<std::string, std::string, std::less<>> fields;
  //! The field, or "" when the column is absent.
  [[nodiscard]] const std::string& get(std::string_view column) const;
};

//! A parsed file: header columns and rows.
struct Table {
  std::vector<std::string> columns;
  std::vector<Row> rows;
};

//! Parses CSV text whose first record is the header; `name` stands for the file in errors.
Result<Table> parse(std::string_view text, const std::string& name);
//! Reads and parses a CSV file (a regular file of at most files::kMaxInputBytes).
Result<Table> read_file(const std::string& path);

//! Parses a whole field as a finite number; nullopt when empty or not a number.
std::optional<double> to_number(std::string_view field);

}  // namespace fleetplan::csv
