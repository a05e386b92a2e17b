#include "perf/band.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "core/data_dir.h"
#include "core/yaml_reader.h"

namespace fleetplan::perf {
namespace {

// Linear interpolation between order statistics (NumPy's default), as in accuracy_of().
double quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = static_cast<std::size_t>(std::ceil(pos));
  return values[lo] + (values[hi] - values[lo]) * (pos - static_cast<double>(lo));
}

// The group's 10th-90th percentile interval, widened `widen` times in log space about its
// log-midpoint sqrt(p10 p90) (widen 1: the percentiles themselves).
Band band_of(const std::string& family_engine, const std::string& cls,
             const std::vector<double>& ratios, double widen) {
  Band b;
  b.family_engine = family_engine;
  b.model_class = cls;
  b.rows = static_cast<int>(ratios.size());
  const double p10 = quantile(ratios, 0.1);
  const double p90 = quantile(ratios, 0.9);
  const double mid = std::sqrt(p10 * p90);
  b.p10 = mid * std::pow(p10 / mid, widen);
  b.p90 = mid * std::pow(p90 / mid, widen);
  return b;
}

}  // namespace

std::string model_class(const catalog::Model& model) {
  if (!model.is_moe()) {
    return "dense";
  }
  return model.attention == catalog::Attention::kMla ? "mla-moe" : "moe";
}

BandTable BandTable::from_rows(const std::vector<RowResult>& held_out, double widen) {
  struct Group {
    std::vector<double> ratios;
    std::vector<std::string> sources;
  };
  std::map<std::pair<std::string, std::string>, Group> groups;
  for (const RowResult& r : held_out) {
    if (r.use != RowUse::kThroughput || r.predicted <= 0 || r.request.model == nullptr) {
      continue;
    }
    const double ratio = r.measured / r.predicted;
    const std::string fe = family_engine(r);
    const std::string cls = model_class(*r.request.model);
    for (const auto& key :
         {std::pair{fe, cls}, std::pair{fe, std::string("*")}, std::pair{std::string("*"), cls},
          std::pair{std::string("*"), std::string("*")}}) {
      Group& g = groups[key];
      g.ratios.push_back(ratio);
      if (std::find(g.sources.begin(), g.sources.end(), r.row->source) == g.sources.end()) {
        g.sources.push_back(r.row->source);
      }
    }
  }
  BandTable table;
  for (const auto& [key, g] : groups) {
    // A band from one source measures that source's spread, not the model's error on the
    // next one: a group needs rows from kMinSources sources (the pooled "*" band always
    // qualifies, as the last resort).
    const bool pooled = key.first == "*" && key.second == "*";
    if (static_cast<int>(g.ratios.size()) >= kMinRows &&
        (pooled || static_cast<int>(g.sources.size()) >= kMinSources)) {
      table.bands_.push_back(band_of(key.first, key.second, g.ratios, widen));
    }
  }
  return table;
}

const Band& BandTable::lookup(const std::string& family_engine,
                              const std::string& model_class) const {
  for (const auto& [fe, cls] : std::vector<std::pair<std::string, std::string>>{
           {family_engine, model_class}, {family_engine, "*"}, {"*", model_class}, {"*", "*"}}) {
    for (const Band& b : bands_) {
      if (b.family_engine == fe && b.model_class == cls) {
        return b;
      }
    }
  }
  return fallback_;
}

std::string BandTable::to_yaml(const std::string& header_comment) const {
  std::string out;
  std::size_t start = 0;
  while (start < header_comment.size()) {
    const std::size_t end = header_comment.find('\n', start);
    out += "# " + header_comment.substr(start, end == std::string::npos ? end : end - start) + "\n";
    if (end == std::string::npos) {
      break;
    }
    start = end + 1;
  }
  out += "bands:\n";
  for (const Band& b : bands_) {
    out += fmt::format(
        "  - family_engine: \"{}\"\n    model_class: \"{}\"\n    rows: {}\n    p10: {:.4f}\n"
        "    p90: {:.4f}\n",
        b.family_engine, b.model_class, b.rows, b.p10, b.p90);
  }
  return out;
}

Result<BandTable> BandTable::load_file(const std::string& path) {
  auto node = yaml::load_file(path);
  FLEETPLAN_RETURN_IF_ERROR(node);
  yaml::Reader root(*node, path);
  BandTable table;
  for (yaml::Reader& r : root.list("bands")) {
    Band b;
    b.family_engine = r.string("family_engine");
    b.model_class = r.choice("model_class", {"dense", "moe", "mla-moe", "*"});
    b.rows = static_cast<int>(r.integer("rows", 1, 1 << 20));
    b.p10 = r.number("p10", 1e-3, 1e3);
    b.p90 = r.number("p90", 1e-3, 1e3);
    r.reject_unknown_fields();
    if (b.p10 > b.p90) {
      return input_error(
          fmt::format("{}: {}: p10 {} exceeds p90 {}", path, r.path(), b.p10, b.p90));
    }
    table.bands_.push_back(b);
  }
  root.reject_unknown_fields();
  FLEETPLAN_RETURN_IF_ERROR(root.status());
  return table;
}

Result<BandTable> BandTable::load_builtin() {
  return load_file((std::filesystem::path(data_dir()) / "calibration" / "bands.yaml").string());
}

double band_coverage(const std::vector<RowResult>& held_out, double widen) {
  std::vector<std::string> sources;
  for (const RowResult& r : held_out) {
    if (r.use == RowUse::kThroughput &&
        std::find(sources.begin(), sources.end(), r.row->source) == sources.end()) {
      sources.push_back(r.row->source);
    }
  }
  int inside = 0;
  int scored = 0;
  for (const std::string& source : sources) {
    std::vector<RowResult> others;
    for (const RowResult& r : held_out) {
      if (r.row->source != source) {
        others.push_back(r);
      }
    }
    const BandTable table = BandTable::from_rows(others, widen);
    for (const RowResult& r : held_out) {
      if (r.row->source != source || r.use != RowUse::kThroughput || r.predicted <= 0) {
        continue;
      }
      const Band& b = table.lookup(family_engine(r), model_class(*r.request.model));
      const double ratio = r.measured / r.predicted;
      ++scored;
      if (ratio >= b.p10 && ratio <= b.p90) {
        ++inside;
      }
    }
  }
  return scored > 0 ? static_cast<double>(inside) / scored : 0.0;
}

double band_widening(const std::vector<RowResult>& held_out, double target) {
  // Coverage grows with the width: bisect on the widening between 1 and 8.
  if (band_coverage(held_out, 1.0) >= target) {
    return 1.0;
  }
  double lo = 1.0;
  double hi = 8.0;
  for (int i = 0; i < 30; ++i) {
    const double mid = (lo + hi) / 2.0;
    if (band_coverage(held_out, mid) >= target) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return hi;
}

}  // namespace fleetplan::perf
