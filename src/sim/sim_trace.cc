// Traces: CSV lines arrival_s,input_len,output_len[,service].
#include "sim/sim_scenario.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "core/yaml_reader.h"
#include "sim/detail/scenario_fields.h"
#include "sim/perf_step_model.h"

namespace fleetplan::sim {

using namespace detail;  // NOLINT(google-build-using-namespace): this layer's own helpers

namespace {

constexpr const char* kFields[] = {"arrival_s", "input_len", "output_len", "service"};
// Header columns renamed for one vocabulary (a request's lengths are input_len/output_len in
// every file): the old name gets a pointer to the new one.
constexpr std::pair<const char*, const char*> kRenamedColumns[] = {
    {"input_tokens", "input_len"},
    {"output_tokens", "output_len"},
};

// Splits a line into fields, remembering each one's column (1-based).
void split_fields(std::string_view line, std::vector<std::string_view>& fields,
                  std::vector<std::size_t>& columns) {
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    std::string_view field = line.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    std::size_t column = start;
    while (!field.empty() && (field.front() == ' ' || field.front() == '\t')) {
      field.remove_prefix(1);
      ++column;
    }
    while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) {
      field.remove_suffix(1);
    }
    if (field.size() >= 2 && field.front() == '"' && field.back() == '"') {
      field = field.substr(1, field.size() - 2);
    }
    fields.push_back(field);
    columns.push_back(column + 1);
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
}

// The fields of one record (3 or 4 of them); `previous` is the last arrival so far.
Result<TraceRequest> parse_record(const std::vector<std::string_view>& fields,
                                  const std::function<std::string(std::size_t)>& where,
                                  const std::string& name, int line_number,
                                  const std::vector<std::string>& services,
                                  const std::map<std::string, int, std::less<>>& service_index,
                                  double& previous) {
  TraceRequest req;
  {
    const std::string_view f = fields[0];
    double value = 0;
    const auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), value);
    if (ec != std::errc() || ptr != f.data() + f.size() || !std::isfinite(value) || value < 0) {
      return input_error(fmt::format("{}: '{}' is not a time in seconds >= 0", where(0), f));
    }
    if (value < previous) {
      return input_error(fmt::format(
          "{}: {} is earlier than the previous arrival {}; the trace must be sorted by time",
          where(0), f, previous));
    }
    previous = value;
    req.arrival_s = value;
  }
  for (std::size_t k = 1; k <= 2; ++k) {
    const std::string_view f = fields[k];
    long long value = 0;
    const auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), value);
    if (ec != std::errc() || ptr != f.data() + f.size() || value < 1 || value > kMaxTokens) {
      return input_error(fmt::format("{}: '{}' is not a whole number of tokens >= 1", where(k), f));
    }
    (k == 1 ? req.input_tokens : req.output_tokens) = value;
  }
  if (fields.size() == 4) {
    const auto it = service_index.find(fields[3]);
    if (it == service_index.end()) {
      return input_error(fmt::format("{}: no service named '{}' in the scenario (services: {})",
                                     where(3), fields[3], fmt::join(services, ", ")));
    }
    req.service = it->second;
  } else if (services.size() > 1) {
    return input_error(
        fmt::format("{}:{}: no service column, but the scenario has {} services; add a 4th field",
                    name, line_number, services.size()));
  }
  return req;
}

}  // namespace

Result<std::vector<TraceRequest>> parse_trace(const std::string& text, const std::string& name,
                                              const std::vector<std::string>& services) {
  std::vector<TraceRequest> out;
  std::map<std::string, int, std::less<>> service_index;
  for (std::size_t i = 0; i < services.size(); ++i) {
    service_index[services[i]] = static_cast<int>(i);
  }
  std::size_t pos = 0;
  int line_number = 0;
  bool first_record = true;
  double previous = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) {
      end = text.size();
    }
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') {
      continue;
    }
    std::vector<std::string_view> fields;
    std::vector<std::size_t> columns;
    split_fields(line, fields, columns);
    const auto where = [&](std::size_t f) {
      return fmt::format("{}:{}:{}: {}", name, line_number, columns[f], kFields[f]);
    };
    if (first_record) {
      first_record = false;
      if (fields[0] == "arrival_s") {
        for (std::size_t f = 1; f < fields.size(); ++f) {
          for (const auto& [old_name, new_name] : kRenamedColumns) {
            if (fields[f] == old_name) {
              return input_error(fmt::format("{}:{}:{}: header: `{}` was renamed `{}`", name,
                                             line_number, columns[f], old_name, new_name));
            }
          }
        }
        const std::size_t n = fields.size();
        if (n < 3 || n > 4 || fields[1] != "input_len" || fields[2] != "output_len" ||
            (n == 4 && fields[3] != "service")) {
          return input_error(
              fmt::format("{}:{}: the header must be arrival_s,input_len,output_len[,service]",
                          name, line_number));
        }
        continue;
      }
    }
    if (fields.size() < 3 || fields.size() > 4) {
      return input_error(
          fmt::format("{}:{}: {} fields; expected arrival_s,input_len,output_len[,service]", name,
                      line_number, fields.size()));
    }
    auto req = parse_record(fields, where, name, line_number, services, service_index, previous);
    FLEETPLAN_RETURN_IF_ERROR(req);
    out.push_back(*req);
  }
  if (out.empty()) {
    return input_error(fmt::format("{}: the trace has no requests", name));
  }
  return out;
}

Result<std::vector<TraceRequest>> load_trace(const std::string& path,
                                             const std::vector<std::string>& services) {
  auto text = read_text(path);
  FLEETPLAN_RETURN_IF_ERROR(text);
  return parse_trace(*text, path, services);
}

}  // namespace fleetplan::sim
