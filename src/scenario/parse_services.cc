// The assumptions, settings and services sections (see detail/parser.h).
#include "scenario/detail/parser.h"

namespace fleetplan::scenario::detail {

void Parser::parse_assumption(yaml::Reader& r) {
  Assumption a;
  a.name = unique_name(r, assumption_names_, "assumption");
  a.value = r.string("value");
  a.reasoning = r.string("reasoning");
  a.source = r.string_or("source", "");
  r.reject_unknown_fields();
  out_.assumptions.push_back(std::move(a));
}

namespace {

// Reads a setting with the default and range of its entry in the options registry.
double number_setting(yaml::Reader& r, std::string_view name) {
  const options::Spec& spec = settings_options().at(name);
  return r.number_or(spec.name, spec.default_number, spec.min, spec.max);
}

long long integer_setting(yaml::Reader& r, std::string_view name) {
  const options::Spec& spec = settings_options().at(name);
  return r.integer_or(spec.name, static_cast<long long>(spec.default_number),
                      static_cast<long long>(spec.min), static_cast<long long>(spec.max));
}

std::string choice_setting(yaml::Reader& r, std::string_view name) {
  const options::Spec& spec = settings_options().at(name);
  return r.choice_or(spec.name, spec.choices, spec.default_text);
}

}  // namespace

void Parser::parse_settings(yaml::Reader& r) {
  Settings& s = out_.settings;
  s.objective =
      choice_setting(r, "objective") == "min-cost" ? Objective::kMinCost : Objective::kMaxServed;
  s.shortfall_usd_per_million_tokens = number_setting(r, "shortfall_usd_per_million_tokens");
  s.report_currency = r.string_or("report_currency", setting_default_text("report_currency"));
  if (!is_currency_code(s.report_currency)) {
    r.fail("report_currency",
           fmt::format("'{}' is not a three-letter ISO currency code", s.report_currency));
  }
  s.training_mfu = number_setting(r, "training_mfu");
  s.peak_to_average = number_setting(r, "peak_to_average");
  s.planning_utilization = number_setting(r, "planning_utilization");
  const std::string coverage = choice_setting(r, "rule_coverage");
  s.rule_coverage = coverage == "any"        ? RuleCoverage::kAny
                    : coverage == "majority" ? RuleCoverage::kMajority
                                             : RuleCoverage::kDays;
  s.gap = number_setting(r, "gap");
  s.node_limit = integer_setting(r, "node_limit");
  const auto shape_search = [&](std::string_view name) {
    const std::string choice = choice_setting(r, name);
    return choice == "off"  ? ShapeSearch::kOff
           : choice == "on" ? ShapeSearch::kOn
                            : ShapeSearch::kAuto;
  };
  s.disaggregation = shape_search("disaggregation");
  s.mtp = shape_search("mtp");
  s.max_deployment = static_cast<int>(integer_setting(r, "max_deployment"));
  s.provenance = provenance(r);
  r.reject_unknown_fields();
}

void Parser::parse_service(yaml::Reader& r) {
  ServiceSpec s;
  s.name = unique_name(r, service_names_, "service");
  s.description = r.string_or("description", "");
  s.kind = parse_use(r.choice("kind", kUseChoices));
  const std::string model = r.string("model");
  const catalog::Model* found_model = nullptr;
  if (!model.empty()) {
    auto found = catalog_.model(model);
    if (!found.ok()) {
      r.fail("model", found.error().message);
      s.model = model;
    } else {
      s.model = (*found)->name;
      found_model = *found;
    }
  }
  const bool inference = s.kind == Use::kInference;
  if (inference) {
    s.input_len = static_cast<int>(r.integer("input_len", 1, 10'000'000));
    s.output_len = static_cast<int>(r.integer("output_len", 1, 10'000'000));
    // A request longer than the model's context window is a mistake in the file, not a plan
    // that cannot be met (the planner would find no deployment and call the plan infeasible).
    if (found_model != nullptr && found_model->max_context > 0 && s.input_len > 0 &&
        s.output_len > 0 && s.input_len + s.output_len > found_model->max_context) {
      r.fail("output_len", fmt::format("input_len {} + output_len {} = {} tokens exceed {}'s "
                                       "context window of {} tokens",
                                       s.input_len, s.output_len, s.input_len + s.output_len,
                                       found_model->name, found_model->max_context));
    }
    s.ttft_ms = r.number("ttft_ms", 1e-3, 1e7);
    s.tpot_ms = r.number("tpot_ms", 1e-3, 1e6);
  } else {
    s.input_len = static_cast<int>(r.integer_or("input_len", 0, 0, 10'000'000));
    s.output_len = static_cast<int>(r.integer_or("output_len", 0, 0, 10'000'000));
    for (const char* key : {"ttft_ms", "tpot_ms"}) {
      if (r.has(key)) {
        r.optional_number(key);
        r.fail(key,
               "latency targets apply to inference services; expected none for kind "
               "training");
      }
    }
  }
  for (const auto& [key, field] : {std::pair{"weights", &s.weights}, {"kv_cache", &s.kv_cache}}) {
    if (auto text = r.optional_string(key)) {
      auto p = catalog::parse_precision(*text);
      if (!p.ok()) {
        r.fail(key, p.error().message);
      } else {
        *field = *p;
      }
    }
  }
  s.training_mfu = r.number_or("training_mfu", 0, 0.01, 1.0);
  if (inference && r.has("training_mfu")) {
    r.fail("training_mfu",
           "training_mfu applies to training services; expected none for "
           "kind inference");
  }
  s.allowed_countries = country_list(r, "allowed_countries");
  if (r.has("allowed_countries") && s.allowed_countries.empty() && r.ok()) {
    r.fail("allowed_countries", "empty list; expected at least one country, or no field");
  }
  s.latency_classes = r.string_list("latency_classes", false);
  read_service_economics(r, s, catalog_, economics_money_, economics_refs_);
  s.provenance = provenance(r);
  r.reject_unknown_fields();
  out_.services.push_back(std::move(s));
}

}  // namespace fleetplan::scenario::detail
