#include "scenario/scenario.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/data_dir.h"
#include "core/yaml_reader.h"

namespace fleetplan::scenario {
namespace {

// Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar.
long long days_from_civil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long yoe = y - era * 400;
  const long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date civil_from_days(long long z) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const long long doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long y = yoe + era * 400;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  const long long d = doy - (153 * mp + 2) / 5 + 1;
  const long long m = mp + (mp < 10 ? 3 : -9);
  return {static_cast<int>(y + (m <= 2 ? 1 : 0)), static_cast<int>(m), static_cast<int>(d)};
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool is_currency_code(std::string_view code) {
  return code.size() == 3 && std::all_of(code.begin(), code.end(), [](char c) {
           return std::isupper(static_cast<unsigned char>(c)) != 0;
         });
}

bool is_country_code(std::string_view code) {
  return code.size() == 2 && std::all_of(code.begin(), code.end(), [](char c) {
           return std::isupper(static_cast<unsigned char>(c)) != 0;
         });
}

const std::vector<std::string> kModeChoices = {"buy", "lease"};
const std::vector<std::string> kSpendItems = {"accelerators", "server_overhead", "leases",
                                              "energy"};

bool contains(const std::vector<std::string>& items, const std::string& value) {
  return std::find(items.begin(), items.end(), value) != items.end();
}
const std::vector<std::string> kUseChoices = {"inference", "training"};
const std::vector<std::string> kRuleKinds = {"export_control", "domestic_share",
                                             "lease_verification", "use_restriction", "supply_cap"};

Mode parse_mode(const std::string& s) { return s == "lease" ? Mode::kLease : Mode::kBuy; }
Use parse_use(const std::string& s) { return s == "training" ? Use::kTraining : Use::kInference; }

// Reads the fields of one scenario file into a Scenario; errors go to the readers' sink.
class Parser {
 public:
  Parser(const catalog::Catalog& catalog, Scenario& out) : catalog_(catalog), out_(out) {}

  void parse(yaml::Reader& root) {
    out_.name = root.string("name");
    out_.description = root.string_or("description", "");
    {
      auto assumptions = root.list("assumptions", false);
      for (auto& r : assumptions) {
        parse_assumption(r);
      }
    }
    {
      yaml::Reader settings = root.map("settings", false);
      parse_settings(settings);
    }
    for (auto& r : root.list("services")) {
      parse_service(r);
    }
    for (auto& r : root.list("sites")) {
      parse_site(r);
    }
    // Periods come before procurement and rules because those refer to period names and
    // their money must convert with every period's rates.
    for (auto& r : root.list("periods")) {
      parse_period(r);
    }
    for (auto& r : root.list("procurement")) {
      parse_procurement(r);
    }
    for (auto& r : root.list("installed", false)) {
      parse_installed(r);
    }
    for (auto& r : root.list("rules", false)) {
      parse_rule(r);
    }
    root.reject_unknown_fields();
    check_provenance_references();
  }

 private:
  // ---- shared field readers -------------------------------------------------------------

  std::optional<Date> date(yaml::Reader& r, std::string_view key, bool required) {
    auto text = r.optional_string(key);
    if (!text) {
      if (required && !r.has(key)) {
        r.fail(key, "required date is missing; expected YYYY-MM-DD");
      }
      return std::nullopt;
    }
    auto parsed = parse_date(*text);
    if (!parsed.ok()) {
      r.fail(key, parsed.error().message);
      return std::nullopt;
    }
    return *parsed;
  }

  // A money amount: "160 bn CNY" or "20000 USD", optionally followed by a price year
  // ("20000 USD 2025"). A bare number has no currency and is rejected.
  std::optional<units::Money> money(yaml::Reader& r, std::string_view key, bool required,
                                    bool allow_negative = false) {
    const bool present = r.has(key);
    auto text = r.optional_string(key);
    if (!text) {
      if (required && !present) {
        r.fail(key, "required money amount is missing; expected e.g. '160 bn CNY' or '2.1 USD'");
      }
      return std::nullopt;
    }
    std::string_view body = *text;
    int year = 0;
    const auto last_space = body.find_last_of(' ');
    if (last_space != std::string_view::npos) {
      const std::string_view tail = body.substr(last_space + 1);
      if (tail.size() == 4 && std::all_of(tail.begin(), tail.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) != 0;
          })) {
        std::from_chars(tail.data(), tail.data() + tail.size(), year);
        body = body.substr(0, last_space);
      }
    }
    auto parsed = units::parse_money(body);
    if (!parsed.ok()) {
      r.fail(key, parsed.error().message);
      return std::nullopt;
    }
    units::Money m = *parsed;
    m.year = year;
    if (!allow_negative && m.amount < 0) {
      r.fail(key, fmt::format("'{}' is negative; expected an amount >= 0", *text));
      return std::nullopt;
    }
    return m;
  }

  // Checks that `m` converts in every period (the field is used in all of them).
  void check_convertible_everywhere(yaml::Reader& r, std::string_view key, const units::Money& m) {
    for (const auto& p : out_.periods) {
      if (!p.to_usd(m).ok()) {
        r.fail(key, fmt::format("currency {} has no exchange rate in period '{}'; add it to "
                                "periods[].exchange_rates (units per USD)",
                                m.currency, p.name));
        return;
      }
    }
  }

  Provenance provenance(yaml::Reader& r) {
    Provenance p;
    p.source = r.string_or("source", "");
    p.assumption = r.string_or("assumption", "");
    if (!p.assumption.empty()) {
      references_.push_back({r.path() + ".assumption", p.assumption, location_of(r, "assumption")});
    }
    return p;
  }

  static std::string location_of(const yaml::Reader& r, std::string_view key) {
    YAML::Node at = r.node();
    if (at.IsMap() && at[std::string(key)].IsDefined()) {
      at = at[std::string(key)];
    }
    const YAML::Mark mark = at.Mark();
    return fmt::format("{}:{}:{}", r.file(), mark.line + 1, mark.column + 1);
  }

  // A unique, non-empty name for an item of a list.
  std::string unique_name(yaml::Reader& r, std::set<std::string>& seen, std::string_view what) {
    std::string name = r.string("name");
    if (r.has("name") && name.empty()) {
      r.fail("name", fmt::format("empty {} name", what));
    } else if (!name.empty() && !seen.insert(name).second) {
      r.fail("name", fmt::format("duplicate {} name '{}'; names must be unique", what, name));
    }
    return name;
  }

  std::string accelerator_name(yaml::Reader& r, std::string_view key, const std::string& value,
                               bool need_figures) {
    auto found = catalog_.accelerator(value);
    if (!found.ok()) {
      r.fail(key, found.error().message);
      return value;
    }
    if (need_figures && !(*found)->has_performance_figures()) {
      r.fail(key, fmt::format("accelerator '{}' has no performance figures in the catalog, so "
                              "it cannot be planned; expected one with memory, bandwidth and "
                              "BF16 figures (see `fleetplan catalog accelerators`)",
                              value));
    }
    return (*found)->name;
  }

  static std::vector<std::string> country_list(yaml::Reader& r, std::string_view key) {
    auto codes = r.string_list(key, false);
    for (const auto& c : codes) {
      if (!is_country_code(c)) {
        r.fail(key, fmt::format("'{}' is not a country code; expected an ISO 3166 alpha-2 code "
                                "such as CN or MY",
                                c));
      }
    }
    return codes;
  }

  std::vector<std::string> site_names(yaml::Reader& r, std::string_view key) {
    auto names = r.string_list(key, false);
    for (const auto& n : names) {
      if (out_.site(n) == nullptr) {
        r.fail(key, fmt::format("unknown site '{}'; expected one of: {}", n, known_sites()));
      }
    }
    return names;
  }

  std::string known_sites() const {
    std::vector<std::string> names;
    for (const auto& s : out_.sites) {
      names.push_back(s.name);
    }
    return fmt::format("{}", fmt::join(names, ", "));
  }

  std::string known_periods() const {
    std::vector<std::string> names;
    for (const auto& p : out_.periods) {
      names.push_back(p.name);
    }
    return fmt::format("{}", fmt::join(names, ", "));
  }

  // ---- sections -----------------------------------------------------------------------

  void parse_assumption(yaml::Reader& r) {
    Assumption a;
    a.name = unique_name(r, assumption_names_, "assumption");
    a.value = r.string("value");
    a.reasoning = r.string("reasoning");
    a.source = r.string_or("source", "");
    r.reject_unknown_fields();
    out_.assumptions.push_back(std::move(a));
  }

  void parse_settings(yaml::Reader& r) {
    Settings& s = out_.settings;
    const std::string objective =
        r.choice_or("objective", {"min-cost", "max-served"}, "max-served");
    s.objective = objective == "min-cost" ? Objective::kMinCost : Objective::kMaxServed;
    s.shortfall_usd_per_million_tokens = r.number_or("shortfall_usd_per_million_tokens", 0, 0, 1e9);
    s.report_currency = r.string_or("report_currency", "USD");
    if (!is_currency_code(s.report_currency)) {
      r.fail("report_currency",
             fmt::format("'{}' is not a three-letter ISO currency code", s.report_currency));
    }
    s.training_mfu = r.number_or("training_mfu", 0.4, 0.01, 1.0);
    s.peak_to_average = r.number_or("peak_to_average", 1.0, 1.0, 24.0);
    s.planning_utilization = r.number_or("planning_utilization", 1.0, 0.05, 1.0);
    const std::string coverage = r.choice_or("rule_coverage", {"majority", "any"}, "majority");
    s.rule_coverage = coverage == "any" ? RuleCoverage::kAny : RuleCoverage::kMajority;
    s.provenance = provenance(r);
    r.reject_unknown_fields();
  }

  void parse_service(yaml::Reader& r) {
    Service s;
    s.name = unique_name(r, service_names_, "service");
    s.description = r.string_or("description", "");
    s.kind = parse_use(r.choice("kind", kUseChoices));
    const std::string model = r.string("model");
    if (!model.empty()) {
      auto found = catalog_.model(model);
      if (!found.ok()) {
        r.fail("model", found.error().message);
        s.model = model;
      } else {
        s.model = (*found)->name;
      }
    }
    const bool inference = s.kind == Use::kInference;
    if (inference) {
      s.input_len = static_cast<int>(r.integer("input_len", 1, 10'000'000));
      s.output_len = static_cast<int>(r.integer("output_len", 1, 10'000'000));
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
    s.provenance = provenance(r);
    r.reject_unknown_fields();
    out_.services.push_back(std::move(s));
  }

  void parse_site(yaml::Reader& r) {
    Site s;
    s.name = unique_name(r, site_names_, "site");
    s.description = r.string_or("description", "");
    s.country = r.string("country");
    if (r.has("country") && !is_country_code(s.country)) {
      r.fail("country", fmt::format("'{}' is not a country code; expected an ISO 3166 alpha-2 "
                                    "code such as CN or MY",
                                    s.country));
    }
    s.region = r.string_or("region", "");
    if (auto power = r.optional_string("power")) {
      auto watts = units::parse_power(*power);
      if (!watts.ok()) {
        r.fail("power", watts.error().message);
      } else if (watts->value <= 0) {
        r.fail("power", fmt::format("'{}' must be positive", *power));
      } else {
        s.power_w = watts->value;
      }
    } else if (!r.has("power")) {
      r.fail("power", "required power is missing; expected e.g. '300 MW'");
    }
    s.pue = r.number("pue", 1.0, 3.0);
    if (auto m = money(r, "energy_price_per_kwh", true)) {
      s.energy_price_per_kwh = *m;
      pending_money_.push_back({r, "energy_price_per_kwh", *m});
    }
    s.max_accelerators = r.optional_integer("max_accelerators", 1, 1'000'000'000);
    s.ownership = r.choice("ownership", {"owned", "leased"}) == "leased" ? Ownership::kLeased
                                                                         : Ownership::kOwned;
    s.operator_name = r.string("operator");
    s.operator_verified = r.boolean("operator_verified");
    s.provenance = provenance(r);
    r.reject_unknown_fields();
    out_.sites.push_back(std::move(s));
  }

  void parse_period(yaml::Reader& r) {
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
      r.fail("end", fmt::format("{} is before the start {}; expected end >= start",
                                end->to_string(), start->to_string()));
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
    {
      yaml::Reader rates = r.map("exchange_rates", false);
      for (const auto& currency : rates.keys()) {
        const double rate = rates.number(currency, 1e-9, 1e9);
        if (!is_currency_code(currency)) {
          rates.fail(currency,
                     fmt::format("'{}' is not a three-letter ISO currency code", currency));
        } else if (currency == "USD" && rate != 1.0) {
          rates.fail(currency, fmt::format("USD per USD is {}; expected 1", rate));
        } else if (rate > 0) {
          p.exchange_rates[currency] = rate;
        }
      }
    }
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
    p.exchange_rates_source = r.string_or("exchange_rates_source", "");
    std::set<std::string> demanded;
    for (auto& d : r.list("demand", false)) {
      parse_demand(d, p, demanded);
    }
    r.reject_unknown_fields();
    out_.periods.push_back(std::move(p));
  }

  void parse_demand(yaml::Reader& r, Period& p, std::set<std::string>& demanded) {
    Demand d;
    d.service = r.string("service");
    const Service* service = out_.service(d.service);
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
    const auto flop = r.optional_number("training_flop", 0, 1e35);
    const auto hours = r.optional_number("training_gpu_hours", 0, 1e15);
    const auto hours_on = r.optional_string("training_gpu_hours_accelerator");
    if (service != nullptr && !training) {
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
      for (const char* key :
           {"training_flop", "training_gpu_hours", "training_gpu_hours_accelerator"}) {
        if (r.has(key)) {
          r.fail(key, fmt::format("'{}' is an inference service; expected tokens, not training "
                                  "compute",
                                  d.service));
        }
      }
    }
    if (service != nullptr && training) {
      for (const char* key : {"tokens_per_day", "input_tokens_per_day", "output_tokens_per_day"}) {
        if (r.has(key)) {
          r.fail(key, fmt::format("'{}' is a training service; expected training_flop or "
                                  "training_gpu_hours, not tokens",
                                  d.service));
        }
      }
      if (flop && hours) {
        r.fail("training_gpu_hours", "give either training_flop or training_gpu_hours, not both");
      } else if (flop) {
        d.training_flop = *flop;
      } else if (hours) {
        d.training_gpu_hours = *hours;
        if (!hours_on) {
          r.fail("training_gpu_hours_accelerator",
                 "training_gpu_hours needs the accelerator the hours are on");
        } else {
          d.training_gpu_hours_accelerator =
              accelerator_name(r, "training_gpu_hours_accelerator", *hours_on, true);
          auto acc = catalog_.accelerator(*hours_on);
          if (acc.ok()) {
            const double mfu =
                service->training_mfu > 0 ? service->training_mfu : out_.settings.training_mfu;
            // Model FLOP = hours x 3600 s x peak BF16 FLOP/s x MFU.
            d.training_flop = *hours * 3600.0 * (*acc)->peak_flops(catalog::Precision::kBf16) * mfu;
          }
        }
      } else if (hours_on) {
        r.fail("training_gpu_hours_accelerator",
               "given without training_gpu_hours; expected both or neither");
      } else if (!r.has("training_flop") && !r.has("training_gpu_hours")) {
        r.fail("training_flop", fmt::format("training service '{}' needs training_flop or "
                                            "training_gpu_hours",
                                            d.service));
      }
    }
    d.provenance = provenance(r);
    r.reject_unknown_fields();
    p.demand.push_back(std::move(d));
  }

  void parse_procurement(yaml::Reader& r) {
    Procurement p;
    const std::string accelerator = r.string("accelerator");
    if (!accelerator.empty()) {
      p.accelerator = accelerator_name(r, "accelerator", accelerator, true);
      auto acc = catalog_.accelerator(accelerator);
      if (acc.ok()) {
        p.domestic = (*acc)->domestic_china;
      }
    }
    const std::string mode = r.choice("mode", kModeChoices);
    p.mode = parse_mode(mode);
    p.name = r.string_or("name", "");
    if (p.name.empty() && !p.accelerator.empty() && !mode.empty()) {
      p.name = fmt::format("{}-{}", p.accelerator, mode);
    }
    if (!p.name.empty() && !procurement_names_.insert(p.name).second) {
      r.fail(
          r.has("name") ? "name" : "accelerator",
          fmt::format("duplicate procurement option '{}'; give each option a unique name", p.name));
    }
    if (p.mode == Mode::kBuy) {
      if (auto m = money(r, "unit_price", true)) {
        p.unit_price = *m;
        check_convertible_everywhere(r, "unit_price", *m);
      }
      p.server_overhead = r.number_or("server_overhead", 0, 0, 5);
      p.depreciation_years = r.number("depreciation_years", 0.5, 30);
      for (const char* key :
           {"lease_price_per_gpu_hour", "min_term_months", "lease_includes_energy"}) {
        if (r.has(key)) {
          r.fail(key, fmt::format("'{}' applies to mode lease; expected none for mode buy", key));
        }
      }
    } else if (mode == "lease") {
      if (auto m = money(r, "lease_price_per_gpu_hour", true)) {
        p.lease_price_per_gpu_hour = *m;
        check_convertible_everywhere(r, "lease_price_per_gpu_hour", *m);
      }
      p.min_term_months = static_cast<int>(r.integer_or("min_term_months", 0, 0, 600));
      p.lease_includes_energy = r.boolean_or("lease_includes_energy", true);
      for (const char* key : {"unit_price", "server_overhead", "depreciation_years"}) {
        if (r.has(key)) {
          r.fail(key, fmt::format("'{}' applies to mode buy; expected none for mode lease", key));
        }
      }
    }
    p.sites = site_names(r, "sites");
    p.available_from = date(r, "available_from", false);
    p.available_until = date(r, "available_until", false);
    if (p.available_from && p.available_until && *p.available_until < *p.available_from) {
      r.fail("available_until",
             fmt::format("{} is before available_from {}", p.available_until->to_string(),
                         p.available_from->to_string()));
    }
    std::set<std::string> capped;
    for (auto& s : r.list("supply", false)) {
      SupplyLimit limit;
      limit.period = s.string("period");
      if (s.has("period") && out_.period(limit.period) == nullptr) {
        s.fail("period", fmt::format("unknown period '{}'; expected one of: {}", limit.period,
                                     known_periods()));
      } else if (!limit.period.empty() && !capped.insert(limit.period).second) {
        s.fail("period", fmt::format("period '{}' has two supply limits", limit.period));
      }
      limit.max_units = s.integer("max_units", 0, 1'000'000'000);
      limit.provenance = provenance(s);
      s.reject_unknown_fields();
      p.supply.push_back(std::move(limit));
    }
    p.provenance = provenance(r);
    r.reject_unknown_fields();
    out_.procurement.push_back(std::move(p));
  }

  void parse_installed(yaml::Reader& r) {
    Installed item;
    const std::string accelerator = r.string("accelerator");
    if (!accelerator.empty()) {
      item.accelerator = accelerator_name(r, "accelerator", accelerator, true);
      auto acc = catalog_.accelerator(accelerator);
      if (acc.ok()) {
        item.domestic = (*acc)->domestic_china;
      }
    }
    item.site = r.string("site");
    if (r.has("site") && out_.site(item.site) == nullptr) {
      r.fail("site",
             fmt::format("unknown site '{}'; expected one of: {}", item.site, known_sites()));
    }
    item.count = r.integer("count", 1, 1'000'000'000);
    item.acquired = r.string_or("acquired", "");
    item.provenance = provenance(r);
    r.reject_unknown_fields();
    out_.installed.push_back(std::move(item));
  }

  void parse_scope(yaml::Reader& r, RuleScope& scope) {
    for (const auto& a : r.string_list("accelerators", false)) {
      scope.accelerators.push_back(accelerator_name(r, "accelerators", a, false));
    }
    if (r.has("domestic")) {
      scope.domestic = r.boolean("domestic");
    }
    scope.sites = site_names(r, "sites");
    scope.countries = country_list(r, "countries");
    scope.not_countries = country_list(r, "not_countries");
    for (const auto& m : r.string_list("modes", false)) {
      if (m != "buy" && m != "lease") {
        r.fail("modes", fmt::format("'{}' is not a mode; expected buy or lease", m));
      } else {
        scope.modes.push_back(parse_mode(m));
      }
    }
  }

  void parse_rule(yaml::Reader& r) {
    Rule rule;
    rule.name = unique_name(r, rule_names_, "rule");
    const std::string kind = r.choice("kind", kRuleKinds);
    rule.description = r.string_or("description", "");
    if (auto d = date(r, "effective", true)) {
      rule.effective = *d;
    }
    rule.until = date(r, "until", false);
    if (rule.until && *rule.until < rule.effective) {
      r.fail("until", fmt::format("{} is before the effective date {}; expected until >= "
                                  "effective",
                                  rule.until->to_string(), rule.effective.to_string()));
    }
    rule.source = r.string("source");
    if (r.has("source") && rule.source.empty()) {
      r.fail("source", "empty source; every rule needs the source of its figure");
    }
    rule.enabled = r.boolean_or("enabled", true);
    parse_scope(r, rule.scope);

    // Parameters that belong to one kind only; given on another kind they are errors.
    static const std::vector<std::pair<std::string, std::string>> kKindFields = {
        {"action", "export_control"},        {"min_share", "domestic_share"},
        {"basis", "domestic_share"},         {"share_of", "domestic_share"},
        {"allowed_uses", "use_restriction"}, {"max_units", "supply_cap"},
        {"cumulative", "supply_cap"}};
    for (const auto& [field, owner] : kKindFields) {
      if (!kind.empty() && owner != kind && r.has(field)) {
        r.optional_string(field);
        r.fail(field,
               fmt::format("'{}' is a parameter of kind {}, not of kind {}", field, owner, kind));
      }
    }
    if (kind == "export_control") {
      rule.kind = RuleKind::kExportControl;
      rule.allow = r.choice_or("action", {"deny", "allow"}, "deny") == "allow";
    } else if (kind == "domestic_share") {
      rule.kind = RuleKind::kDomesticShare;
      rule.min_share = r.number("min_share", 0.0, 1.0);
      rule.basis = r.choice_or("basis", {"count", "spend"}, "count") == "spend"
                       ? ShareBasis::kSpend
                       : ShareBasis::kCount;
      rule.share_of = r.choice_or("share_of", {"acquisitions", "fleet"}, "acquisitions") == "fleet"
                          ? ShareOf::kFleet
                          : ShareOf::kAcquisitions;
      if (rule.scope.domestic) {
        r.fail("domestic",
               "a domestic_share rule counts domestic and foreign accelerators; "
               "expected no 'domestic' filter");
      }
    } else if (kind == "lease_verification") {
      rule.kind = RuleKind::kLeaseVerification;
      for (Mode m : rule.scope.modes) {
        if (m != Mode::kLease) {
          r.fail("modes",
                 "a lease_verification rule applies to leases; expected modes [lease] "
                 "or none");
        }
      }
    } else if (kind == "use_restriction") {
      rule.kind = RuleKind::kUseRestriction;
      const bool given = r.has("allowed_uses");
      for (const auto& u : r.string_list("allowed_uses", true)) {
        if (u != "inference" && u != "training") {
          r.fail("allowed_uses",
                 fmt::format("'{}' is not a use; expected inference or training", u));
        } else {
          rule.allowed_uses.push_back(parse_use(u));
        }
      }
      if (given && rule.allowed_uses.empty() && r.ok()) {
        r.fail("allowed_uses", "empty list; expected at least one of inference, training");
      }
    } else if (kind == "supply_cap") {
      rule.kind = RuleKind::kSupplyCap;
      rule.max_units = r.integer("max_units", 0, 1'000'000'000);
      rule.cumulative = r.boolean_or("cumulative", false);
    }
    r.reject_unknown_fields();
    out_.rules.push_back(std::move(rule));
  }

  void check_provenance_references() {
    for (const auto& ref : references_) {
      if (out_.assumption(ref.name) == nullptr) {
        std::vector<std::string> names;
        for (const auto& a : out_.assumptions) {
          names.push_back(a.name);
        }
        late_errors_.push_back(fmt::format("{}: {}: unknown assumption '{}'; expected one of: {}",
                                           ref.location, ref.path, ref.name,
                                           fmt::join(names, ", ")));
      }
    }
    // Site energy prices are read before the periods; check their currencies now.
    for (auto& pending : pending_money_) {
      check_convertible_everywhere(pending.reader, pending.key, pending.money);
    }
  }

 public:
  std::vector<std::string> late_errors_;

 private:
  struct Reference {
    std::string path;
    std::string name;
    std::string location;
  };
  struct PendingMoney {
    yaml::Reader reader;
    std::string key;
    units::Money money;
  };

  const catalog::Catalog& catalog_;
  Scenario& out_;
  std::set<std::string> assumption_names_;
  std::set<std::string> service_names_;
  std::set<std::string> site_names_;
  std::set<std::string> period_names_;
  std::set<std::string> procurement_names_;
  std::set<std::string> rule_names_;
  std::vector<Reference> references_;
  std::vector<PendingMoney> pending_money_;
};

// yaml-cpp keeps duplicate keys and lookups see the first one; report them instead.
std::optional<std::string> find_duplicate_key(const YAML::Node& node, const std::string& file,
                                              const std::string& path) {
  if (node.IsMap()) {
    std::map<std::string, int> first_line;
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      const std::string child = path.empty() ? key : fmt::format("{}.{}", path, key);
      const auto [it, inserted] = first_line.emplace(key, kv.first.Mark().line + 1);
      if (!inserted) {
        return fmt::format("{}:{}:{}: {}: duplicate key '{}' (first at line {})", file,
                           kv.first.Mark().line + 1, kv.first.Mark().column + 1, child, key,
                           it->second);
      }
      if (auto found = find_duplicate_key(kv.second, file, child)) {
        return found;
      }
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (auto found = find_duplicate_key(node[i], file, fmt::format("{}[{}]", path, i))) {
        return found;
      }
    }
  }
  return std::nullopt;
}

Result<Scenario> parse_node(const YAML::Node& node, const std::string& file,
                            const catalog::Catalog& catalog) {
  if (auto duplicate = find_duplicate_key(node, file, "")) {
    return input_error(*duplicate);
  }
  Scenario scenario;
  scenario.file = file;
  yaml::Reader root(node, file);
  if (!root.ok()) {
    return root.status().error();
  }
  Parser parser(catalog, scenario);
  parser.parse(root);
  FLEETPLAN_RETURN_IF_ERROR(root.status());
  if (!parser.late_errors_.empty()) {
    return input_error(parser.late_errors_.front());
  }
  return scenario;
}

}  // namespace

// ---- Date -------------------------------------------------------------------------------

long long Date::days_since_epoch() const { return days_from_civil(year, month, day); }

std::string Date::to_string() const { return fmt::format("{:04}-{:02}-{:02}", year, month, day); }

Date add_days(const Date& date, long long days) {
  return civil_from_days(date.days_since_epoch() + days);
}

Result<Date> parse_date(std::string_view text) {
  const auto bad = [&] {
    return input_error(
        fmt::format("'{}' is not a date; expected YYYY-MM-DD, e.g. 2025-12-08", text));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return bad();
  }
  Date d;
  const auto number = [&](std::size_t at, std::size_t len, int& out) {
    for (std::size_t i = at; i < at + len; ++i) {
      if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) {
        return false;
      }
    }
    std::from_chars(text.data() + at, text.data() + at + len, out);
    return true;
  };
  if (!number(0, 4, d.year) || !number(5, 2, d.month) || !number(8, 2, d.day)) {
    return bad();
  }
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > days_in_month(d.year, d.month)) {
    return input_error(
        fmt::format("'{}' is not a calendar date; expected YYYY-MM-DD with a "
                    "month 01-12 and a day that exists in that month",
                    text));
  }
  return d;
}

// ---- names ------------------------------------------------------------------------------

std::string_view use_name(Use use) { return use == Use::kTraining ? "training" : "inference"; }
std::string_view ownership_name(Ownership o) {
  return o == Ownership::kLeased ? "leased" : "owned";
}
std::string_view mode_name(Mode mode) { return mode == Mode::kLease ? "lease" : "buy"; }
std::string_view objective_name(Objective o) {
  return o == Objective::kMinCost ? "min-cost" : "max-served";
}
std::string_view rule_kind_name(RuleKind kind) {
  switch (kind) {
    case RuleKind::kExportControl:
      return "export_control";
    case RuleKind::kDomesticShare:
      return "domestic_share";
    case RuleKind::kLeaseVerification:
      return "lease_verification";
    case RuleKind::kUseRestriction:
      return "use_restriction";
    case RuleKind::kSupplyCap:
      return "supply_cap";
  }
  return "unknown";
}

// ---- Period, Procurement, Scenario ------------------------------------------------------

long long Period::days() const { return end.days_since_epoch() - start.days_since_epoch() + 1; }

Result<double> Period::to_usd(const units::Money& money) const {
  if (money.currency == "USD") {
    return money.amount;
  }
  const auto rate = exchange_rates.find(money.currency);
  if (rate == exchange_rates.end()) {
    return input_error(
        fmt::format("period '{}' has no exchange rate for {}; expected {} in "
                    "exchange_rates (units per USD)",
                    name, money.currency, money.currency));
  }
  return money.amount / rate->second;
}

const Demand* Period::demand_for(std::string_view service) const {
  for (const auto& d : demand) {
    if (d.service == service) {
      return &d;
    }
  }
  return nullptr;
}

Result<double> Procurement::unit_cost_usd(const Period& period) const {
  if (mode != Mode::kBuy) {
    return input_error(fmt::format("procurement '{}' is a lease; it has no unit price", name));
  }
  auto usd = period.to_usd(unit_price);
  if (!usd.ok()) {
    return usd.error();
  }
  return *usd * (1.0 + server_overhead);
}

Result<double> Procurement::lease_usd_per_hour(const Period& period) const {
  if (mode != Mode::kLease) {
    return input_error(fmt::format("procurement '{}' is a purchase; it has no lease price", name));
  }
  return period.to_usd(lease_price_per_gpu_hour);
}

bool Procurement::allowed_at(std::string_view site) const {
  return sites.empty() || std::find(sites.begin(), sites.end(), site) != sites.end();
}

double Procurement::available_fraction(const Period& period) const {
  const long long first =
      std::max(period.start.days_since_epoch(), available_from ? available_from->days_since_epoch()
                                                               : period.start.days_since_epoch());
  const long long last =
      std::min(period.end.days_since_epoch(), available_until ? available_until->days_since_epoch()
                                                              : period.end.days_since_epoch());
  if (last < first) {
    return 0.0;
  }
  return static_cast<double>(last - first + 1) / static_cast<double>(period.days());
}

std::optional<long long> Procurement::supply_cap(std::string_view period) const {
  for (const auto& s : supply) {
    if (s.period == period) {
      return s.max_units;
    }
  }
  return std::nullopt;
}

namespace {
template <typename T>
const T* find_by_name(const std::vector<T>& items, std::string_view name) {
  for (const auto& item : items) {
    if (item.name == name) {
      return &item;
    }
  }
  return nullptr;
}
}  // namespace

const Period* Scenario::period(std::string_view n) const { return find_by_name(periods, n); }
const Site* Scenario::site(std::string_view n) const { return find_by_name(sites, n); }
const Service* Scenario::service(std::string_view n) const { return find_by_name(services, n); }
const Rule* Scenario::rule(std::string_view n) const { return find_by_name(rules, n); }
const Assumption* Scenario::assumption(std::string_view n) const {
  return find_by_name(assumptions, n);
}
std::optional<std::size_t> Scenario::period_index(std::string_view n) const {
  for (std::size_t i = 0; i < periods.size(); ++i) {
    if (periods[i].name == n) {
      return i;
    }
  }
  return std::nullopt;
}

// ---- loading ----------------------------------------------------------------------------

Result<Scenario> load_scenario_text(const std::string& text, const std::string& name,
                                    const catalog::Catalog& catalog) {
  auto node = yaml::load_string(text, name);
  if (!node.ok()) {
    return node.error();
  }
  return parse_node(*node, name, catalog);
}

Result<Scenario> load_scenario_file(const std::string& path, const catalog::Catalog& catalog) {
  auto node = yaml::load_file(path);
  if (!node.ok()) {
    return node.error();
  }
  return parse_node(*node, path, catalog);
}

Result<Scenario> load_scenario_text(const std::string& text, const std::string& name) {
  auto catalog = catalog::Catalog::load();
  if (!catalog.ok()) {
    return catalog.error();
  }
  return load_scenario_text(text, name, *catalog);
}

Result<Scenario> load_scenario_file(const std::string& path) {
  auto catalog = catalog::Catalog::load();
  if (!catalog.ok()) {
    return catalog.error();
  }
  return load_scenario_file(path, *catalog);
}

std::vector<BuiltinScenario> builtin_scenarios() {
  std::vector<BuiltinScenario> out;
  const std::filesystem::path dir = std::filesystem::path(data_dir()) / "scenarios";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      out.push_back({entry.path().stem().string(), entry.path().string()});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const BuiltinScenario& a, const BuiltinScenario& b) { return a.name < b.name; });
  return out;
}

Result<std::string> builtin_scenario_path(std::string_view name) {
  std::vector<std::string> names;
  for (const auto& s : builtin_scenarios()) {
    if (s.name == name) {
      return s.path;
    }
    names.push_back(s.name);
  }
  return not_found_error(
      fmt::format("unknown scenario '{}'; built-in scenarios: {} (or give "
                  "the path of a scenario file)",
                  name, names.empty() ? "none found" : fmt::format("{}", fmt::join(names, ", "))));
}

Result<Scenario> load_scenario(std::string_view name_or_path, const catalog::Catalog& catalog) {
  const std::string text(name_or_path);
  std::error_code ec;
  if (std::filesystem::is_regular_file(text, ec)) {
    return load_scenario_file(text, catalog);
  }
  auto path = builtin_scenario_path(name_or_path);
  if (!path.ok()) {
    return path.error();
  }
  return load_scenario_file(*path, catalog);
}

}  // namespace fleetplan::scenario
