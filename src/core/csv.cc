#include "core/csv.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "core/file.h"
#include "core/utf8.h"

namespace fleetplan::csv {

const std::string& Row::get(std::string_view column) const {
  static const std::string kEmpty;
  const auto it = fields.find(column);
  return it == fields.end() ? kEmpty : it->second;
}

namespace {

// The records of a CSV text, each with the line it starts on (blank lines are none).
struct Records {
  std::vector<std::vector<std::string>> fields;
  std::vector<int> lines;
};

// Splits `text` into records of fields: RFC 4180 quoting (`""` inside quotes is a quote),
// CRLF, LF or CR line ends.
Result<Records> split_records(std::string_view text, const std::string& name) {
  Records out;
  auto& records = out.fields;
  auto& record_lines = out.lines;
  std::vector<std::string> record;
  std::string field;
  bool in_quotes = false;
  bool field_started = false;
  bool record_started = false;  // a quote, a comma or a character since the record began
  int line = 1;
  int record_line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') {
          ++line;
        }
        field += c;
      }
      continue;
    }
    if (c != '\n' && c != '\r') {
      record_started = true;
    }
    if (c == '"' && !field_started) {
      in_quotes = true;
      field_started = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
      record.push_back(std::move(field));
      field.clear();
      field_started = false;
      if (record_started) {  // a blank line is no record; `""` is one empty field
        records.push_back(std::move(record));
        record_lines.push_back(record_line);
      }
      record.clear();
      record_started = false;
      ++line;
      record_line = line;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (in_quotes) {
    return input_error(fmt::format("{}:{}: unterminated quoted field", name, record_line));
  }
  if (field_started || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
    record_lines.push_back(record_line);
  }
  return out;
}

// The table of the records: the first is the header, every other one has as many fields.
Result<Table> table_of(const Records& records, const std::string& name) {
  if (records.fields.empty()) {
    return input_error(fmt::format("{}: empty file; expected a header line", name));
  }
  Table table;
  table.columns = records.fields[0];
  for (std::size_t r = 1; r < records.fields.size(); ++r) {
    if (records.fields[r].size() != table.columns.size()) {
      return input_error(fmt::format("{}:{}: {} fields, expected {} (as in the header)", name,
                                     records.lines[r], records.fields[r].size(),
                                     table.columns.size()));
    }
    Row row;
    row.line = records.lines[r];
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      row.fields[table.columns[c]] = records.fields[r][c];
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace

Result<Table> parse(std::string_view text, const std::string& name) {
  FLEETPLAN_RETURN_IF_ERROR(utf8::check(text, name));
  auto records = split_records(text, name);
  FLEETPLAN_RETURN_IF_ERROR(records);
  return table_of(*records, name);
}

Result<Table> read_file(const std::string& path) {
  auto text = files::read_text(path);
  FLEETPLAN_RETURN_IF_ERROR(text);
  return parse(*text, path);
}

std::optional<double> to_number(std::string_view field) {
  while (!field.empty() && field.front() == ' ') {
    field.remove_prefix(1);
  }
  while (!field.empty() && field.back() == ' ') {
    field.remove_suffix(1);
  }
  if (field.empty()) {
    return std::nullopt;
  }
  double value = 0;
  const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc{} || ptr != field.data() + field.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

}  // namespace fleetplan::csv
