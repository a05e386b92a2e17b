#include "core/utf8.h"

#include <fmt/format.h>

namespace fleetplan::utf8 {

std::optional<std::size_t> first_invalid(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = byte(i);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;  // allowed range of the second byte (RFC 3629, table 3-7)
    unsigned char high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      low = c == 0xE0 ? 0xA0 : 0x80;   // no overlong forms
      high = c == 0xED ? 0x9F : 0xBF;  // no UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      low = c == 0xF0 ? 0x90 : 0x80;
      high = c == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    } else {
      return i;
    }
    if (i + length > text.size()) {
      return i;
    }
    if (byte(i + 1) < low || byte(i + 1) > high) {
      return i;
    }
    for (std::size_t k = 2; k < length; ++k) {
      if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) {
        return i;
      }
    }
    i += length;
  }
  return std::nullopt;
}

Status check(std::string_view text, const std::string& name) {
  const auto bad = first_invalid(text);
  if (!bad) {
    return {};
  }
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < *bad; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  // Columns count characters, as the YAML parser's do; the line before the bad byte is UTF-8.
  std::size_t column = 1;
  for (std::size_t i = line_start; i < *bad; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return input_error(fmt::format("{}:{}:{}: byte 0x{:02X} is not UTF-8; expected UTF-8 text", name,
                                 line, column, static_cast<unsigned char>(text[*bad])));
}

}  // namespace fleetplan::utf8
