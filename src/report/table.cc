#include "report/table.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace fleetplan::report {
namespace {

// Display width of UTF-8 text: counts code points, not bytes.
std::size_t width(const std::string& s) {
  std::size_t n = 0;
  for (const unsigned char c : s) {
    if ((c & 0xC0U) != 0x80U) {
      ++n;
    }
  }
  return n;
}

}  // namespace

TextTable::TextTable(std::vector<std::string> headers, std::vector<bool> numeric)
    : headers_(std::move(headers)), numeric_(std::move(numeric)) {
  numeric_.resize(headers_.size(), false);
}

void TextTable::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::render() const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = width(headers_[c]);
    for (const auto& row : rows_) {
      widths[c] = std::max(widths[c], width(row[c]));
    }
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::size_t pad = widths[c] - width(cells[c]);
      if (c > 0) {
        out += "  ";
      }
      if (numeric_[c]) {
        out += std::string(pad, ' ') + cells[c];
      } else {
        out += cells[c];
        if (c + 1 < cells.size()) {
          out += std::string(pad, ' ');
        }
      }
    }
    out += '\n';
    return out;
  };
  std::string out = line(headers_);
  std::vector<std::string> rule;
  rule.reserve(widths.size());
  for (const std::size_t w : widths) {
    rule.emplace_back(w, '-');
  }
  out += line(rule);
  for (const auto& row : rows_) {
    out += line(row);
  }
  return out;
}

std::string grouped(double value, int decimals) {
  if (!std::isfinite(value)) {
    return "n/a";
  }
  std::string digits = fmt::format("{:.{}f}", std::fabs(value), decimals);
  const auto dot = digits.find('.');
  std::string integer = digits.substr(0, dot);
  const std::string fraction = dot == std::string::npos ? "" : digits.substr(dot);
  std::string out;
  for (std::size_t i = 0; i < integer.size(); ++i) {
    if (i > 0 && (integer.size() - i) % 3 == 0) {
      out += ',';
    }
    out += integer[i];
  }
  const bool negative = value < 0 && std::stod(digits) != 0.0;
  return (negative ? "-" : "") + out + fraction;
}

}  // namespace fleetplan::report
