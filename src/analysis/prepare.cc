// prepare_sweep: from what the user wrote to the list of runs, every path and value
// checked against the scenario before any run starts.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "analysis/sweep.h"
#include "core/yaml_reader.h"
#include "perf/band.h"
#include "plan/build.h"

namespace fleetplan::analysis {
namespace {

// Splits "path=rest" at the first '=' outside brackets.
Result<std::pair<std::string, std::string>> split_assignment(std::string_view text,
                                                             std::string_view expected) {
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '[') {
      ++depth;
    } else if (text[i] == ']') {
      --depth;
    } else if (text[i] == '=' && depth == 0) {
      std::string path(text.substr(0, i));
      std::string rest(text.substr(i + 1));
      while (!path.empty() && path.back() == ' ') {
        path.pop_back();
      }
      while (!rest.empty() && rest.front() == ' ') {
        rest.erase(rest.begin());
      }
      return std::make_pair(path, rest);
    }
  }
  return input_error(fmt::format("'{}': expected {}", text, expected));
}

// A parameter at `path_text`, with its value in the file; the same path twice is an error.
Result<Parameter> new_parameter(const ScenarioDocument& document, const std::string& path_text,
                                const std::vector<Parameter>& existing) {
  auto path = parse_path(path_text);
  if (!path.ok()) {
    return path.error();
  }
  for (const auto& p : existing) {
    if (p.path.text == path->text) {
      return input_error(fmt::format("{}: given twice", path->text));
    }
  }
  auto base = document.value_at(*path);
  if (!base.ok()) {
    return base.error();
  }
  Parameter parameter;
  parameter.path = std::move(*path);
  parameter.shape = shape_of(*base);
  if (parameter.path.perf_error()) {
    parameter.shape.integer = false;  // a multiplier, never rounded to a whole number
  }
  return parameter;
}

Status check_perf_error(const Parameter& p, const std::string& value) {
  auto q = parse_quantity(value);
  if (!q.ok() || !q->unit.empty() || !(q->number > 0)) {
    return input_error(
        fmt::format("{} = '{}': expected a positive number (a multiplier on every "
                    "capacity, 1 = the model as it is)",
                    p.path.text, value));
  }
  return {};
}

// Each value of a grid parameter, written alone into the scenario, must pass its checks.
Status check_values(const ScenarioDocument& document, const Parameter& p,
                    const catalog::Catalog& catalog) {
  for (const auto& value : p.values) {
    if (p.path.perf_error()) {
      FLEETPLAN_RETURN_IF_ERROR(check_perf_error(p, value));
      continue;
    }
    auto variant = document.scenario_with({{&p.path, value}}, catalog);
    if (!variant.ok()) {
      return Error{variant.error().kind,
                   fmt::format("{} = '{}': {}", p.path.text, value, variant.error().message)};
    }
  }
  return {};
}

Status add_sets(const ScenarioDocument& document, const SweepSpec& spec,
                const catalog::Catalog& catalog, std::vector<Parameter>& parameters) {
  for (const auto& text : spec.sets) {
    auto parts = split_assignment(text, "path=values (a list a,b,c or a range a:b:n)");
    if (!parts.ok()) {
      return parts.error();
    }
    auto parameter = new_parameter(document, parts->first, parameters);
    if (!parameter.ok()) {
      return parameter.error();
    }
    auto values = parse_values(parts->second);
    if (!values.ok()) {
      return input_error(fmt::format("{}: {}", parameter->path.text, values.error().message));
    }
    parameter->values = std::move(*values);
    if (spec.mode == SweepMode::kMonteCarlo && parameter->values.size() > 1) {
      return input_error(fmt::format(
          "{}: a Monte Carlo sweep takes one fixed value per set parameter, got {}; give a "
          "distribution for values that vary",
          parameter->path.text, parameter->values.size()));
    }
    if (spec.mode == SweepMode::kTornado) {
      if (parameter->values.size() < 2) {
        return input_error(
            fmt::format("{}: a tornado needs a low and a high value (a list or a range), got '{}'",
                        parameter->path.text, parts->second));
      }
    }
    FLEETPLAN_RETURN_IF_ERROR(check_values(document, *parameter, catalog));
    parameters.push_back(std::move(*parameter));
  }
  return {};
}

// perf.error=band: a placeholder distribution that writes "band" in every sample; the run
// draws each pair's multiplier itself.
Distribution band_placeholder() {
  Distribution d;
  d.kind = DistributionKind::kChoice;
  d.text = "band: lognormal per accelerator x model through its estimate band's P10, P90";
  d.choices = {std::string(kBandDistribution)};
  d.probabilities = {1.0};
  return d;
}

Status add_distribution(const ScenarioDocument& document, const catalog::Catalog& catalog,
                        const std::string& path_text, const std::string& distribution_text,
                        std::string source, std::vector<Parameter>& parameters) {
  auto parameter = new_parameter(document, path_text, parameters);
  if (!parameter.ok()) {
    return parameter.error();
  }
  if (distribution_text == kBandDistribution) {
    if (!parameter->path.perf_error()) {
      return input_error(fmt::format(
          "{}: '{}' draws from the estimate bands of the performance model; only {} takes it",
          parameter->path.text, distribution_text, kPerfErrorPath));
    }
    parameter->distribution = band_placeholder();
    parameter->band = true;
    parameter->source = source.empty() ? "data/calibration/bands.yaml" : std::move(source);
    parameters.push_back(std::move(*parameter));
    return {};
  }
  auto distribution = parse_distribution(distribution_text);
  if (!distribution.ok()) {
    return input_error(fmt::format("{}: {}", parameter->path.text, distribution.error().message));
  }
  FLEETPLAN_RETURN_IF_ERROR(distribution->check_against(parameter->shape, parameter->path.text));
  if (parameter->path.perf_error() && (!distribution->numeric() || !distribution->unit.empty())) {
    return input_error(fmt::format("{}: '{}': expected a numeric distribution without a unit",
                                   parameter->path.text, distribution_text));
  }
  // The median written into the file must pass the scenario's checks (a unit the field does
  // not take, a value out of range); the draws of each run are checked again when it runs.
  parameter->values = {distribution->value_at(0.5, parameter->shape)};
  FLEETPLAN_RETURN_IF_ERROR(check_values(document, *parameter, catalog));
  parameter->values.clear();
  parameter->distribution = std::move(*distribution);
  parameter->source = std::move(source);
  parameters.push_back(std::move(*parameter));
  return {};
}

Status add_uncertainty(const ScenarioDocument& document, const catalog::Catalog& catalog,
                       const SweepSpec& spec, std::vector<Parameter>& parameters,
                       std::vector<Correlation>& correlations) {
  if (spec.uncertainty_text.empty()) {
    return {};
  }
  auto root = yaml::load_string(spec.uncertainty_text, spec.uncertainty_name);
  if (!root.ok()) {
    return root.error();
  }
  yaml::Reader reader(*root, spec.uncertainty_name);
  for (auto& item : reader.list("uncertainty")) {
    const std::string path = item.string("path");
    const std::string distribution = item.string("distribution");
    const std::string source = item.string_or("source", "");
    item.reject_unknown_fields();
    FLEETPLAN_RETURN_IF_ERROR(reader.status());
    auto added = add_distribution(document, catalog, path, distribution, source, parameters);
    if (!added.ok()) {
      return input_error(
          fmt::format("{}: {}: {}", spec.uncertainty_name, item.path(), added.error().message));
    }
  }
  for (auto& item : reader.list("correlations", false)) {
    const auto between = item.string_list("between");
    const double rank = item.number("rank", -0.999, 0.999);
    item.reject_unknown_fields();
    FLEETPLAN_RETURN_IF_ERROR(reader.status());
    if (between.size() != 2) {
      return input_error(fmt::format("{}: {}.between: expected two parameter paths, got {}",
                                     spec.uncertainty_name, item.path(), between.size()));
    }
    correlations.push_back({between[0], between[1], rank});
  }
  reader.reject_unknown_fields();
  return reader.status();
}

// The pairs a band draw scales, with their bands: every (accelerator, model) of an
// inference capacity of the base problem.
Status band_pairs_of(const plan::Built& built, const scenario::Scenario& base,
                     const catalog::Catalog& catalog, const perf::EfficiencyTable& efficiency,
                     const perf::BandTable& bands, std::vector<BandPair>& pairs) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& option : built.problem.options) {
    for (std::size_t s = 0; s < built.problem.services.size() && s < base.services.size(); ++s) {
      if (base.services[s].kind != scenario::Use::kInference || !(option.capacity[s] > 0)) {
        continue;
      }
      seen.emplace(option.accelerator, base.services[s].model);
    }
  }
  for (const auto& [accelerator_name, model_name] : seen) {
    auto accelerator = catalog.accelerator(accelerator_name);
    auto model = catalog.model(model_name);
    if (!accelerator.ok() || !model.ok()) {
      return accelerator.ok() ? model.error() : accelerator.error();
    }
    // The band key estimate uses: the factors' family (family/engine where calibrated so).
    const std::string& family = efficiency.for_family((*accelerator)->family).family;
    const perf::Band& band = bands.lookup(family, perf::model_class(**model));
    if (!(band.p10 > 0) || !(band.p90 >= band.p10)) {
      return input_error(
          fmt::format("estimate band {} x {}: p10 = {}, p90 = {}; expected 0 < p10 <= p90",
                      band.family_engine, band.model_class, band.p10, band.p90));
    }
    pairs.push_back({accelerator_name, model_name, band});
  }
  return {};
}

// Lower-triangular L with L L^T = the normal correlation matrix of the copula.
Result<std::vector<std::vector<double>>> cholesky(std::vector<std::vector<double>> a) {
  const std::size_t n = a.size();
  std::vector<std::vector<double>> l(n, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j <= i; ++j) {
      double sum = a[i][j];
      for (std::size_t k = 0; k < j; ++k) {
        sum -= l[i][k] * l[j][k];
      }
      if (i == j) {
        if (sum <= 1e-12) {
          return input_error(
              "the rank correlations contradict each other (their matrix is not positive "
              "definite)");
        }
        l[i][i] = std::sqrt(sum);
      } else {
        l[i][j] = sum / l[j][j];
      }
    }
  }
  return l;
}

// The Monte Carlo runs: sample i draws parameter j from stream (seed, i, j); correlated
// parameters get their draws through a Gaussian copula.
Status monte_carlo_runs(Sweep& sweep, const std::vector<Correlation>& correlations) {
  const auto& spec = sweep.spec;
  std::vector<std::size_t> correlated;  // parameter indices in the copula
  const auto index_of = [&](const std::string& path) -> Result<std::size_t> {
    for (std::size_t j = 0; j < sweep.parameters.size(); ++j) {
      if (sweep.parameters[j].path.text == path && sweep.parameters[j].distribution) {
        return j;
      }
    }
    return input_error(
        fmt::format("correlation: '{}' is not a parameter with a distribution", path));
  };
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  for (const auto& c : correlations) {
    auto a = index_of(c.first);
    auto b = index_of(c.second);
    if (!a.ok() || !b.ok()) {
      return a.ok() ? b.error() : a.error();
    }
    if (*a == *b) {
      return input_error(fmt::format("correlation of '{}' with itself", c.first));
    }
    if (!sweep.parameters[*a].distribution->numeric() ||
        !sweep.parameters[*b].distribution->numeric()) {
      return input_error(
          fmt::format("correlation {} ~ {}: both need numeric distributions", c.first, c.second));
    }
    for (auto j : {*a, *b}) {
      if (std::find(correlated.begin(), correlated.end(), j) == correlated.end()) {
        correlated.push_back(j);
      }
    }
    pairs.emplace_back(*a, *b);
  }
  std::sort(correlated.begin(), correlated.end());
  const std::size_t m = correlated.size();
  std::vector<std::vector<double>> matrix(m, std::vector<double>(m, 0.0));
  for (std::size_t i = 0; i < m; ++i) {
    matrix[i][i] = 1;
  }
  const auto pos = [&](std::size_t j) {
    return static_cast<std::size_t>(std::find(correlated.begin(), correlated.end(), j) -
                                    correlated.begin());
  };
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    const double r = normal_correlation_for_rank(correlations[k].rank);
    matrix[pos(pairs[k].first)][pos(pairs[k].second)] = r;
    matrix[pos(pairs[k].second)][pos(pairs[k].first)] = r;
  }
  auto l = cholesky(matrix);
  if (!l.ok()) {
    return l.error();
  }
  sweep.runs.assign(static_cast<std::size_t>(spec.samples), {});
  std::vector<double> u(sweep.parameters.size());
  std::vector<double> z(m);
  for (std::size_t i = 0; i < sweep.runs.size(); ++i) {
    for (std::size_t j = 0; j < sweep.parameters.size(); ++j) {
      u[j] = sample_uniform(spec.seed, i, j);
    }
    for (std::size_t a = 0; a < m; ++a) {
      z[a] = normal_quantile(u[correlated[a]]);
    }
    for (std::size_t a = 0; a < m; ++a) {
      double mixed = 0;
      for (std::size_t b = 0; b <= a; ++b) {
        mixed += (*l)[a][b] * z[b];
      }
      u[correlated[a]] = std::clamp(normal_cdf(mixed), 1e-300, 1 - 1e-16);
    }
    auto& run = sweep.runs[i];
    for (std::size_t j = 0; j < sweep.parameters.size(); ++j) {
      const auto& p = sweep.parameters[j];
      run.push_back(p.distribution ? p.distribution->value_at(u[j], p.shape) : p.values.front());
    }
  }
  return {};
}

void grid_runs(Sweep& sweep) {
  sweep.runs = {{}};
  for (const auto& p : sweep.parameters) {
    std::vector<std::vector<std::string>> next;
    next.reserve(sweep.runs.size() * p.values.size());
    for (const auto& run : sweep.runs) {
      for (const auto& value : p.values) {
        next.push_back(run);
        next.back().push_back(value);
      }
    }
    sweep.runs = std::move(next);
  }
}

// Run 0 is the base scenario; then each parameter at its low and its high value. A field the
// file leaves out has no value to write in the base run ("" leaves the file as it is).
void tornado_runs(Sweep& sweep) {
  std::vector<std::string> base;
  for (const auto& p : sweep.parameters) {
    base.push_back(p.shape.base);
  }
  sweep.runs = {base};
  for (std::size_t j = 0; j < sweep.parameters.size(); ++j) {
    for (const auto& value :
         {sweep.parameters[j].values.front(), sweep.parameters[j].values.back()}) {
      sweep.runs.push_back(base);
      sweep.runs.back()[j] = value;
    }
  }
}

void add_column(Sweep& sweep, std::string name, std::string unit, std::string description) {
  sweep.columns.push_back({std::move(name), std::move(unit), std::move(description)});
}

// The outputs of every run, named from the base scenario (a run only changes values, so
// periods, services, options and rules are the same in every run).
void define_columns(Sweep& sweep, const scenario::Scenario& base) {
  const std::string last_period = base.periods.empty() ? "" : base.periods.back().name;
  add_column(sweep, "served_tokens_per_day", "tokens/day",
             fmt::format("inference tokens a day served in period {}, all services", last_period));
  for (const auto& period : base.periods) {
    for (const auto& service : base.services) {
      if (service.kind == scenario::Use::kInference) {
        add_column(sweep, fmt::format("served_tokens_per_day[{}][{}]", period.name, service.name),
                   "tokens/day", "tokens a day served");
      } else {
        add_column(sweep, fmt::format("served_flop_per_s[{}][{}]", period.name, service.name),
                   "FLOP/s", "training compute served (sustained)");
      }
    }
  }
  add_column(sweep, "spend_usd", "USD", "cash spent over the horizon");
  if (sweep.currency != "USD") {
    add_column(sweep, fmt::format("spend_{}", sweep.currency), sweep.currency,
               "cash spent over the horizon, at each period's exchange rate of the run");
  }
  add_column(sweep, "cost_usd", "USD",
             "cash - value left at the end + unmet-demand penalties (the plan's cost)");
  if (sweep.objective == plan::Objective::kMaxServed) {
    // The run's `gap` is the last stage's (least cost at that service); a first stage stopped
    // by the node limit shows here.
    add_column(sweep, "served_gap", "share",
               "proven relative gap of the served demand (first stage of max-served)");
  }
  for (const auto& period : base.periods) {
    add_column(sweep, fmt::format("domestic_share_count[{}]", period.name), "share",
               "domestic accelerators among those acquired, by count");
    add_column(sweep, fmt::format("domestic_share_spend[{}]", period.name), "share",
               "domestic share of the period's accelerator spend");
  }
  std::set<std::string> seen;
  for (const auto& option : base.procurement) {
    const std::string name =
        fmt::format("acquired[{},{}]", option.accelerator, scenario::mode_name(option.mode));
    if (seen.insert(name).second) {
      add_column(sweep, name, "accelerators", "bought or leased over the horizon, all sites");
    }
  }
  for (const auto& rule : base.rules) {
    add_column(sweep, fmt::format("binding[{}]", rule.name), "flag",
               sweep.spec.rule_costs
                   ? "1 when the plan changes without the rule"
                   : "1 when a cap or share of the rule is tight (empty for rules that only "
                     "exclude; give rule costs to know)");
  }
  if (sweep.spec.rule_costs) {
    for (const auto& rule : base.rules) {
      add_column(sweep, fmt::format("rule_cost_usd[{}]", rule.name), "USD",
                 "extra cost over the horizon the rule causes");
    }
  }
}

Status collect_parameters(const ScenarioDocument& document, const SweepSpec& spec,
                          const catalog::Catalog& catalog, Sweep& sweep,
                          std::vector<Correlation>& correlations) {
  FLEETPLAN_RETURN_IF_ERROR(add_sets(document, spec, catalog, sweep.parameters));
  if (spec.mode != SweepMode::kMonteCarlo) {
    if (!spec.varies.empty() || !spec.uncertainty_text.empty()) {
      return input_error("distributions are for Monte Carlo sweeps; give a sample count");
    }
    if (sweep.parameters.empty()) {
      return input_error("nothing to sweep: give at least one parameter with its values");
    }
    return {};
  }
  for (const auto& text : spec.varies) {
    auto parts = split_assignment(text, "path=distribution, e.g. normal(6.96,0.15)");
    if (!parts.ok()) {
      return parts.error();
    }
    FLEETPLAN_RETURN_IF_ERROR(
        add_distribution(document, catalog, parts->first, parts->second, "", sweep.parameters));
  }
  FLEETPLAN_RETURN_IF_ERROR(
      add_uncertainty(document, catalog, spec, sweep.parameters, correlations));
  if (std::none_of(sweep.parameters.begin(), sweep.parameters.end(),
                   [](const Parameter& p) { return p.distribution.has_value(); })) {
    return input_error("a Monte Carlo sweep needs at least one parameter with a distribution");
  }
  if (spec.samples < 1 || spec.samples > kMaxRuns) {
    return input_error(fmt::format("sample count {}: expected 1 to {}", spec.samples, kMaxRuns));
  }
  return {};
}

}  // namespace

Result<Correlation> parse_correlation(std::string_view text) {
  constexpr std::string_view kExpected =
      "PATH_A,PATH_B=rank (a rank correlation in [-0.999, 0.999])";
  auto parts = split_assignment(text, kExpected);
  if (!parts.ok()) {
    return parts.error();
  }
  int depth = 0;
  std::size_t comma = std::string::npos;
  for (std::size_t i = 0; i < parts->first.size(); ++i) {
    const char c = parts->first[i];
    depth += c == '[' ? 1 : c == ']' ? -1 : 0;
    if (c == ',' && depth == 0) {
      if (comma != std::string::npos) {
        return input_error(
            fmt::format("'{}': expected {}; got more than two paths", text, kExpected));
      }
      comma = i;
    }
  }
  if (comma == std::string::npos) {
    return input_error(fmt::format("'{}': expected {}", text, kExpected));
  }
  const auto trimmed = [](std::string value) {
    while (!value.empty() && value.front() == ' ') {
      value.erase(value.begin());
    }
    while (!value.empty() && value.back() == ' ') {
      value.pop_back();
    }
    return value;
  };
  Correlation correlation;
  correlation.first = trimmed(parts->first.substr(0, comma));
  correlation.second = trimmed(parts->first.substr(comma + 1));
  auto rank = parse_quantity(parts->second);
  if (correlation.first.empty() || correlation.second.empty() || !rank.ok() ||
      !rank->unit.empty()) {
    return input_error(fmt::format("'{}': expected {}", text, kExpected));
  }
  if (!(rank->number >= -0.999 && rank->number <= 0.999)) {
    return input_error(
        fmt::format("'{}': rank {} is outside [-0.999, 0.999]", text, parts->second));
  }
  correlation.rank = rank->number;
  return correlation;
}

double band_multiplier(double p10, double p90, double u) {
  // ln m ~ N(mu, sigma): P10 = exp(mu - z sigma), P90 = exp(mu + z sigma), z = z_0.9.
  const double z = normal_quantile(0.9);
  const double mu = 0.5 * (std::log(p10) + std::log(p90));
  const double sigma = (std::log(p90) - std::log(p10)) / (2 * z);
  return std::exp(mu + sigma * normal_quantile(u));
}

const char* sweep_mode_name(SweepMode mode) {
  switch (mode) {
    case SweepMode::kGrid:
      return "grid";
    case SweepMode::kTornado:
      return "tornado";
    case SweepMode::kMonteCarlo:
      return "monte-carlo";
  }
  return "unknown";
}

Result<Sweep> prepare_sweep(const ScenarioDocument& document, const SweepSpec& spec,
                            const catalog::Catalog& catalog,
                            const perf::EfficiencyTable& efficiency) {
  Sweep sweep;
  sweep.mode = spec.mode;
  sweep.spec = spec;
  std::vector<Correlation> correlations = spec.correlations;
  for (const auto& text : spec.correlates) {
    auto correlation = parse_correlation(text);
    if (!correlation.ok()) {
      return correlation.error();
    }
    correlations.push_back(std::move(*correlation));
  }
  if (spec.mode != SweepMode::kMonteCarlo && !correlations.empty()) {
    return input_error("rank correlations relate sampled parameters: they are for Monte Carlo");
  }
  FLEETPLAN_RETURN_IF_ERROR(collect_parameters(document, spec, catalog, sweep, correlations));

  auto base = document.scenario_with({}, catalog);
  if (!base.ok()) {
    return base.error();
  }
  sweep.scenario = base->name;
  sweep.currency = base->settings.report_currency;
  sweep.objective = spec.objective.value_or(
      base->settings.objective == scenario::Objective::kMinCost ? plan::Objective::kMinCost
                                                                : plan::Objective::kMaxServed);
  auto built = plan::build_problem(*base, catalog, efficiency, {}, &sweep.capacity_cache);
  if (!built.ok()) {
    return built.error();
  }
  if (std::any_of(sweep.parameters.begin(), sweep.parameters.end(),
                  [](const Parameter& p) { return p.band; })) {
    perf::BandTable builtin;
    if (spec.bands == nullptr) {
      auto loaded = perf::BandTable::load_builtin();
      if (!loaded.ok()) {
        return loaded.error();
      }
      builtin = std::move(*loaded);
    }
    FLEETPLAN_RETURN_IF_ERROR(band_pairs_of(*built, *base, catalog, efficiency,
                                            spec.bands != nullptr ? *spec.bands : builtin,
                                            sweep.band_pairs));
  }
  define_columns(sweep, *base);
  const auto metric = std::find_if(sweep.columns.begin(), sweep.columns.end(),
                                   [&](const OutputColumn& c) { return c.name == spec.metric; });
  if (metric == sweep.columns.end()) {
    std::vector<std::string> names;
    for (const auto& c : sweep.columns) {
      names.push_back(c.name);
    }
    return not_found_error(fmt::format("unknown output '{}'; the outputs of this scenario: {}",
                                       spec.metric, fmt::join(names, ", ")));
  }
  sweep.metric = static_cast<std::size_t>(metric - sweep.columns.begin());

  switch (spec.mode) {
    case SweepMode::kGrid:
      grid_runs(sweep);
      break;
    case SweepMode::kTornado:
      tornado_runs(sweep);
      break;
    case SweepMode::kMonteCarlo:
      FLEETPLAN_RETURN_IF_ERROR(monte_carlo_runs(sweep, correlations));
      sweep.correlations = correlations;
      break;
  }
  if (static_cast<long long>(sweep.runs.size()) > kMaxRuns) {
    return input_error(fmt::format("{} runs: at most {} (every run's outputs are kept)",
                                   sweep.runs.size(), kMaxRuns));
  }
  return sweep;
}

}  // namespace fleetplan::analysis
