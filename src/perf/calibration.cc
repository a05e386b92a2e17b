#include "perf/calibration.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/csv.h"
#include "perf/engine.h"

namespace fleetplan::perf {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A whole-number column in [1, max]: "" is not published; anything else that is not such a
// number (8.5, 0, 1e12, "eight") is an error naming the line, the column and the value.
Result<std::optional<int>> whole_number(const csv::Row& row, const std::string& path,
                                        const char* column, int max) {
  const std::string& text = row.get(column);
  if (text.empty()) {
    return std::optional<int>{};
  }
  const auto v = csv::to_number(text);
  if (!v || *v < 1 || *v > max || *v != std::floor(*v)) {
    return input_error(fmt::format("{}:{}: {}: '{}' is not a whole number from 1 to {}", path,
                                   row.line, column, text, max));
  }
  return std::optional<int>{static_cast<int>(*v)};
}

// A count in a layout note ("TP8"): digits only, at most kMaxDevices; nullopt beyond.
std::optional<int> layout_number(const std::string& digits) {
  int value = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || ptr != digits.data() + digits.size() || value < 1 ||
      value > kMaxDevices) {
    return std::nullopt;
  }
  return value;
}

// MLPerf llama2-70b Server and Interactive latency limits (p99), from the MLPerf rules as
// quoted in the reference data's README.
struct Limits {
  double ttft_ms;
  double tpot_ms;
};
std::optional<Limits> mlperf_limits(const std::string& scenario) {
  if (scenario == "Server") {
    return Limits{2000.0, 200.0};
  }
  if (scenario == "Interactive") {
    return Limits{450.0, 40.0};
  }
  return std::nullopt;
}

// The layout the publication states ("TP2 PP2", "DEP4" = attention-DP + expert-parallel 4).
// A stated number beyond any deployment ("TP99999999999") comes back as an error text.
struct StatedLayout {
  std::optional<Parallelism> layout;
  std::string problem;  // non-empty when the notes state a layout that cannot be
};
StatedLayout stated_layout(const std::string& notes, int count) {
  std::smatch match;
  Parallelism p;
  bool any = false;
  static const std::regex kDep(R"(\bDEP(\d+))");
  static const std::regex kTp(R"(\bTP(\d+))");
  static const std::regex kPp(R"(\bPP(\d+))");
  static const std::regex kEp(R"(\bEP(\d+))");
  std::string problem;
  const auto number = [&](const std::string& kind) -> int {
    const std::optional<int> n = layout_number(match[1].str());
    if (!n && problem.empty()) {
      problem = fmt::format("the notes state {}{}, beyond 1 to {} devices", kind, match[1].str(),
                            kMaxDevices);
    }
    return n.value_or(1);
  };
  if (std::regex_search(notes, match, kDep)) {
    p.tp = number("DEP");
    p.ep = p.tp;
    p.attention_dp = p.tp > 1;
    any = true;
  } else if (std::regex_search(notes, match, kTp)) {
    p.tp = number("TP");
    any = true;
  }
  if (std::regex_search(notes, match, kPp)) {
    p.pp = number("PP");
    any = true;
  }
  if (std::regex_search(notes, match, kEp)) {
    const int ep = number("EP");
    if (ep <= p.tp) {
      p.ep = ep;
    }
  }
  if (!problem.empty()) {
    return {std::nullopt, problem};
  }
  const long long per_replica = static_cast<long long>(p.tp) * p.pp;
  if (!any || per_replica > count || count % per_replica != 0) {
    return {};
  }
  p.replicas = static_cast<int>(count / per_replica);
  return {p, ""};
}

// The serving engine named by a framework string.
std::string engine_of(const std::string& framework) {
  const std::string f = lower(framework);
  if (f.find("tensorrt") != std::string::npos || f.find("trt") != std::string::npos) {
    return "trtllm";
  }
  if (f.find("vllm") != std::string::npos) {
    return "vllm";
  }
  if (f.find("sglang") != std::string::npos) {
    return "sglang";
  }
  if (f.find("chitu") != std::string::npos) {
    return "chitu";
  }
  if (f.find("jetstream") != std::string::npos) {
    return "jetstream";
  }
  return "other";
}

bool is_apart(const std::string& notes) {
  const std::string n = lower(notes);
  for (const char* key : {"speculative", "eagle", "mtp ", "mtp)", "mtp;", "disaggregat",
                          "prefill/decode split", "p/d split"}) {
    if (n.find(key) != std::string::npos) {
      return true;
    }
  }
  return false;
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  // Nearest-rank on the sorted sample, interpolated linearly (NumPy's default "linear").
  const double pos = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = static_cast<std::size_t>(std::ceil(pos));
  return values[lo] + (values[hi] - values[lo]) * (pos - static_cast<double>(lo));
}

// A row read once into the request it stands for (names looked up, layout parsed), so the
// fit can re-predict it under many trial factors at the cost of the estimate alone.
struct PreparedRow {
  RowResult base;              // use, why, family, factors, measured, request
  bool runnable = false;       // model and accelerator found
  bool try_ep_spread = false;  // "TP8" on an MoE model: also try EP = TP
  bool specified = false;      // counts towards coverage
};

PreparedRow prepare(const Measurement& row, const catalog::Catalog& catalog,
                    const EngineTable* engines) {
  PreparedRow prepared;
  prepared.specified = row.input_len && row.output_len && row.count > 0 &&
                       (row.output_tokens_per_s || row.total_tokens_per_s || row.ttft_ms) &&
                       !is_apart(row.notes);
  RowResult& out = prepared.base;
  out.row = &row;
  auto acc = catalog.accelerator(row.accelerator);
  auto model = catalog.model(row.model);
  if (!acc.ok() || !model.ok()) {
    out.why = !acc.ok() ? fmt::format("accelerator '{}' not in catalog", row.accelerator)
                        : fmt::format("model '{}' not in catalog", row.model);
    return prepared;
  }
  prepared.runnable = true;
  out.family = (*acc)->family;
  out.factors = row.engine == "trtllm" ? out.family : out.family + "/" + row.engine;
  const bool lengths = row.input_len && row.output_len && row.count > 0;
  double measured = 0;
  if (row.output_tokens_per_s) {
    measured = *row.output_tokens_per_s;
  } else if (row.total_tokens_per_s && lengths) {
    // Only prompt + output tokens/s was published: the output share is O / (I + O).
    measured = *row.total_tokens_per_s * *row.output_len / (*row.input_len + *row.output_len);
  }
  const bool ttft_only = measured <= 0 && row.ttft_ms && lengths;
  if (!lengths) {
    out.use = RowUse::kUnderspecified;
    out.why = "input/output length or device count not published";
  } else if (is_apart(row.notes)) {
    out.use = RowUse::kApart;
    out.why = "speculative decoding or prefill/decode split serving (not modelled)";
  } else if (ttft_only) {
    out.use = RowUse::kTtft;
  } else if (measured > 0) {
    out.use = RowUse::kThroughput;
  } else {
    out.use = RowUse::kUnderspecified;
    out.why = "no throughput or latency figure";
  }
  EstimateRequest& req = out.request;
  req.model = *model;
  req.accelerator = *acc;
  req.count = std::max(1, row.count);
  const std::string precision = row.precision.empty() ? "fp8" : row.precision;
  auto weights = catalog::parse_precision(precision == "int4" ? "fp4" : precision);
  req.weights = weights.ok() ? *weights : catalog::Precision::kFp8;
  // The engine's own default KV format where the engine is known (vLLM, SGLang and Chitu keep
  // the model's dtype), else FP8 beside narrow weights on chips with FP8 units.
  const Engine* engine = nullptr;
  if (engines != nullptr) {
    auto found = engines->find(row.engine);
    engine = found.ok() ? *found : nullptr;
  }
  req.kv_cache = engine != nullptr ? engine_kv_cache(*engine, **acc, req.weights)
                                   : default_kv_cache(**acc, req.weights);
  // Rows without lengths (not scored) are still predicted, at assumed lengths.
  req.input_len = row.input_len.value_or(512);
  req.output_len = row.output_len.value_or(256);
  if (row.concurrency && (row.scenario == "offline" || row.scenario == "online")) {
    req.concurrency = row.concurrency;
  }
  if (row.ttft_limit_ms || row.tpot_limit_ms) {
    req.ttft_target_ms = row.ttft_limit_ms;
    req.tpot_target_ms = row.tpot_limit_ms;
  } else if (auto limits = mlperf_limits(row.scenario)) {
    req.ttft_target_ms = limits->ttft_ms;
    req.tpot_target_ms = limits->tpot_ms;
  }
  StatedLayout stated = stated_layout(row.notes, req.count);
  if (!stated.problem.empty()) {
    out.use = RowUse::kUnmodelled;
    out.why = stated.problem;
    prepared.runnable = false;
    return prepared;
  }
  req.parallelism = stated.layout;
  req.enforce_context = false;
  // The measured runs are colocated, without speculative decoding, inside one scale-up domain
  // unless a row states otherwise: the search keeps to those shapes.
  req.disaggregation = SearchMode::kOff;
  req.mtp = SearchMode::kOff;
  req.layouts.ep_beyond_domain = false;
  req.engine = row.engine;
  out.measured = out.use == RowUse::kTtft ? *row.ttft_ms : measured;
  prepared.try_ep_spread = req.parallelism && model.value()->is_moe() && req.parallelism->ep == 1 &&
                           req.parallelism->tp > 1 &&
                           model.value()->experts % req.parallelism->tp == 0;
  return prepared;
}

RowResult score(const PreparedRow& prepared, const EfficiencyTable& table) {
  RowResult out = prepared.base;
  if (!prepared.runnable) {
    return out;
  }
  const EstimateRequest& req = out.request;
  auto est = estimate(req, table);
  // "TP8" alone does not say how an MoE model's experts were laid out: take the better of
  // experts sliced over the TP ranks (EP1) and spread over them (EP = TP).
  if (prepared.try_ep_spread) {
    EstimateRequest alt = req;
    alt.parallelism->ep = alt.parallelism->tp;
    auto other = estimate(alt, table);
    if (other.ok() && (!est.ok() || other->throughput_output_tokens_per_s >
                                        est->throughput_output_tokens_per_s)) {
      est = other;
    }
  }
  if (!est.ok()) {
    out.use = RowUse::kUnmodelled;
    out.why = est.error().message;
    return out;
  }
  out.layout = est->parallelism;
  out.predicted = out.use == RowUse::kTtft ? est->ttft_ms : est->throughput_output_tokens_per_s;
  if (out.measured > 0) {
    out.error_pct = (out.predicted - out.measured) / out.measured * 100.0;
  }
  return out;
}

}  // namespace

const char* row_use_name(RowUse use) {
  switch (use) {
    case RowUse::kThroughput:
      return "throughput";
    case RowUse::kTtft:
      return "ttft";
    case RowUse::kApart:
      return "apart";
    case RowUse::kUnderspecified:
      return "underspecified";
    case RowUse::kUnmodelled:
      return "unmodelled";
  }
  return "?";
}

namespace {

// The measurement file's header: every required column there, and no unknown one (a
// misspelt column would drop its figures without a word).
Status check_measurement_columns(const csv::Table& table, const std::string& path) {
  for (const char* column : {"id", "accelerator", "accelerator_count", "model", "scenario",
                             "input_len", "output_len", "tokens_per_s_output"}) {
    if (std::find(table.columns.begin(), table.columns.end(), column) == table.columns.end()) {
      return input_error(fmt::format("{}:1: missing column '{}'", path, column));
    }
  }
  // A misspelt column would drop its figures without a word.
  static const char* const kColumns[] = {"id",
                                         "source",
                                         "source_detail",
                                         "system",
                                         "accelerator",
                                         "accelerator_count",
                                         "precision",
                                         "model",
                                         "framework",
                                         "scenario",
                                         "input_len",
                                         "output_len",
                                         "concurrency_or_batch",
                                         "tokens_per_s_output",
                                         "tokens_per_s_total",
                                         "ttft_ms",
                                         "tpot_ms",
                                         "notes",
                                         "precision_norm"};
  for (const std::string& column : table.columns) {
    if (std::find(std::begin(kColumns), std::end(kColumns), column) == std::end(kColumns)) {
      return input_error(fmt::format("{}:1: unknown column '{}'; expected {}", path, column,
                                     fmt::join(kColumns, ", ")));
    }
  }
  return {};
}

// One row of the measurement file, its numbers checked (non-negative; counts and lengths
// whole and in range).
Result<Measurement> measurement_of(const csv::Row& r, const std::string& path) {
  Measurement m;
  m.line = r.line;
  m.id = r.get("id");
  m.source = r.get("source");
  m.accelerator = r.get("accelerator");
  m.model = r.get("model");
  // `precision_norm` is the published dataset's name for the weights precision (`weights`
  // in every other file); the column keeps that name.
  m.precision = lower(r.get("precision_norm"));
  m.scenario = r.get("scenario");
  m.framework = r.get("framework");
  m.engine = engine_of(m.framework);
  m.notes = r.get("notes");
  const auto number_field = [&](const char* column) -> Result<std::optional<double>> {
    const std::string& text = r.get(column);
    if (text.empty()) {
      return std::optional<double>{};
    }
    const auto v = csv::to_number(text);
    if (!v || *v < 0) {
      return input_error(
          fmt::format("{}:{}: {}: '{}' is not a non-negative number", path, r.line, column, text));
    }
    return std::optional<double>{*v};
  };
  for (const char* column : {"accelerator_count", "input_len", "output_len", "concurrency_or_batch",
                             "tokens_per_s_output", "tokens_per_s_total", "ttft_ms", "tpot_ms"}) {
    auto v = number_field(column);
    FLEETPLAN_RETURN_IF_ERROR(v);
  }
  auto count = whole_number(r, path, "accelerator_count", kMaxDevices);
  FLEETPLAN_RETURN_IF_ERROR(count);
  auto input_len = whole_number(r, path, "input_len", kMaxTokens);
  FLEETPLAN_RETURN_IF_ERROR(input_len);
  auto output_len = whole_number(r, path, "output_len", kMaxTokens);
  FLEETPLAN_RETURN_IF_ERROR(output_len);
  auto concurrency = whole_number(r, path, "concurrency_or_batch", kMaxConcurrency);
  FLEETPLAN_RETURN_IF_ERROR(concurrency);
  m.count = count->value_or(0);
  m.input_len = *input_len;
  m.output_len = *output_len;
  m.concurrency = *concurrency;
  m.output_tokens_per_s = csv::to_number(r.get("tokens_per_s_output"));
  m.total_tokens_per_s = csv::to_number(r.get("tokens_per_s_total"));
  m.ttft_ms = csv::to_number(r.get("ttft_ms"));
  m.tpot_ms = csv::to_number(r.get("tpot_ms"));
  // MLPerf rows state the p99 limits they ran under.
  static const std::regex kConstraints(
      R"(constraints TTFT<=([0-9]+(?:\.[0-9]+)?) ms TPOT<=([0-9]+(?:\.[0-9]+)?) ms)");
  std::smatch limits;
  if (std::regex_search(m.notes, limits, kConstraints)) {
    m.ttft_limit_ms = csv::to_number(limits[1].str());
    m.tpot_limit_ms = csv::to_number(limits[2].str());
  }
  return m;
}

Result<std::vector<Measurement>> measurements_of(const csv::Table& table, const std::string& path) {
  FLEETPLAN_RETURN_IF_ERROR(check_measurement_columns(table, path));
  std::vector<Measurement> rows;
  for (const csv::Row& r : table.rows) {
    auto m = measurement_of(r, path);
    FLEETPLAN_RETURN_IF_ERROR(m);
    rows.push_back(std::move(*m));
  }
  return rows;
}

}  // namespace

Result<std::vector<Measurement>> read_measurements(const std::string& path) {
  auto table = csv::read_file(path);
  FLEETPLAN_RETURN_IF_ERROR(table);
  return measurements_of(*table, path);
}

Result<std::vector<Measurement>> parse_measurements(std::string_view text,
                                                    const std::string& name) {
  auto table = csv::parse(text, name);
  FLEETPLAN_RETURN_IF_ERROR(table);
  return measurements_of(*table, name);
}

Accuracy accuracy_of(const std::vector<double>& errors_pct) {
  Accuracy a;
  a.rows = static_cast<int>(errors_pct.size());
  if (errors_pct.empty()) {
    return a;
  }
  std::vector<double> abs_errors;
  double sum = 0;
  for (const double e : errors_pct) {
    abs_errors.push_back(std::fabs(e));
    sum += e;
  }
  a.median_abs_error_pct = percentile(abs_errors, 0.5);
  a.p90_abs_error_pct = percentile(abs_errors, 0.9);
  a.mean_signed_error_pct = sum / static_cast<double>(errors_pct.size());
  return a;
}

namespace {

CalibrationReport evaluate_prepared(const std::vector<PreparedRow>& rows,
                                    const EfficiencyTable& table) {
  CalibrationReport report;
  std::vector<double> throughput_errors;
  std::vector<double> ttft_errors;
  for (const PreparedRow& row : rows) {
    RowResult r = score(row, table);
    if (row.specified) {
      ++report.fully_specified;
      if (r.use == RowUse::kThroughput || r.use == RowUse::kTtft) {
        ++report.modelled;
      }
    }
    if (r.use == RowUse::kThroughput) {
      throughput_errors.push_back(r.error_pct);
    } else if (r.use == RowUse::kTtft) {
      ttft_errors.push_back(r.error_pct);
    }
    report.rows.push_back(std::move(r));
  }
  report.throughput = accuracy_of(throughput_errors);
  report.ttft = accuracy_of(ttft_errors);
  return report;
}

std::vector<PreparedRow> prepare_all(const std::vector<Measurement>& rows,
                                     const catalog::Catalog& catalog, const EngineTable* engines) {
  std::vector<PreparedRow> out;
  out.reserve(rows.size());
  for (const Measurement& row : rows) {
    out.push_back(prepare(row, catalog, engines));
  }
  return out;
}

}  // namespace

CalibrationReport evaluate(const std::vector<Measurement>& rows, const catalog::Catalog& catalog,
                           const EfficiencyTable& table, const EngineTable* engines) {
  return evaluate_prepared(prepare_all(rows, catalog, engines), table);
}

namespace {

struct Knob {
  double Efficiency::*field;
  double lo;
  double hi;
};
// Ranges of the fitted factors. Dense GEMMs reach 25-85 % of peak across vendors and
// engines (MLPerf-class kernels 60-80 %, immature stacks lower); HBM streaming 50-95 %;
// grouped expert GEMMs 20-100 % of the dense rate; attention kernels 10-85 % of peak; links
// 30-95 %; an engine's step costs 0.2-50 ms, 0-300 us per layer, 1-200 us per sequence.
// The first two are fitted for every family, the rest only with enough rows.
const std::array<Knob, 8> kPlausible = {{{&Efficiency::compute, 0.25, 0.85},
                                         {&Efficiency::memory, 0.5, 0.95},
                                         {&Efficiency::moe_compute, 0.2, 1.0},
                                         {&Efficiency::attention, 0.1, 0.85},
                                         {&Efficiency::step_overhead_s, 0.0002, 0.05},
                                         {&Efficiency::layer_overhead_s, 1e-6, 3e-4},
                                         {&Efficiency::link, 0.3, 0.95},
                                         {&Efficiency::seq_overhead_s, 1e-6, 2e-4}}};

}  // namespace

EfficiencyTable fit(const std::vector<Measurement>& rows, const catalog::Catalog& catalog,
                    const EfficiencyTable& start, const std::string& provenance,
                    const EngineTable* engines) {
  EfficiencyTable table = start;
  // Group the scored rows by family.
  std::map<std::string, std::vector<const Measurement*>> by_family;
  {
    const CalibrationReport report = evaluate(rows, catalog, start, engines);
    for (const RowResult& r : report.rows) {
      if (r.use == RowUse::kThroughput) {
        by_family[r.factors].push_back(r.row);
      }
    }
  }
  for (const auto& [family, members] : by_family) {
    std::vector<PreparedRow> subset;
    for (const Measurement* m : members) {
      subset.push_back(prepare(*m, catalog, engines));
    }
    const auto slash = family.find('/');
    Efficiency best = slash == std::string::npos
                          ? table.for_family(family)
                          : table.for_family(family.substr(0, slash), family.substr(slash + 1));
    best.family = family;
    const auto loss = [&](const Efficiency& e) {
      EfficiencyTable trial = table;
      trial.set(e);
      const CalibrationReport report = evaluate_prepared(subset, trial);
      double sum = 0;
      int n = 0;
      for (const RowResult& r : report.rows) {
        if (r.use == RowUse::kThroughput && r.predicted > 0) {
          const double log_error = std::log(r.predicted / r.measured);
          sum += log_error * log_error;  // squared: large misses weigh more (p90 target)
          ++n;
        } else if (r.use == RowUse::kUnmodelled) {
          sum += 1.0;  // a layout that stops fitting is penalised, not ignored
          ++n;
        }
      }
      return n > 0 ? sum / n : 0.0;
    };
    // Continuous factors, each searched multiplicatively inside its physically plausible range
    // (kPlausible): a fit that could push a factor outside it would absorb a missing piece of
    // physics into a number that is then wrong for every other row of the family.
    std::vector<Knob> knobs = {kPlausible[0], kPlausible[1]};
    const bool rich = subset.size() >= 15;
    if (rich) {
      knobs.insert(knobs.end(), kPlausible.begin() + 2, kPlausible.end());
    }
    // Attention gets its own efficiency only where it is fitted; elsewhere it follows compute.
    if (rich && best.attention <= 0) {
      best.attention = best.compute;
    }
    for (const Knob& knob : knobs) {
      best.*knob.field = std::clamp(best.*knob.field, knob.lo, knob.hi);
    }
    if (!rich) {
      best.attention = 0;
    }
    double current = loss(best);
    // Passes of coordinate descent, coarse steps then fine, until a pass gains nothing.
    for (int pass = 0; pass < 4; ++pass) {
      const double before_pass = current;
      for (int round = 0; round < 6; ++round) {
        const double step = round < 3 ? 1.25 : 1.08;
        for (const Knob& knob : knobs) {
          for (const double factor : {step, 1.0 / step}) {
            for (int tries = 0; tries < 8; ++tries) {
              Efficiency trial = best;
              trial.*knob.field = std::clamp(best.*knob.field * factor, knob.lo, knob.hi);
              if (trial.*knob.field == best.*knob.field) {
                break;
              }
              const double l = loss(trial);
              if (l < current - 1e-9) {
                current = l;
                best = trial;
              } else {
                break;
              }
            }
          }
        }
        if (rich) {
          for (const int cap : {256, 512, 1024, 2048, 4096}) {
            Efficiency trial = best;
            trial.max_batch = cap;
            const double l = loss(trial);
            if (l < current - 1e-9) {
              current = l;
              best = trial;
            }
          }
        }
      }
      if (current > before_pass - 1e-6) {
        break;
      }
    }
    best.fitted_on = fmt::format("{}; {} rows", provenance, subset.size());
    table.set(best);
  }
  return table;
}

std::string family_engine(const RowResult& row) {
  if (row.factors.find('/') != std::string::npos || row.factors.empty()) {
    return row.factors;
  }
  return row.factors + "/trtllm";
}

CrossValidation cross_validate_by_source(const std::vector<Measurement>& rows,
                                         const catalog::Catalog& catalog,
                                         const EfficiencyTable& start, const EngineTable* engines) {
  CrossValidation cv;
  for (const Measurement& m : rows) {
    if (std::find(cv.sources.begin(), cv.sources.end(), m.source) == cv.sources.end()) {
      cv.sources.push_back(m.source);
    }
  }
  std::vector<std::optional<RowResult>> held(rows.size());
  for (const std::string& source : cv.sources) {
    std::vector<Measurement> train;
    std::vector<Measurement> test;
    std::vector<std::size_t> test_index;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].source == source) {
        test.push_back(rows[i]);
        test_index.push_back(i);
      } else {
        train.push_back(rows[i]);
      }
    }
    const EfficiencyTable table = fit(train, catalog, start, "cross-validation fold", engines);
    CalibrationReport fold = evaluate(test, catalog, table, engines);
    for (std::size_t k = 0; k < fold.rows.size(); ++k) {
      fold.rows[k].row = &rows[test_index[k]];
      held[test_index[k]] = std::move(fold.rows[k]);
    }
    cv.held_out.fully_specified += fold.fully_specified;
    cv.held_out.modelled += fold.modelled;
  }
  std::vector<double> throughput_errors;
  std::vector<double> ttft_errors;
  for (auto& r : held) {
    if (r->use == RowUse::kThroughput) {
      throughput_errors.push_back(r->error_pct);
    } else if (r->use == RowUse::kTtft) {
      ttft_errors.push_back(r->error_pct);
    }
    cv.held_out.rows.push_back(std::move(*r));
  }
  cv.held_out.throughput = accuracy_of(throughput_errors);
  cv.held_out.ttft = accuracy_of(ttft_errors);
  return cv;
}

}  // namespace fleetplan::perf
