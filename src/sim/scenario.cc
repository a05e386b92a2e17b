#include "sim/scenario.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/yaml_reader.h"
#include "sim/perf_step_model.h"

namespace fleetplan::sim {
namespace {

constexpr long long kMaxTokens = 1LL << 30;

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
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return not_found_error(fmt::format("{}: cannot open file", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A number that must be > 0 (the reader checks the type and the upper bound).
double positive(yaml::Reader& r, std::string_view key, double max = 1e15) {
  const double value = r.number(key, 0, max);
  if (r.has(key) && value == 0) {
    r.fail(key, fmt::format("value 0 is out of range; expected a number > 0 (and <= {})", max));
  }
  return value;
}

std::optional<double> optional_positive(yaml::Reader& r, std::string_view key, double max = 1e15) {
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

ArrivalProcess parse_arrival(yaml::Reader& parent) {
  yaml::Reader r = parent.map("arrival");
  ArrivalProcess a;
  const std::string process = r.choice("process", {"poisson", "gamma", "day_curve"});
  if (process == "day_curve") {
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
      a.cv = positive(r, "cv", 1e3);
    } else if (r.has("cv")) {
      r.fail("cv", "'cv' applies to process gamma only (a Poisson process has cv 1)");
    }
  }
  r.reject_unknown_fields();
  return a;
}

SchedulerConfig parse_scheduler(yaml::Reader& r, SchedulerConfig base) {
  base.max_batch = static_cast<int>(r.integer_or("max_batch", base.max_batch, 1, 1 << 20));
  base.token_budget = static_cast<int>(r.integer_or("token_budget", base.token_budget, 1, 1 << 24));
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

}  // namespace

Result<RouterPolicy> parse_router(const std::string& name) {
  static const std::map<std::string, RouterPolicy, std::less<>> kPolicies = {
      {"round_robin", RouterPolicy::kRoundRobin},
      {"least_outstanding", RouterPolicy::kLeastOutstanding},
      {"least_kv", RouterPolicy::kLeastKv},
      {"weighted", RouterPolicy::kWeighted},
      {"random", RouterPolicy::kRandom}};
  const auto it = kPolicies.find(name);
  if (it == kPolicies.end()) {
    return input_error(fmt::format(
        "router '{}' is not known; expected one of: round_robin, least_outstanding, least_kv, "
        "weighted, random",
        name));
  }
  return it->second;
}

Result<Deployment> build_deployment(const DeploymentRequest& request,
                                    const perf::EfficiencyTable& efficiency) {
  if (request.model == nullptr || request.accelerator == nullptr) {
    return internal_error("build_deployment: model and accelerator are required");
  }
  const catalog::Model& model = *request.model;
  const catalog::Accelerator& acc = *request.accelerator;
  if (request.count < 1) {
    return input_error(fmt::format("count {} must be >= 1 accelerator", request.count));
  }
  if (request.pp < 1 || request.ep < 1 || request.tp < 0) {
    return input_error(
        fmt::format("tp={} pp={} ep={}: each must be >= 1", request.tp, request.pp, request.ep));
  }
  const perf::Efficiency& eff = efficiency.for_family(acc.family);
  SchedulerConfig scheduler = request.scheduler;
  if (scheduler.max_batch == 0) {
    scheduler.max_batch = eff.max_batch;
  }
  if (scheduler.token_budget == 0) {
    scheduler.token_budget = std::max(eff.max_num_tokens, scheduler.max_batch);
  }
  // Layouts to try: the given tp, or powers of two within the scale-up domain, smallest
  // first (the most replicas that fit).
  std::vector<int> tps;
  if (request.tp > 0) {
    tps.push_back(request.tp);
  } else {
    for (int tp = 1; tp <= std::max(1, acc.scaleup_domain); tp *= 2) {
      if (request.count % (tp * request.pp) == 0) {
        tps.push_back(tp);
      }
    }
    if (tps.empty()) {
      return input_error(
          fmt::format("count {} is not a multiple of pp={}", request.count, request.pp));
    }
  }
  Error last = infeasible_error("no layout");
  for (const int tp : tps) {
    const int per_replica = tp * request.pp;
    if (request.count % per_replica != 0) {
      return input_error(
          fmt::format("count {} is not a multiple of tp x pp = {} x {} = {} devices per replica",
                      request.count, tp, request.pp, per_replica));
    }
    perf::DeploymentSpec spec;
    spec.model = &model;
    spec.accelerator = &acc;
    spec.parallelism.tp = tp;
    spec.parallelism.pp = request.pp;
    spec.parallelism.ep = request.ep;
    spec.parallelism.replicas = request.count / per_replica;
    spec.weights = request.weights;
    spec.kv_cache = request.kv_cache;
    auto step_model = PerfStepModel::create(spec, eff, scheduler.max_batch);
    if (!step_model.ok()) {
      last = step_model.error();
      continue;
    }
    Deployment d;
    d.name = request.name.empty() ? fmt::format("{}@{}", model.name, acc.name) : request.name;
    d.model = model.name;
    d.accelerator = acc.name;
    d.replicas = request.count / per_replica;
    d.devices_per_replica = per_replica;
    d.role = request.role;
    d.weight = request.weight;
    d.step_model = *step_model;
    d.scheduler = scheduler;
    d.max_sequence_tokens = model.max_context;
    d.kv_link_bytes_per_s = request.kv_link_bytes_per_s > 0
                                ? request.kv_link_bytes_per_s
                                : per_replica * acc.scaleout_bw * eff.link;
    return d;
  }
  if (request.tp == 0 && tps.size() > 1) {
    return Error{last.kind, fmt::format("{} (tried tp = {})", last.message, fmt::join(tps, ", "))};
  }
  return last;
}

Result<Scenario> parse_scenario(const std::string& text, const std::string& name,
                                const std::string& base_dir, const catalog::Catalog& catalog,
                                const perf::EfficiencyTable& efficiency) {
  auto root_node = yaml::load_string(text, name);
  FLEETPLAN_RETURN_IF_ERROR(root_node);
  yaml::Reader root(*root_node, name);
  Scenario scenario;
  scenario.source = name;
  std::vector<std::pair<std::string, std::string>> places;

  // simulation: how to run.
  yaml::Reader sim = root.map("simulation", false);
  scenario.options.seed = static_cast<std::uint64_t>(
      sim.integer_or("seed", 1, 0, std::numeric_limits<long long>::max()));
  scenario.workload.requests = sim.integer_or("requests", 0, 0, 1LL << 40);
  scenario.workload.duration_s = sim.number_or("duration_s", 0, 0, 1e12);
  scenario.options.step_by_step = sim.boolean_or("step_by_step", false);
  scenario.options.timeseries_interval_s = sim.number_or("timeseries_interval_s", 0, 0, 1e12);
  sim.reject_unknown_fields();

  // fleet: router, scheduler defaults, deployments.
  yaml::Reader fleet = root.map("fleet");
  const std::string router = fleet.choice_or(
      "router", {"round_robin", "least_outstanding", "least_kv", "weighted", "random"},
      "least_outstanding");
  const auto policy = parse_router(router);
  scenario.fleet.router = policy.ok() ? *policy : RouterPolicy::kLeastOutstanding;
  yaml::Reader transfer = fleet.map("kv_transfer", false);
  scenario.fleet.kv_transfer_latency_s = transfer.number_or("latency_ms", 0, 0, 1e9) / 1000.0;
  const std::optional<double> link_gbps = optional_positive(transfer, "bandwidth_gbps", 1e9);
  transfer.reject_unknown_fields();
  yaml::Reader scheduler_defaults = fleet.map("scheduler", false);
  const SchedulerConfig defaults =
      parse_scheduler(scheduler_defaults, SchedulerConfig{0, 0, 16, 0.01, false, 0});
  std::set<std::string> names;
  std::set<std::string> served_models;
  auto deployments = fleet.list("deployments");
  if (deployments.empty() && fleet.has("deployments")) {
    fleet.fail("deployments", "the fleet has no deployment");
  }
  for (std::size_t i = 0; i < deployments.size(); ++i) {
    yaml::Reader& d = deployments[i];
    places.emplace_back(d.path(), location_of(d));
    DeploymentRequest req;
    req.name = d.string_or("name", "");
    const std::string model_name = d.string("model");
    const std::string acc_name = d.string("accelerator");
    if (d.has("model")) {
      auto model = catalog.model(model_name);
      if (model.ok()) {
        req.model = *model;
      } else {
        d.fail("model", model.error().message);
      }
    }
    if (d.has("accelerator")) {
      auto acc = catalog.accelerator(acc_name);
      if (acc.ok()) {
        req.accelerator = *acc;
      } else {
        d.fail("accelerator", acc.error().message);
      }
    }
    req.count = static_cast<int>(d.integer("count", 1, 1 << 24));
    req.tp = static_cast<int>(d.integer_or("tp", 0, 1, 1024));
    req.pp = static_cast<int>(d.integer_or("pp", 1, 1, 1024));
    req.ep = static_cast<int>(d.integer_or("ep", 1, 1, 1 << 16));
    req.weights = precision_or(d, "weights", catalog::Precision::kFp8);
    req.kv_cache = precision_or(d, "kv_cache", catalog::Precision::kFp8);
    const std::string role = d.choice_or("role", {"mixed", "prefill", "decode"}, "mixed");
    req.role = role == "prefill" ? Role::kPrefill : role == "decode" ? Role::kDecode : Role::kMixed;
    req.weight = d.number_or("weight", 1, 1e-9, 1e9);
    const auto kv_link = optional_positive(d, "kv_link_gbps", 1e9);
    if (kv_link) {
      req.kv_link_bytes_per_s = *kv_link * 1e9 / 8.0;
    } else if (link_gbps) {
      req.kv_link_bytes_per_s = *link_gbps * 1e9 / 8.0;
    }
    yaml::Reader sched = d.map("scheduler", false);
    req.scheduler = parse_scheduler(sched, defaults);
    d.reject_unknown_fields();
    if (req.name.empty() && req.model && req.accelerator) {
      req.name = fmt::format("{}@{}", req.model->name, req.accelerator->name);
    }
    if (!names.insert(req.name).second) {
      d.fail("name", fmt::format("deployment name '{}' is used twice; give each a name", req.name));
    }
    if (!d.ok() || req.model == nullptr || req.accelerator == nullptr) {
      continue;
    }
    auto deployment = build_deployment(req, efficiency);
    if (!deployment.ok()) {
      d.fail_here(deployment.error().message);
      continue;
    }
    served_models.insert(deployment->model);
    scenario.fleet.deployments.push_back(std::move(deployment).value());
  }
  fleet.reject_unknown_fields();

  // services.
  const bool has_trace = root.has("trace");
  auto services = root.list("services");
  if (services.empty() && root.has("services")) {
    root.fail("services", "the workload has no service");
  }
  for (std::size_t i = 0; i < services.size(); ++i) {
    yaml::Reader& s = services[i];
    places.emplace_back(s.path(), location_of(s));
    Service svc;
    svc.name = s.string_or("name", fmt::format("service-{}", i));
    const std::string model_name = s.string("model");
    long long max_tokens = kMaxTokens;
    if (s.has("model")) {
      auto model = catalog.model(model_name);
      if (!model.ok()) {
        s.fail("model", model.error().message);
      } else {
        svc.model = (*model)->name;
        if ((*model)->max_context > 0) {
          max_tokens = (*model)->max_context;
        }
        if (fleet.ok() && !served_models.count(svc.model)) {
          s.fail("model", fmt::format("no deployment of the fleet serves {}", svc.model));
        }
      }
    }
    if (has_trace) {
      for (const char* key : {"arrival", "input_len", "output_len"}) {
        if (s.has(key)) {
          s.fail(key, fmt::format("'{}' does not apply when the scenario replays a trace", key));
        }
      }
    } else {
      svc.arrival = parse_arrival(s);
      svc.input = parse_length(s, "input_len", max_tokens, base_dir);
      svc.output = parse_length(s, "output_len", max_tokens, base_dir);
    }
    if (const auto ttft = optional_positive(s, "ttft_ms", 1e9)) {
      svc.ttft_target_s = *ttft / 1000.0;
    }
    if (const auto tpot = optional_positive(s, "tpot_ms", 1e9)) {
      svc.tpot_target_s = *tpot / 1000.0;
    }
    s.reject_unknown_fields();
    scenario.workload.services.push_back(std::move(svc));
  }
  std::string trace_file;
  if (has_trace) {
    trace_file = resolve(base_dir, root.string("trace"));
  } else if (root.ok() && scenario.workload.requests == 0 && scenario.workload.duration_s == 0) {
    sim.fail_here(
        "give 'requests' (arrivals in all) or 'duration_s' (seconds of arrivals): the arrival "
        "processes never stop");
  }
  root.reject_unknown_fields();
  FLEETPLAN_RETURN_IF_ERROR(root.status());

  if (has_trace) {
    std::vector<std::string> service_names;
    for (const Service& s : scenario.workload.services) {
      service_names.push_back(s.name);
    }
    auto trace = load_trace(trace_file, service_names);
    FLEETPLAN_RETURN_IF_ERROR(trace);
    scenario.workload.trace = std::move(trace).value();
  }
  const Status valid = validate(scenario.fleet, scenario.workload);
  if (!valid.ok()) {
    return Error{valid.error().kind, locate(valid.error().message, places, name)};
  }
  return scenario;
}

Result<Scenario> load_scenario(const std::string& path, const catalog::Catalog& catalog,
                               const perf::EfficiencyTable& efficiency) {
  auto text = read_text(path);
  FLEETPLAN_RETURN_IF_ERROR(text);
  const std::string base_dir = std::filesystem::path(path).parent_path().string();
  return parse_scenario(*text, path, base_dir, catalog, efficiency);
}

Result<std::vector<TraceRequest>> parse_trace(const std::string& text, const std::string& name,
                                              const std::vector<std::string>& services) {
  std::vector<TraceRequest> out;
  std::map<std::string, int, std::less<>> service_index;
  for (std::size_t i = 0; i < services.size(); ++i) {
    service_index[services[i]] = static_cast<int>(i);
  }
  static const char* const kFields[] = {"arrival_s", "input_tokens", "output_tokens", "service"};
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
    // Split into fields, remembering each one's column.
    std::vector<std::string_view> fields;
    std::vector<std::size_t> columns;
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
    const auto where = [&](std::size_t f) {
      return fmt::format("{}:{}:{}: {}", name, line_number, columns[f], kFields[f]);
    };
    if (first_record) {
      first_record = false;
      if (fields[0] == "arrival_s") {
        const std::size_t n = fields.size();
        if (n < 3 || n > 4 || fields[1] != "input_tokens" || fields[2] != "output_tokens" ||
            (n == 4 && fields[3] != "service")) {
          return input_error(fmt::format(
              "{}:{}: the header must be arrival_s,input_tokens,output_tokens[,service]", name,
              line_number));
        }
        continue;
      }
    }
    if (fields.size() < 3 || fields.size() > 4) {
      return input_error(
          fmt::format("{}:{}: {} fields; expected arrival_s,input_tokens,output_tokens[,service]",
                      name, line_number, fields.size()));
    }
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
        return input_error(
            fmt::format("{}: '{}' is not a whole number of tokens >= 1", where(k), f));
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
    out.push_back(req);
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

Result<Scenario> quick_scenario(const QuickSpec& spec, const catalog::Catalog& catalog,
                                const perf::EfficiencyTable& efficiency) {
  auto model = catalog.model(spec.model);
  if (!model.ok()) {
    return Error{model.error().kind, "--model: " + model.error().message};
  }
  auto acc = catalog.accelerator(spec.accelerator);
  if (!acc.ok()) {
    return Error{acc.error().kind, "--accelerator: " + acc.error().message};
  }
  if (!(spec.rate > 0) || !std::isfinite(spec.rate)) {
    return input_error(fmt::format("--rate: {} requests/s must be > 0", spec.rate));
  }
  if (spec.requests < 0 || !(spec.duration_s >= 0) ||
      (spec.requests == 0 && spec.duration_s == 0)) {
    return input_error("--requests (or --duration) must be > 0");
  }
  if (spec.input_len < 1 || spec.output_len < 1) {
    return input_error(fmt::format("--input-len {} and --output-len {} must be >= 1 token",
                                   spec.input_len, spec.output_len));
  }
  if (spec.arrival != "poisson" && spec.arrival != "gamma") {
    return input_error(
        fmt::format("--arrival: '{}' is not known; expected poisson or gamma", spec.arrival));
  }
  if (spec.arrival == "gamma" && (!(spec.cv > 0) || !std::isfinite(spec.cv))) {
    return input_error(fmt::format("--cv: {} must be > 0", spec.cv));
  }
  auto router = parse_router(spec.router);
  if (!router.ok()) {
    return Error{router.error().kind, "--router: " + router.error().message};
  }
  auto weights = catalog::parse_precision(spec.weights);
  FLEETPLAN_RETURN_IF_ERROR(weights);
  auto kv = catalog::parse_precision(spec.kv_cache);
  FLEETPLAN_RETURN_IF_ERROR(kv);
  DeploymentRequest req;
  req.model = *model;
  req.accelerator = *acc;
  req.count = spec.count;
  req.tp = spec.tp;
  req.weights = *weights;
  req.kv_cache = *kv;
  req.scheduler.max_batch = spec.max_batch;
  req.scheduler.token_budget = spec.token_budget;
  auto deployment = build_deployment(req, efficiency);
  if (!deployment.ok()) {
    return Error{deployment.error().kind,
                 fmt::format("--model {} --accelerator {} --count {}: {}", (*model)->name,
                             (*acc)->name, spec.count, deployment.error().message)};
  }
  Scenario s;
  s.source = "command line";
  s.fleet.router = *router;
  s.fleet.deployments.push_back(std::move(deployment).value());
  Service svc;
  svc.name = (*model)->name;
  svc.model = (*model)->name;
  svc.arrival.kind =
      spec.arrival == "gamma" ? ArrivalProcess::Kind::kGamma : ArrivalProcess::Kind::kPoisson;
  svc.arrival.rate = spec.rate;
  svc.arrival.cv = spec.arrival == "gamma" ? spec.cv : 1.0;
  svc.input = LengthDistribution::fixed(spec.input_len);
  svc.output = LengthDistribution::fixed(spec.output_len);
  if (spec.ttft_ms) {
    svc.ttft_target_s = *spec.ttft_ms / 1000.0;
  }
  if (spec.tpot_ms) {
    svc.tpot_target_s = *spec.tpot_ms / 1000.0;
  }
  s.workload.services.push_back(std::move(svc));
  s.workload.requests = spec.requests;
  s.workload.duration_s = spec.duration_s;
  FLEETPLAN_RETURN_IF_ERROR(validate(s.fleet, s.workload));
  return s;
}

}  // namespace fleetplan::sim
