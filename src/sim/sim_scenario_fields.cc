// Field readers of simulation scenarios: numbers, lengths, arrivals, schedulers.
#include "sim/detail/scenario_fields.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/file.h"
#include "core/yaml_reader.h"
#include "sim/detail/scenario_fields.h"
#include "sim/perf_step_model.h"

namespace fleetplan::sim::detail {

std::string location_of(const yaml::Reader& r) {
  const YAML::Mark mark = r.node().Mark();
  if (mark.line < 0) {
    return r.file();
  }
  return fmt::format("{}:{}:{}", r.file(), mark.line + 1, mark.column + 1);
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  const std::filesystem::path p(path);
  if (p.is_absolute() || base_dir.empty()) {
    return path;
  }
  return (std::filesystem::path(base_dir) / p).string();
}

Result<std::string> read_text(const std::string& path) {
  // A regular file of at most files::kMaxInputBytes: `trace: /dev/zero` is refused.
  return files::read_text(path);
}

// A number that must be > 0 (the reader checks the type and the upper bound).
double positive(yaml::Reader& r, std::string_view key, double max) {
  const double value = r.number(key, 0, max);
  if (r.has(key) && value == 0) {
    r.fail(key, fmt::format("value 0 is out of range; expected a number > 0 (and <= {})", max));
  }
  return value;
}

std::optional<double> optional_positive(yaml::Reader& r, std::string_view key, double max) {
  const auto value = r.optional_number(key, 0, max);
  if (value && *value == 0) {
    r.fail(key, fmt::format("value 0 is out of range; expected a number > 0 (and <= {})", max));
    return std::nullopt;
  }
  return value;
}

// A list of numbers in [min, max]; the message of a bad item gives its own line and column.
std::vector<double> number_list(yaml::Reader& r, std::string_view key, double min, double max) {
  std::vector<double> out;
  const std::vector<std::string> items = r.string_list(key);  // checks it is a list of scalars
  if (!r.ok()) {
    return out;
  }
  // (Guarded: after a failure yaml::Reader may see this mapping as a scalar.)
  if (!r.node().IsMap()) {
    return out;
  }
  const YAML::Node node = r.node()[std::string(key)];
  for (std::size_t i = 0; i < items.size() && i < node.size(); ++i) {
    double value = 0;
    const YAML::Node item = node[i];
    if (!YAML::convert<double>::decode(item, value) || !std::isfinite(value) || value < min ||
        value > max) {
      r.fail(key, fmt::format("item {} (line {}, column {}) is '{}'; expected a number in [{}, {}]",
                              i, item.Mark().line + 1, item.Mark().column + 1, items[i], min, max));
      return out;
    }
    out.push_back(value);
  }
  return out;
}

// "length[,weight]" lines; '#' comments.
Status read_length_file(const std::string& path, std::vector<long long>& values,
                        std::vector<double>& weights) {
  auto text = read_text(path);
  FLEETPLAN_RETURN_IF_ERROR(text);
  std::istringstream in(*text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') {
      continue;
    }
    const auto comma = line.find(',');
    const std::string length_text = line.substr(0, comma);
    char* end = nullptr;
    const long long length = std::strtoll(length_text.c_str(), &end, 10);
    if (end == length_text.c_str() || length < 1 || length > kMaxTokens) {
      if (number == 1 && values.empty()) {
        continue;  // a header line
      }
      return input_error(fmt::format("{}:{}: length: '{}' is not a whole number of tokens >= 1",
                                     path, number, length_text));
    }
    double weight = 1;
    if (comma != std::string::npos) {
      const std::string weight_text = line.substr(comma + 1);
      char* wend = nullptr;
      weight = std::strtod(weight_text.c_str(), &wend);
      if (wend == weight_text.c_str() || !(weight >= 0) || !std::isfinite(weight)) {
        return input_error(
            fmt::format("{}:{}: weight: '{}' is not a number >= 0", path, number, weight_text));
      }
    }
    values.push_back(length);
    weights.push_back(weight);
  }
  if (values.empty()) {
    return input_error(fmt::format("{}: no lengths in the file", path));
  }
  return {};
}

LengthDistribution parse_length(yaml::Reader& parent, std::string_view key, long long max_tokens,
                                const std::string& base_dir) {
  // (Guarded: after a failure yaml::Reader may see the parent as a scalar.)
  const YAML::Node node = parent.node().IsMap() ? parent.node()[std::string(key)] : YAML::Node();
  if (node.IsDefined() && node.IsScalar()) {
    return LengthDistribution::fixed(parent.integer(key, 1, max_tokens));
  }
  yaml::Reader r = parent.map(key);
  LengthDistribution d;
  const std::string dist =
      r.choice("dist", {"fixed", "uniform", "lognormal", "exponential", "empirical"});
  if (dist == "fixed") {
    d = LengthDistribution::fixed(r.integer("value", 1, max_tokens));
  } else if (dist == "uniform") {
    const long long lo = r.integer("min", 1, max_tokens);
    const long long hi = r.integer("max", 1, max_tokens);
    if (r.ok() && hi < lo) {
      r.fail("max", fmt::format("max {} is below min {}", hi, lo));
    }
    d = LengthDistribution::uniform(lo, hi);
  } else if (dist == "lognormal") {
    const double mean = r.number("mean", 1, static_cast<double>(max_tokens));
    const double sigma = r.number("sigma", 0, 10);
    const long long lo = r.integer_or("min", 1, 1, max_tokens);
    const long long hi = r.integer_or("max", max_tokens, 1, max_tokens);
    if (r.ok() && hi < lo) {
      r.fail("max", fmt::format("max {} is below min {}", hi, lo));
    }
    d = LengthDistribution::lognormal(mean, sigma, lo, hi);
  } else if (dist == "exponential") {
    const double mean = r.number("mean", 1, static_cast<double>(max_tokens));
    d = LengthDistribution::exponential(mean, r.integer_or("max", max_tokens, 1, max_tokens));
  } else if (dist == "empirical") {
    std::vector<long long> values;
    std::vector<double> weights;
    if (r.has("file")) {
      const std::string file = resolve(base_dir, r.string("file"));
      const Status status = read_length_file(file, values, weights);
      if (!status.ok()) {
        r.fail("file", status.error().message);
      }
    } else {
      for (const double v : number_list(r, "values", 1, static_cast<double>(max_tokens))) {
        if (v != std::floor(v)) {
          r.fail("values", fmt::format("{} is not a whole number of tokens", v));
          break;
        }
        values.push_back(static_cast<long long>(v));
      }
      if (r.has("weights")) {
        weights = number_list(r, "weights", 0, 1e300);
        if (r.ok() && weights.size() != values.size()) {
          r.fail("weights", fmt::format("{} weights for {} values", weights.size(), values.size()));
        }
      }
    }
    if (r.ok()) {
      d = LengthDistribution::empirical(std::move(values), std::move(weights));
      if (d.max > max_tokens) {
        r.fail("values",
               fmt::format("a length of {} exceeds the model's context of {}", d.max, max_tokens));
      }
    }
  }
  r.reject_unknown_fields();
  return d;
}

// think_time_ms: a number (fixed), or {dist: fixed|exponential|uniform|lognormal, ...}.
ThinkTime parse_think_time(yaml::Reader& parent) {
  constexpr std::string_view kKey = "think_time_ms";
  constexpr double kMaxMs = kMaxThinkTimeS * 1000.0;
  if (!parent.has(kKey)) {
    return ThinkTime::fixed(0);
  }
  const YAML::Node node = parent.node().IsMap() ? parent.node()[std::string(kKey)] : YAML::Node();
  if (node.IsDefined() && node.IsScalar()) {
    return ThinkTime::fixed(parent.number(kKey, 0, kMaxMs) / 1000.0);
  }
  yaml::Reader r = parent.map(kKey);
  ThinkTime t;
  const std::string dist = r.choice("dist", {"fixed", "exponential", "uniform", "lognormal"});
  if (dist == "fixed") {
    t = ThinkTime::fixed(r.number("value", 0, kMaxMs) / 1000.0);
  } else if (dist == "exponential") {
    t = ThinkTime::exponential(r.number("mean", 0, kMaxMs) / 1000.0);
  } else if (dist == "uniform") {
    const double lo = r.number("min", 0, kMaxMs);
    const double hi = r.number("max", 0, kMaxMs);
    if (r.ok() && hi < lo) {
      r.fail("max", fmt::format("max {} is below min {}", hi, lo));
    }
    t = ThinkTime::uniform(lo / 1000.0, hi / 1000.0);
  } else {
    const double mean = r.number("mean", 0, kMaxMs);
    t = ThinkTime::lognormal(mean / 1000.0, r.number("sigma", 0, 10));
  }
  r.reject_unknown_fields();
  return t;
}

ArrivalProcess parse_arrival(yaml::Reader& parent) {
  yaml::Reader r = parent.map("arrival");
  ArrivalProcess a;
  const std::string process = r.choice("process", {"poisson", "gamma", "day_curve", "closed"});
  if (process == "closed") {
    a.kind = ArrivalProcess::Kind::kClosed;
    a.concurrency = static_cast<int>(r.integer("concurrency", 1, kMaxUsers));
    a.think = parse_think_time(r);
    for (const char* key : {"rate", "cv", "rates"}) {
      if (r.has(key)) {
        r.fail(key, fmt::format("'{}' does not apply to a closed loop: its users send a request "
                                "when the last one is answered (give 'concurrency')",
                                key));
      }
    }
  } else if (process == "day_curve") {
    a.kind = ArrivalProcess::Kind::kDayCurve;
    a.curve = number_list(r, "rates", 0, 1e12);
    a.period_s = r.number_or("period_s", 86400, 1e-6, 1e12);
    if (r.ok() && a.mean_rate() <= 0) {
      r.fail("rates", "every rate is 0; expected at least one rate > 0");
    }
    for (const char* key : {"rate", "cv"}) {
      if (r.has(key)) {
        r.fail(key, fmt::format("'{}' does not apply to a day curve (give 'rates')", key));
      }
    }
  } else {
    a.kind = process == "gamma" ? ArrivalProcess::Kind::kGamma : ArrivalProcess::Kind::kPoisson;
    a.rate = positive(r, "rate", 1e12);
    if (a.kind == ArrivalProcess::Kind::kGamma) {
      a.cv = r.number("cv", kMinCv, kMaxCv);  // one bound: sim::validate's
    } else if (r.has("cv")) {
      r.fail("cv", "'cv' applies to process gamma only (a Poisson process has cv 1)");
    }
    for (const char* key : {"concurrency", "think_time_ms"}) {
      if (r.has(key)) {
        r.fail(key, fmt::format("'{}' applies to process closed only", key));
      }
    }
  }
  r.reject_unknown_fields();
  return a;
}

SchedulerConfig parse_scheduler(yaml::Reader& r, SchedulerConfig base) {
  base.max_batch = static_cast<int>(r.integer_or("max_batch", base.max_batch, 1, 1 << 20));
  r.renamed("token_budget", "max_num_tokens");
  base.token_budget =
      static_cast<int>(r.integer_or("max_num_tokens", base.token_budget, 1, 1 << 24));
  base.block_size = static_cast<int>(r.integer_or("block_size", base.block_size, 1, 4096));
  base.watermark = r.number_or("watermark", base.watermark, 0, 0.99);
  base.reserve_output = r.choice_or("admission", {"optimistic", "reserve"},
                                    base.reserve_output ? "reserve" : "optimistic") == "reserve";
  base.max_waiting = static_cast<int>(r.integer_or("max_waiting", base.max_waiting, 0, 1 << 30));
  r.reject_unknown_fields();
  return base;
}

catalog::Precision precision_or(yaml::Reader& r, std::string_view key,
                                catalog::Precision fallback) {
  const auto text = r.optional_string(key);
  if (!text) {
    return fallback;
  }
  auto p = catalog::parse_precision(*text);
  if (!p.ok()) {
    r.fail(key, p.error().message);
    return fallback;
  }
  return *p;
}

// Prefixes a validation message that starts with a field path by the location of the
// longest recorded path it starts with.
std::string locate(const std::string& message,
                   const std::vector<std::pair<std::string, std::string>>& places,
                   const std::string& file) {
  std::size_t best = 0;
  std::string where = file;
  for (const auto& [path, loc] : places) {
    if (path.size() > best && message.rfind(path, 0) == 0) {
      best = path.size();
      where = loc;
    }
  }
  return fmt::format("{}: {}", where, message);
}

}  // namespace fleetplan::sim::detail
