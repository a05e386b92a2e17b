// The periods section and the demand of each period (see detail/parser.h).
#include "scenario/detail/parser.h"

namespace fleetplan::scenario::detail {

void Parser::parse_period(yaml::Reader& r) {
  Period p;
  p.name = unique_name(r, period_names_, "period");
  const auto start = date(r, "start", true);
  const auto end = date(r, "end", true);
  if (start) {
    p.start = *start;
  }
  if (end) {
    p.end = *end;
  }
  if (start && end && *end < *start) {
    r.fail("end", fmt::format("{} is before the start {}; expected end >= start", end->to_string(),
                              start->to_string()));
  }
  if (start && !out_.periods.empty()) {
    const Period& previous = out_.periods.back();
    if (!(previous.end < *start)) {
      r.fail("start", fmt::format("{} overlaps or precedes period '{}' ({} to {}); periods "
                                  "must be in time order and must not overlap",
                                  start->to_string(), previous.name, previous.start.to_string(),
                                  previous.end.to_string()));
    }
  }
  parse_exchange_rates(r, p);
  if (auto m = money(r, "budget", true)) {
    p.budget = *m;
    if (m->year == 0 && start) {
      p.budget.year = start->year;
    }
    auto usd = p.to_usd(p.budget);
    if (!usd.ok()) {
      r.fail("budget", usd.error().message);
    } else {
      p.budget_usd = *usd;
    }
  }
  p.budget_provenance = provenance(r);
  for (auto& line_reader : r.list("budget_lines", false)) {
    parse_budget_line(line_reader, p);
  }
  p.exchange_rates_source = r.string_or("exchange_rates_source", "");
  std::set<std::string> demanded;
  for (auto& d : r.list("demand", false)) {
    parse_demand(d, p, demanded);
  }
  r.reject_unknown_fields();
  out_.periods.push_back(std::move(p));
}

// The period's exchange rates: units of each currency per USD.
void Parser::parse_exchange_rates(yaml::Reader& r, Period& p) {
  yaml::Reader rates = r.map("exchange_rates", false);
  for (const auto& currency : rates.keys()) {
    const double rate = rates.number(currency, 1e-9, 1e9);
    if (!is_currency_code(currency)) {
      rates.fail(currency, fmt::format("'{}' is not a three-letter ISO currency code", currency));
    } else if (currency == "USD" && rate != 1.0) {
      rates.fail(currency, fmt::format("USD per USD is {}; expected 1", rate));
    } else if (rate > 0) {
      p.exchange_rates[currency] = rate;
    }
  }
}

// One budget line of a period: a part of its budget for some accelerators, sites,
// countries, spend items or modes.
void Parser::parse_budget_line(yaml::Reader& line_reader, Period& p) {
  BudgetLine line;
  std::set<std::string> seen_lines;
  for (const auto& l : p.budget_lines) {
    seen_lines.insert(l.name);
  }
  line.name = unique_name(line_reader, seen_lines, "budget line");
  if (auto m = money(line_reader, "amount", true)) {
    line.amount = *m;
    auto usd = p.to_usd(*m);
    if (!usd.ok()) {
      line_reader.fail("amount", usd.error().message);
    } else {
      line.usd = *usd;
      if (p.budget_usd > 0 && line.usd > p.budget_usd * (1 + 1e-9)) {
        line_reader.fail("amount",
                         fmt::format("{:.4g} USD exceeds the period's budget of {:.4g} USD; "
                                     "expected a part of the budget",
                                     line.usd, p.budget_usd));
      }
    }
  }
  for (const auto& a : line_reader.string_list("accelerators", false)) {
    line.accelerators.push_back(accelerator_name(line_reader, "accelerators", a, false));
  }
  line.sites = site_names(line_reader, "sites");
  line.countries = country_list(line_reader, "countries");
  line.not_countries = country_list(line_reader, "not_countries");
  for (const auto& item : line_reader.string_list("items", false)) {
    if (!contains(kSpendItems, item)) {
      line_reader.fail("items", fmt::format("'{}' is not a spend category; expected one of: "
                                            "{}",
                                            item, fmt::join(kSpendItems, ", ")));
    }
    line.items.push_back(item);
  }
  for (const auto& m : line_reader.string_list("modes", false)) {
    if (m != "buy" && m != "lease") {
      line_reader.fail("modes", fmt::format("'{}' is not a mode; expected buy or lease", m));
    }
    line.modes.push_back(m);
  }
  line.binding = line_reader.boolean_or("binding", true);
  line.provenance = provenance(line_reader);
  line_reader.reject_unknown_fields();
  p.budget_lines.push_back(std::move(line));
}

// The demand of a training service: flop, or gpu_hours on an accelerator.
void Parser::parse_training_demand(yaml::Reader& r, const ServiceSpec& service,
                                   const std::optional<double>& flop,
                                   const std::optional<double>& hours,
                                   const std::optional<std::string>& hours_on, Demand& d) {
  for (const char* key : {"tokens_per_day", "input_tokens_per_day", "output_tokens_per_day"}) {
    if (r.has(key)) {
      r.fail(key, fmt::format("'{}' is a training service; expected flop or gpu_hours, "
                              "not tokens",
                              d.service));
    }
  }
  if (flop && hours) {
    r.fail("gpu_hours", "give either flop or gpu_hours, not both");
  } else if (flop) {
    d.training_flop = *flop;
  } else if (hours) {
    d.training_gpu_hours = *hours;
    if (!hours_on) {
      r.fail("accelerator", "gpu_hours needs the accelerator the hours are on");
    } else {
      d.training_gpu_hours_accelerator = accelerator_name(r, "accelerator", *hours_on, true);
      auto acc = catalog_.accelerator(*hours_on);
      if (acc.ok()) {
        const double mfu =
            service.training_mfu > 0 ? service.training_mfu : out_.settings.training_mfu;
        // Model FLOP = hours x 3600 s x peak BF16 FLOP/s x MFU.
        d.training_flop = *hours * 3600.0 * (*acc)->peak_flops(catalog::Precision::kBf16) * mfu;
      }
    }
  } else if (hours_on) {
    r.fail("accelerator", "given without gpu_hours; expected both or neither");
  } else if (!r.has("flop") && !r.has("gpu_hours")) {
    r.fail("flop", fmt::format("training service '{}' needs flop or gpu_hours", d.service));
  }
}

void Parser::parse_demand(yaml::Reader& r, Period& p, std::set<std::string>& demanded) {
  Demand d;
  d.service = r.string("service");
  const ServiceSpec* service = out_.service(d.service);
  if (r.has("service") && service == nullptr) {
    std::vector<std::string> names;
    for (const auto& s : out_.services) {
      names.push_back(s.name);
    }
    r.fail("service", fmt::format("unknown service '{}'; expected one of: {}", d.service,
                                  fmt::join(names, ", ")));
  } else if (service != nullptr && !demanded.insert(d.service).second) {
    r.fail("service",
           fmt::format("service '{}' has two demand entries in period '{}'", d.service, p.name));
  }
  d.peak_to_average = r.number_or("peak_to_average", out_.settings.peak_to_average, 1.0, 24.0);
  const bool training = service != nullptr && service->kind == Use::kTraining;
  const auto total = r.optional_number("tokens_per_day", 0, 1e18);
  const auto input = r.optional_number("input_tokens_per_day", 0, 1e18);
  const auto output = r.optional_number("output_tokens_per_day", 0, 1e18);
  // A demand entry belongs to one service, whose kind says training: its training fields are
  // named as in a training job (`flop`, `accelerator`), without a `training_` prefix.
  r.renamed("training_flop", "flop");
  r.renamed("training_gpu_hours", "gpu_hours");
  r.renamed("training_gpu_hours_accelerator", "accelerator");
  const auto flop = r.optional_number("flop", 0, 1e35);
  const auto hours = r.optional_number("gpu_hours", 0, 1e15);
  const auto hours_on = r.optional_string("accelerator");
  const bool modelled = read_modelled_demand(r, d, out_);
  if (modelled && (total || input || output)) {
    r.fail(total ? "tokens_per_day" : "input_tokens_per_day",
           "give either tokens (tokens_per_day, input/output_tokens_per_day) or modelled "
           "demand (curve, users), not both");
  }
  if (service != nullptr && service->diurnal) {
    // The service's day by hour sets the peak hour.
    if (r.has("peak_to_average")) {
      r.fail("peak_to_average", fmt::format("service '{}' has a diurnal profile, which sets "
                                            "its peak-to-average ratio; expected none here",
                                            d.service));
    }
    d.peak_to_average = service->diurnal->peak_to_average();
  }
  if (service != nullptr && !training && !modelled) {
    if (total && (input || output)) {
      r.fail("tokens_per_day",
             "give either tokens_per_day or input_tokens_per_day and "
             "output_tokens_per_day, not both");
    } else if (total) {
      const double in_share = static_cast<double>(service->input_len) /
                              static_cast<double>(service->input_len + service->output_len);
      d.input_tokens_per_day = *total * in_share;
      d.output_tokens_per_day = *total - d.input_tokens_per_day;
    } else if (input && output) {
      d.input_tokens_per_day = *input;
      d.output_tokens_per_day = *output;
    } else if (!r.has("tokens_per_day") && !r.has("input_tokens_per_day") &&
               !r.has("output_tokens_per_day")) {
      r.fail("tokens_per_day", fmt::format("inference service '{}' needs tokens_per_day (or "
                                           "input_tokens_per_day and output_tokens_per_day)",
                                           d.service));
    } else if (!(input && output) &&
               (r.has("input_tokens_per_day") != r.has("output_tokens_per_day"))) {
      r.fail(input ? "input_tokens_per_day" : "output_tokens_per_day",
             "give both input_tokens_per_day and output_tokens_per_day");
    }
    for (const char* key : {"flop", "gpu_hours", "accelerator"}) {
      if (r.has(key)) {
        r.fail(key, fmt::format("'{}' is an inference service; expected tokens, not training "
                                "compute",
                                d.service));
      }
    }
  }
  if (service != nullptr && training) {
    parse_training_demand(r, *service, flop, hours, hours_on, d);
  }
  d.provenance = provenance(r);
  r.reject_unknown_fields();
  p.demand.push_back(std::move(d));
}

}  // namespace fleetplan::scenario::detail
