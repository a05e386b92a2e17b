// Plain-text tables for terminal reports: columns aligned, numbers right-aligned.
#pragma once

#include <string>
#include <vector>

namespace fleetplan::report {

//! A terminal table. Columns whose header ends with a space-free numeric look are
//! right-aligned when `numeric` is set for them.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers, std::vector<bool> numeric = {});
  void add_row(std::vector<std::string> cells);
  //! The table with a header rule, each line ending in '\n'.
  [[nodiscard]] std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<bool> numeric_;
  std::vector<std::vector<std::string>> rows_;
};

//! Formats a number with thousands separators and `decimals` digits ("24,323.6").
std::string grouped(double value, int decimals = 0);

}  // namespace fleetplan::report
