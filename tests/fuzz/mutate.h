// Seeded, platform-independent mutations of YAML data text for the parser robustness
// tests (catalog, scenario): byte flips, truncations, deleted and duplicated lines, swapped
// values, bad values of every kind, indentation changes, YAML-significant characters.
#pragma once

#include <cctype>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "schema.h"

namespace fleetplan::fuzz {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// SplitMix64: a fixed, platform-independent stream, so a case number names the same input on
// every machine (std::uniform_int_distribution is implementation-defined).
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
  }
  //! Uniform-enough index in [0, n); n > 0.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

 private:
  std::uint64_t state_;
};

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    lines.push_back(line);
  }
  return lines;
}

inline std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    out += line;
    out += '\n';
  }
  return out;
}

// Position of the value in a "key: value" line, or npos when the line has none.
inline std::size_t value_start(const std::string& line) {
  const std::size_t colon = line.find(": ");
  if (colon == std::string::npos || line.find('#') < colon) {
    return std::string::npos;
  }
  return colon + 2;
}

// Replacement values that are wrong in kind or range for most fields.
inline const std::vector<std::string>& bad_values() {
  static const std::vector<std::string> values = {
      // huge, tiny and out-of-range numbers
      "1e308", "1e309", "-1e308", "1e-320", "99999999999999999999999", "9223372036854775808",
      "-9223372036854775809", "2147483648", "4294967296", "0", "-0", "0x7fffffff", "1_000",
      // NaN and infinities in YAML and C spellings
      ".nan", ".NaN", "nan", ".inf", "-.inf", "inf", "-inf", "1e999",
      // negative values
      "-1", "-80", "-0.5",
      // wrong types: lists, maps, text, booleans, null, empty
      "[1, 2]", "[]", "{a: 1}", "{}", "\"text\"", "'quoted'", "many", "true", "no", "~", "null",
      "\"\"", "- 1",
      // YAML features the catalog never uses
      "&anchor 5", "*undefined_alias", "!!binary AAAA", "!custom 1", "|", ">", "? key", "@", "`",
      "%YAML 1.2", "{{", "]]", "\t1", "1 # comment", "'unterminated", "\"unterminated"};
  return values;
}

// Characters that change how YAML reads a line.
inline const std::vector<std::string>& yaml_specials() {
  static const std::vector<std::string> specials = {
      ":",    "- ",   "[",     "]",     "{", "}", "&",  "*", "!", "|",  ">",
      "#",    "'",    "\"",    "%",     "@", "`", "\t", ",", "?", "\\", std::string(1, '\0'),
      "\xff", "\xc3", "---\n", "...\n", "\r"};
  return specials;
}

// One mutation of `text`; `what` records it for the failure message.
inline std::string mutate_once(const std::string& text, Random& rng, std::string& what) {
  std::vector<std::string> lines = split_lines(text);
  if (lines.empty() || text.empty()) {
    what += "append-special;";
    return text + rng.pick(yaml_specials());
  }
  const std::size_t i = rng.below(lines.size());
  switch (rng.below(12)) {
    case 0: {  // flip one bit of one byte
      std::string out = text;
      const std::size_t at = rng.below(out.size());
      out[at] = static_cast<char>(static_cast<unsigned char>(out[at]) ^ (1U << rng.below(8)));
      what += fmt::format("bit-flip@{};", at);
      return out;
    }
    case 1: {  // overwrite one byte with a YAML-significant one
      std::string out = text;
      const std::size_t at = rng.below(out.size());
      const std::string& special = rng.pick(yaml_specials());
      out.replace(at, 1, special);
      what += fmt::format("byte-special@{};", at);
      return out;
    }
    case 2: {  // truncate anywhere
      const std::size_t at = rng.below(text.size());
      what += fmt::format("truncate@{};", at);
      return text.substr(0, at);
    }
    case 3: {  // delete 1-3 lines
      const std::size_t n = 1 + rng.below(3);
      lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i),
                  lines.begin() + static_cast<std::ptrdiff_t>(std::min(lines.size(), i + n)));
      what += fmt::format("delete-lines@{}x{};", i + 1, n);
      return join_lines(lines);
    }
    case 4: {  // duplicate a line (duplicate keys, duplicate list items)
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(i), lines[i]);
      what += fmt::format("duplicate-line@{};", i + 1);
      return join_lines(lines);
    }
    case 5: {  // duplicate a block of lines (a whole entry, usually)
      const std::size_t n = 1 + rng.below(25);
      const std::size_t end = std::min(lines.size(), i + n);
      std::vector<std::string> block(lines.begin() + static_cast<std::ptrdiff_t>(i),
                                     lines.begin() + static_cast<std::ptrdiff_t>(end));
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(end), block.begin(), block.end());
      what += fmt::format("duplicate-block@{}x{};", i + 1, n);
      return join_lines(lines);
    }
    case 6: {  // swap the values of two "key: value" lines
      const std::size_t j = rng.below(lines.size());
      const std::size_t vi = value_start(lines[i]);
      const std::size_t vj = value_start(lines[j]);
      if (vi != std::string::npos && vj != std::string::npos) {
        const std::string a = lines[i].substr(vi);
        const std::string b = lines[j].substr(vj);
        lines[i] = lines[i].substr(0, vi) + b;
        lines[j] = lines[j].substr(0, vj) + a;
      }
      what += fmt::format("swap-values@{},{};", i + 1, j + 1);
      return join_lines(lines);
    }
    case 7:
    case 8: {  // replace a value with a bad one (numbers, NaN, negatives, wrong types)
      const std::size_t v = value_start(lines[i]);
      const std::string& bad = rng.pick(bad_values());
      if (v != std::string::npos) {
        lines[i] = lines[i].substr(0, v) + bad;
      } else {
        lines[i] += bad;
      }
      what += fmt::format("value@{}='{}';", i + 1, bad);
      return join_lines(lines);
    }
    case 9: {  // negate or scale a numeric value
      const std::size_t v = value_start(lines[i]);
      if (v != std::string::npos && v < lines[i].size() &&
          (std::isdigit(static_cast<unsigned char>(lines[i][v])) != 0)) {
        lines[i].insert(v, rng.below(2) == 0 ? "-" : "1e300*");
      }
      what += fmt::format("negate@{};", i + 1);
      return join_lines(lines);
    }
    case 10: {  // change the indentation of a line
      if (rng.below(2) == 0 && !lines[i].empty() && lines[i][0] == ' ') {
        lines[i].erase(0, 1 + rng.below(std::min<std::size_t>(lines[i].size(), 4)));
      } else {
        lines[i].insert(0, std::string(1 + rng.below(4), ' '));
      }
      what += fmt::format("indent@{};", i + 1);
      return join_lines(lines);
    }
    default: {  // insert a YAML-significant character at a random place in a line
      const std::string& special = rng.pick(yaml_specials());
      lines[i].insert(rng.below(lines[i].size() + 1), special);
      what += fmt::format("insert-special@{};", i + 1);
      return join_lines(lines);
    }
  }
}

// The message must be located in file `name` (schema.h: location_problem): "<name>:<line>:
// <col>: ...", "<name>:<line>: ..." or "<name>: <field.path>: ...".
inline ::testing::AssertionResult located_in(const std::string& message, const std::string& name) {
  const std::string problem = location_problem(message, name);
  if (!problem.empty()) {
    return ::testing::AssertionFailure() << problem << ": " << message;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace fleetplan::fuzz
