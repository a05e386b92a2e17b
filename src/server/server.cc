#include "server/server.h"

#include <httplib.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <numeric>
#include <random>
#include <regex>
#include <sstream>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "analysis/sweep.h"
#include "core/data_dir.h"
#include "core/json.h"
#include "plan/plan.h"
#include "report/estimate_run.h"
#include "report/json_fields.h"
#include "report/listing_json.h"
#include "report/plan_diff.h"
#include "report/plan_run.h"
#include "report/simulate_run.h"
#include "report/sweep_report.h"
#include "scenario/scenario.h"
#include "server/jobs.h"
#include "server/sweep_request.h"
#include "sim/output.h"
#include "store/store.h"

namespace fleetplan::server {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr const char* kJson = "application/json";
constexpr const char* kVersion = FLEETPLAN_VERSION;

void reply(httplib::Response& res, int status, const ordered_json& body) {
  res.status = status;
  res.set_content(body.dump(2) + "\n", kJson);
}

void reply_error(httplib::Response& res, int status, const std::string& message) {
  reply(res, status, {{"error", message}});
}

// Input errors are the requester's (400); anything else is ours (500).
int status_for(const Error& error) { return error.kind == ErrorKind::kInternal ? 500 : 400; }

Result<json> body_json(const std::string& body) {
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    return input_error(fmt::format("request body is not JSON: {}", e.what()));
  }
}

Result<long long> id_of(const std::string& text) {
  if (text.size() > 15) {
    return not_found_error(fmt::format("no plan {}", text));
  }
  return std::stoll(text);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ordered_json parse_or_null(const std::optional<std::string>& text) {
  if (!text) {
    return nullptr;
  }
  try {
    return ordered_json::parse(*text);
  } catch (const json::parse_error&) {
    return nullptr;
  }
}

ordered_json summary_json(const store::PlanRecord& r) {
  const auto optional = [](const std::optional<std::string>& v) {
    return v ? ordered_json(*v) : ordered_json();
  };
  const bool sweep = r.inputs.kind == store::JobKind::kSweep;
  return {{sweep ? "sweep_id" : "plan_id", r.id},
          {"job_id", r.id},
          {"scenario", r.inputs.scenario},
          {"source", r.inputs.source},
          {"created_at", r.inputs.created_at},
          {"started_at", optional(r.started_at)},
          {"finished_at", optional(r.finished_at)},
          {"state", store::plan_state_name(r.state)},
          {"status", optional(r.status)},
          {"objective", optional(r.objective)},
          {"options", parse_or_null(r.inputs.options)},
          {"version", r.inputs.version},
          {"error", optional(r.error)},
          {"headline", parse_or_null(r.headline)}};
}

std::string content_type(const std::filesystem::path& path) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"}};
  auto found = kTypes.find(path.extension().string());
  return found != kTypes.end() ? found->second : "application/octet-stream";
}

// Constant-time comparison: its time depends on the secret's length only, never on where
// `given` first differs, so that the token cannot be guessed a byte at a time.
bool same_secret(std::string_view given, std::string_view secret) {
  unsigned diff = given.size() == secret.size() ? 0U : 1U;
  for (std::size_t i = 0; i < secret.size(); ++i) {
    const auto g = static_cast<unsigned char>(i < given.size() ? given[i] : 0);
    diff |= static_cast<unsigned>(g ^ static_cast<unsigned char>(secret[i]));
  }
  return diff == 0 && !secret.empty();
}

// The browser's session cookie: HttpOnly (no script reads it), SameSite=Strict (no other
// site's page sends it), for 30 days. Its value is a session id of the server (Sessions),
// never the token: a cookie read off a disk does not give the token, and /logout ends it.
constexpr const char* kCookie = "fleetplan_session";
constexpr int kCookieSeconds = 30 * 24 * 3600;

// The sessions of logged-in browsers, kept on the server: each login gets its own id of
// kSessionIdBits random bits, read from std::random_device (the kernel's random source on
// Linux, not a seeded pseudo-random sequence), as hex. An id is valid until it expires
// (kCookieSeconds) or its browser logs out; past kMaxSessions the oldest is dropped.
class Sessions {
 public:
  static constexpr int kSessionIdBits = 256;
  static constexpr std::size_t kMaxSessions = 4096;

  std::string open() {
    std::random_device random;
    std::string id;
    for (int bits = 0; bits < kSessionIdBits; bits += 32) {
      id += fmt::format("{:08x}", static_cast<std::uint32_t>(random()));
    }
    const std::lock_guard lock(mutex_);
    if (ids_.size() >= kMaxSessions) {
      ids_.erase(ids_.begin());
    }
    ids_.emplace_back(id, Clock::now() + std::chrono::seconds(kCookieSeconds));
    return id;
  }

  // Whether `id` is an open session; compares in time independent of where they differ.
  bool valid(std::string_view id) {
    const std::lock_guard lock(mutex_);
    drop_expired();
    bool found = false;
    for (const auto& session : ids_) {
      found = same_secret(id, session.first) || found;
    }
    return found;
  }

  void close(std::string_view id) {
    const std::lock_guard lock(mutex_);
    std::erase_if(ids_, [&](const auto& session) { return same_secret(id, session.first); });
  }

 private:
  using Clock = std::chrono::steady_clock;
  void drop_expired() {
    const auto now = Clock::now();
    std::erase_if(ids_, [&](const auto& session) { return session.second <= now; });
  }
  std::mutex mutex_;
  std::vector<std::pair<std::string, Clock::time_point>> ids_;  // id, expiry; oldest first
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or empty.
std::string cookie_of(const std::string& header, std::string_view name) {
  std::size_t at = 0;
  while (at < header.size()) {
    const std::size_t end = std::min(header.find(';', at), header.size());
    std::string_view pair = std::string_view(header).substr(at, end - at);
    while (!pair.empty() && pair.front() == ' ') {
      pair.remove_prefix(1);
    }
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    at = end + 1;
  }
  return "";
}

// Field `name` of a form body (application/x-www-form-urlencoded), decoded, or empty.
std::string form_field(const std::string& body, std::string_view name) {
  std::size_t at = 0;
  while (at <= body.size()) {
    const std::size_t end = std::min(body.find('&', at), body.size());
    const std::string_view pair = std::string_view(body).substr(at, end - at);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      std::string out;
      const std::string_view value = pair.substr(name.size() + 1);
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '+') {
          out += ' ';
        } else if (value[i] == '%' && i + 2 < value.size() &&
                   std::isxdigit(static_cast<unsigned char>(value[i + 1])) != 0 &&
                   std::isxdigit(static_cast<unsigned char>(value[i + 2])) != 0) {
          out += static_cast<char>(std::stoi(std::string(value.substr(i + 1, 2)), nullptr, 16));
          i += 2;
        } else {
          out += value[i];
        }
      }
      return out;
    }
    at = end + 1;
  }
  return "";
}

// The page a browser gets without the token: what to do, and a form that posts it.
std::string login_page(bool wrong) {
  return fmt::format(
      "<!doctype html><html lang=en><meta charset=utf-8>"
      "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
      "<title>fleetplan: log in</title><style>"
      "body{{font:16px/1.5 system-ui,sans-serif;background:#f4f6f9;color:#1d2733;margin:0}}"
      "main{{max-width:30rem;margin:12vh auto;background:#fff;border:1px solid #d9dee5;"
      "border-radius:10px;padding:2rem 2.25rem}}h1{{font-size:1.35rem;margin:0 0 .75rem}}"
      "code{{background:#eef1f5;padding:0 .25rem;border-radius:4px}}"
      "input{{width:100%;box-sizing:border-box;font:inherit;padding:.5rem .6rem;"
      "border:1px solid #b9c2cf;border-radius:6px;margin:.25rem 0 1rem}}"
      "button{{font:inherit;font-weight:600;background:#1f5fbf;color:#fff;border:0;"
      "border-radius:6px;padding:.55rem 1.2rem;cursor:pointer}}"
      ".bad{{color:#b42318;font-weight:600}}</style>"
      "<main><h1>fleetplan: log in</h1>{}"
      "<p>This server was started with <code>--token-file</code>. Open the address "
      "<code>fleetplan serve</code> printed with <code>?token=TOKEN</code> added, or paste "
      "the token from that file here.</p>"
      "<form method=post action=/login><label for=token>Token</label>"
      "<input id=token name=token type=password autocomplete=current-password autofocus>"
      "<button type=submit>Log in</button></form>"
      "<p><small>The browser then keeps a session cookie for 30 days; API clients send "
      "<code>Authorization: Bearer TOKEN</code>.</small></p></main></html>\n",
      wrong ? "<p class=bad>That token is not this server's.</p>" : "");
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  catalog::Catalog catalog;
  perf::EfficiencyTable efficiency;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<JobQueue> jobs;
  httplib::Server http;
  std::string scenarios_body;
  std::string catalog_body;
  int port = 0;
  // Estimates and simulations in flight, including ones past their time limit whose
  // answer nobody waits for any more.
  std::mutex compute_mutex;
  std::condition_variable compute_done;
  int computing = 0;

  Sessions sessions;  // the session cookies' values

  Impl(const ServerOptions& o, catalog::Catalog c, perf::EfficiencyTable e)
      : options(o), catalog(std::move(c)), efficiency(std::move(e)) {}

  // The bearer token in the Authorization header, or the session cookie.
  [[nodiscard]] bool authorized(const httplib::Request& req);
  void login(const httplib::Request& req, httplib::Response& res);
  void grant(httplib::Response& res, const std::string& to);

  Status prepare_listings();
  void routes();
  void guard();
  void run_job(long long id, const std::function<void(double)>& progress);
  void run_sweep_job(const store::PlanRecord& r, const std::function<void(double)>& progress);
  // Runs `body` on its own thread; answers 503 past the request time limit.
  void compute(httplib::Response& res, const std::function<Result<std::string>()>& body);

  void post_plan(const std::string& body, httplib::Response& res);
  void post_sweep(const std::string& body, httplib::Response& res);
  void list_plans(const httplib::Request& req, httplib::Response& res, store::JobKind kind);
  void get_plan(const httplib::Request& req, httplib::Response& res, store::JobKind kind);
  void get_inputs(const httplib::Request& req, httplib::Response& res, store::JobKind kind);
  void get_diff(const httplib::Request& req, httplib::Response& res);
  void get_job(const httplib::Request& req, httplib::Response& res);
  void post_estimate(const std::string& body, httplib::Response& res);
  void post_simulate(const std::string& body, httplib::Response& res);
  void get_static(const httplib::Request& req, httplib::Response& res);
  void health(httplib::Response& res);
  // A done plan (or sweep) by id, or an answer (404, 409) already written into `res`.
  std::optional<store::PlanRecord> done_plan(const std::string& id_text, httplib::Response& res,
                                             store::ReadParts parts,
                                             store::JobKind kind = store::JobKind::kPlan);
};

Status Server::Impl::prepare_listings() {
  ordered_json scenarios = ordered_json::array();
  for (const auto& b : scenario::builtin_scenarios()) {
    auto s = scenario::load_scenario_file(b.path, catalog);
    if (!s.ok()) {
      return s.error();
    }
    ordered_json entry = report::scenario_summary_json(b.name, *s);
    entry["yaml"] = read_text(b.path);
    scenarios.push_back(entry);
  }
  scenarios_body = ordered_json{{"scenarios", scenarios}}.dump(2) + "\n";
  catalog_body = report::catalog_json(catalog).dump(2) + "\n";
  return {};
}

void Server::Impl::run_job(long long id, const std::function<void(double)>& progress) {
  const auto fail = [&](const std::string& message) {
    auto failed = store->fail_plan(id, message, store::utc_now());
    if (!failed.ok()) {
      fmt::print(stderr, "fleetplan serve: plan {}: {}\n", id, failed.error().message);
    }
  };
  if (auto marked = store->mark_running(id, store::utc_now()); !marked.ok()) {
    fmt::print(stderr, "fleetplan serve: plan {}: {}\n", id, marked.error().message);
    return;
  }
  auto record = store->plan(id, {true, false});
  if (!record.ok() || !record->has_value()) {
    fmt::print(stderr, "fleetplan serve: plan {} cannot be read back\n", id);
    return;
  }
  const store::PlanRecord& r = **record;
  if (r.inputs.kind == store::JobKind::kSweep) {
    return run_sweep_job(r, progress);
  }
  auto plan_options = report::parse_plan_options(parse_or_null(r.inputs.options), "options");
  if (!plan_options.ok()) {
    return fail(plan_options.error().message);
  }
  auto scenario = scenario::load_scenario_text(r.inputs.scenario_text, "request", catalog);
  if (!scenario.ok()) {
    return fail(scenario.error().message);
  }
  progress(0.05);
  auto run =
      report::run_plan(*scenario, catalog, efficiency, *plan_options, r.inputs.source, progress);
  if (!run.ok()) {
    return fail(run.error().message);
  }
  const auto plan = run->json();
  store::FinishedPlan finished;
  finished.status = plan.value("status", "");
  finished.objective = plan.value("objective", "");
  finished.result = fleetplan::json::dump(plan);  // byte for byte what `plan --json` prints
  // From the printed figures (7 significant digits), so that the list adds up what a plan shows.
  finished.headline = report::plan_headline(json::parse(finished.result)).dump();
  finished.finished_at = store::utc_now();
  if (auto stored = store->finish_plan(id, finished); !stored.ok()) {
    fmt::print(stderr, "fleetplan serve: plan {}: {}\n", id, stored.error().message);
  }
}

namespace {

// The scenario of a request: a built-in scenario's name or YAML text. A one-line value
// without a colon is a name; a file path is never opened.
struct RequestScenario {
  std::string text;
  std::string source;  //!< "built-in scenario NAME" or "request"
  //! The file named in messages: the built-in scenario's name (never its path on the
  //! server's disk) or "request".
  std::string message_name;
};

Result<RequestScenario> request_scenario(const std::string& given) {
  if (given.empty()) {
    return input_error("scenario is required: a built-in scenario name or a scenario's YAML text");
  }
  if (given.find('\n') != std::string::npos || given.find(':') != std::string::npos) {
    return RequestScenario{given, "request", "request"};
  }
  auto path = scenario::builtin_scenario_path(given);
  if (!path.ok()) {
    return path.error();
  }
  return RequestScenario{read_text(*path), "built-in scenario " + given, given};
}

// The body of a job request, {"scenario": NAME-or-YAML, "options": {...}}: its scenario
// resolved and its options (null when absent). Every error is the client's (HTTP 400).
struct JobRequest {
  RequestScenario scenario;
  json options;
};

Result<JobRequest> job_request(const std::string& request) {
  auto body = body_json(request);
  if (!body.ok()) {
    return body.error();
  }
  std::string given;
  report::JsonFields fields(*body, "");
  fields.text("scenario", given);
  const bool has_options = fields.has("options");
  FLEETPLAN_RETURN_IF_ERROR(fields.finish());
  auto resolved = request_scenario(given);
  if (!resolved.ok()) {
    return resolved.error();
  }
  return JobRequest{*std::move(resolved), has_options ? (*body)["options"] : json()};
}

// A stored sweep's scenario document, named in messages as the request named it: a
// built-in scenario by its name (not its path on the server's disk), else "request".
Result<analysis::ScenarioDocument> sweep_document(const store::PlanRecord& r) {
  std::string name = "request";
  if (const std::string builtin = "built-in scenario "; r.inputs.source.starts_with(builtin)) {
    name = r.inputs.source.substr(builtin.size());
  }
  return analysis::ScenarioDocument::from_text(r.inputs.scenario_text, name);
}

// A sweep's figures for the listing: its size and the metric's statistics, taken from the
// printed JSON (its significant digits), so that the list shows what the sweep shows.
ordered_json sweep_headline(const ordered_json& printed) {
  const ordered_json& summary = printed.at("summary");
  ordered_json headline = {{"mode", printed.at("mode")},
                           {"runs", summary.at("runs")},
                           {"planned", summary.at("planned")},
                           {"infeasible", summary.at("infeasible")},
                           {"metric", printed.at("metric")}};
  for (const auto& output : summary.at("outputs")) {
    if (output.at("name") == printed.at("metric")) {
      headline["metric_unit"] = output.at("unit");
      for (const char* key : {"mean", "p10", "p50", "p90"}) {
        if (output.contains(key) && output.at(key).is_number()) {
          headline[std::string("metric_") + key] = output.at(key);
        }
      }
    }
  }
  return headline;
}

}  // namespace

void Server::Impl::run_sweep_job(const store::PlanRecord& r,
                                 const std::function<void(double)>& progress) {
  const auto fail = [&](const std::string& message) {
    auto failed = store->fail_plan(r.id, message, store::utc_now());
    if (!failed.ok()) {
      fmt::print(stderr, "fleetplan serve: sweep {}: {}\n", r.id, failed.error().message);
    }
  };
  auto spec = parse_sweep_options(parse_or_null(r.inputs.options), "options");
  if (!spec.ok()) {
    return fail(spec.error().message);
  }
  auto document = sweep_document(r);
  if (!document.ok()) {
    return fail(document.error().message);
  }
  auto sweep = analysis::prepare_sweep(*document, *spec, catalog, efficiency);
  if (!sweep.ok()) {
    return fail(sweep.error().message);
  }
  progress(0.05);
  std::vector<std::size_t> all(sweep->runs.size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  analysis::RunOptions run_options;
  run_options.jobs = std::max(1, options.jobs);
  // Threads, not worker processes: forking a server that has other threads is unsafe.
  run_options.workers = analysis::RunOptions::Workers::kThreads;
  const double total = static_cast<double>(std::max<std::size_t>(1, all.size()));
  run_options.progress = [&progress, total](std::size_t done) {
    progress(0.05 + 0.9 * static_cast<double>(done) / total);
  };
  auto outcomes = analysis::run_sweep(*sweep, *document, catalog, efficiency, all, run_options);
  if (!outcomes.ok()) {
    return fail(outcomes.error().message);
  }
  if (auto status = analysis::first_run_error(*sweep, *outcomes); !status.ok()) {
    return fail(status.error().message);
  }
  const auto summary = analysis::summarize(*sweep, *outcomes);
  report::SweepContext context;
  context.source = r.inputs.source;
  store::FinishedPlan finished;
  finished.status = "complete";
  finished.objective = plan::objective_name(sweep->objective);
  // Byte for byte what `fleetplan sweep --json` prints (cmd_sweep.cc: dump(2) and a newline).
  finished.result = report::sweep_json(*sweep, *outcomes, summary, context).dump(2) + "\n";
  finished.headline = sweep_headline(ordered_json::parse(finished.result)).dump();
  finished.finished_at = store::utc_now();
  if (auto stored = store->finish_plan(r.id, finished); !stored.ok()) {
    fmt::print(stderr, "fleetplan serve: sweep {}: {}\n", r.id, stored.error().message);
  }
}

void Server::Impl::compute(httplib::Response& res,
                           const std::function<Result<std::string>()>& body) {
  struct Shared {
    std::mutex mutex;
    std::condition_variable done;
    std::optional<Result<std::string>> result;
  };
  {
    const std::lock_guard lock(compute_mutex);
    if (computing >= options.compute_limit) {
      return reply_error(
          res, 503, fmt::format("{} estimates or simulations are running; retry later", computing));
    }
    ++computing;
  }
  auto shared = std::make_shared<Shared>();
  std::thread([this, shared, body] {
    Result<std::string> result = body();
    {
      const std::lock_guard lock(shared->mutex);
      shared->result = std::move(result);
    }
    shared->done.notify_all();
    const std::lock_guard lock(compute_mutex);
    --computing;
    compute_done.notify_all();
  }).detach();
  std::unique_lock lock(shared->mutex);
  const auto limit = std::chrono::duration<double>(options.request_time_limit_s);
  if (!shared->done.wait_for(lock, limit, [&] { return shared->result.has_value(); })) {
    return reply_error(res, 503,
                       fmt::format("the request ran past the time limit of {} s; ask for less "
                                   "(fewer requests, a smaller fleet)",
                                   options.request_time_limit_s));
  }
  if (!shared->result->ok()) {
    return reply_error(res, status_for(shared->result->error()), shared->result->error().message);
  }
  res.status = 200;
  res.set_content(shared->result->value(), kJson);
}

void Server::Impl::post_plan(const std::string& request, httplib::Response& res) {
  auto asked = job_request(request);
  if (!asked.ok()) {
    return reply_error(res, 400, asked.error().message);
  }
  const RequestScenario* resolved = &asked->scenario;
  const std::string& text = resolved->text;
  const std::string& source = resolved->source;
  auto scenario = scenario::load_scenario_text(text, "request", catalog);
  if (!scenario.ok()) {
    return reply_error(res, status_for(scenario.error()), scenario.error().message);
  }
  auto plan_options = report::parse_plan_options(asked->options, "options");
  if (!plan_options.ok()) {
    return reply_error(res, 400, plan_options.error().message);
  }
  if (auto checked = report::check_plan(*scenario, catalog, efficiency, *plan_options);
      !checked.ok()) {
    return reply_error(res, status_for(checked.error()), checked.error().message);
  }
  if (!jobs->reserve()) {
    return reply_error(
        res, 503,
        fmt::format("the plan queue is full ({} plans waiting); retry later", options.queue_limit));
  }
  store::NewPlan plan{scenario->name, source,
                      text,           report::plan_options_json(*plan_options).dump(),
                      kVersion,       store::utc_now()};
  auto id = store->add_plan(plan);
  if (!id.ok()) {
    jobs->release();
    return reply_error(res, 500, id.error().message);
  }
  jobs->push(*id);
  reply(res, 202, {{"job_id", *id}, {"plan_id", *id}});
}

void Server::Impl::post_sweep(const std::string& request, httplib::Response& res) {
  auto asked = job_request(request);
  if (!asked.ok()) {
    return reply_error(res, 400, asked.error().message);
  }
  const RequestScenario* resolved = &asked->scenario;
  const json& given_options = asked->options;
  auto spec = parse_sweep_options(given_options, "options");
  if (!spec.ok()) {
    return reply_error(res, 400, spec.error().message);
  }
  const auto too_many = [&](long long runs) {
    return fmt::format(
        "this sweep has {} runs; a request may ask for at most {} (fleetplan serve "
        "--sweep-limit); run larger sweeps with fleetplan sweep (all cores, mpirun)",
        runs, options.sweep_limit);
  };
  if (spec->samples > options.sweep_limit) {
    return reply_error(res, 400, "options.samples: " + too_many(spec->samples));
  }
  auto document = analysis::ScenarioDocument::from_text(resolved->text, resolved->message_name);
  if (!document.ok()) {
    return reply_error(res, status_for(document.error()), document.error().message);
  }
  // Every path, value and distribution is checked here, so that a typo is a 400 now and
  // not a failed job later; the base scenario's estimates take well under a second.
  auto sweep = analysis::prepare_sweep(*document, *spec, catalog, efficiency);
  if (!sweep.ok()) {
    return reply_error(res, status_for(sweep.error()), sweep.error().message);
  }
  if (static_cast<long long>(sweep->runs.size()) > options.sweep_limit) {
    return reply_error(res, 400,
                       "options: " + too_many(static_cast<long long>(sweep->runs.size())));
  }
  if (!jobs->reserve()) {
    return reply_error(
        res, 503,
        fmt::format("the job queue is full ({} jobs waiting); retry later", options.queue_limit));
  }
  store::NewPlan job{sweep->scenario,
                     resolved->source,
                     resolved->text,
                     given_options.is_null() ? std::string("{}") : given_options.dump(),
                     kVersion,
                     store::utc_now(),
                     store::JobKind::kSweep};
  auto id = store->add_plan(job);
  if (!id.ok()) {
    jobs->release();
    return reply_error(res, 500, id.error().message);
  }
  jobs->push(*id);
  reply(res, 202, {{"job_id", *id}, {"sweep_id", *id}});
}

void Server::Impl::list_plans(const httplib::Request& req, httplib::Response& res,
                              store::JobKind kind) {
  store::PlanFilter filter;
  filter.kind = kind;
  for (const auto& [key, value] : req.params) {
    if (key == "scenario") {
      filter.scenario = value;
    } else if (key == "state") {
      auto state = store::parse_plan_state(value);
      if (!state.ok()) {
        return reply_error(res, 400, "state: " + state.error().message);
      }
      filter.state = *state;
    } else if (key == "status" && kind == store::JobKind::kPlan) {
      if (value != "optimal" && value != "feasible" && value != "infeasible") {
        return reply_error(res, 400,
                           fmt::format("status: unknown plan status '{}' (expected optimal, "
                                       "feasible or infeasible)",
                                       value));
      }
      filter.status = value;
    } else if (key == "limit" || key == "offset") {
      const bool digits = !value.empty() && value.size() < 10 &&
                          value.find_first_not_of("0123456789") == std::string::npos;
      const long long n = digits ? std::stoll(value) : -1;
      if (key == "limit" ? (n < 1 || n > 500) : n < 0) {
        return reply_error(res, 400,
                           fmt::format("{}: expected a whole number {}, got '{}'", key,
                                       key == "limit" ? "from 1 to 500" : "from 0", value));
      }
      if (key == "limit") {
        filter.limit = static_cast<int>(n);
      } else {
        filter.offset = n;
      }
    } else {
      return reply_error(res, 400,
                         fmt::format("{}: unknown query parameter (expected scenario, state, "
                                     "{}limit, offset)",
                                     key, kind == store::JobKind::kPlan ? "status, " : ""));
    }
  }
  auto page = store->list_plans(filter);
  if (!page.ok()) {
    return reply_error(res, 500, page.error().message);
  }
  ordered_json plans = ordered_json::array();
  for (const auto& record : page->plans) {
    plans.push_back(summary_json(record));
  }
  reply(res, 200,
        {{"total", page->total},
         {"limit", filter.limit},
         {"offset", filter.offset},
         {kind == store::JobKind::kPlan ? "plans" : "sweeps", plans}});
}

std::optional<store::PlanRecord> Server::Impl::done_plan(const std::string& id_text,
                                                         httplib::Response& res,
                                                         store::ReadParts parts,
                                                         store::JobKind kind) {
  const char* noun = store::job_kind_name(kind);
  auto id = id_of(id_text);
  auto record = id.ok()
                    ? store->plan(*id, parts)
                    : Result<std::optional<store::PlanRecord>>(std::optional<store::PlanRecord>());
  if (!record.ok()) {
    reply_error(res, 500, record.error().message);
    return std::nullopt;
  }
  if (!record->has_value()) {
    reply_error(res, 404, fmt::format("no {} {}", noun, id_text));
    return std::nullopt;
  }
  const store::PlanRecord& r = **record;
  if (r.inputs.kind != kind) {
    const char* other = store::job_kind_name(r.inputs.kind);
    reply_error(res, 404,
                fmt::format("no {} {}: job {} is a {} (GET /api/{}s/{})", noun, id_text, r.id,
                            other, other, r.id));
    return std::nullopt;
  }
  if (r.state == store::PlanState::kDone) {
    return std::move(**record);
  }
  const std::string message =
      r.state == store::PlanState::kFailed
          ? fmt::format("{} {} failed: {}", noun, r.id, r.error.value_or(""))
          : fmt::format("{} {} is {}; poll /api/jobs/{}", noun, r.id,
                        store::plan_state_name(r.state), r.id);
  reply(res, 409,
        {{"error", message}, {"state", store::plan_state_name(r.state)}, {"job_id", r.id}});
  return std::nullopt;
}

void Server::Impl::get_plan(const httplib::Request& req, httplib::Response& res,
                            store::JobKind kind) {
  auto record = done_plan(req.matches[1], res, {false, true}, kind);
  if (record) {
    res.status = 200;
    res.set_content(record->result.value_or("null"), kJson);
  }
}

void Server::Impl::get_inputs(const httplib::Request& req, httplib::Response& res,
                              store::JobKind kind) {
  auto id = id_of(req.matches[1]);
  auto record = id.ok() ? store->plan(*id, {true, false})
                        : Result<std::optional<store::PlanRecord>>(std::nullopt);
  if (!record.ok()) {
    return reply_error(res, 500, record.error().message);
  }
  if (!record->has_value() || (*record)->inputs.kind != kind) {
    return reply_error(
        res, 404, fmt::format("no {} {}", store::job_kind_name(kind), std::string(req.matches[1])));
  }
  const store::PlanRecord& r = **record;
  ordered_json out = summary_json(r);
  out.erase("headline");
  out["scenario_text"] = r.inputs.scenario_text;
  reply(res, 200, out);
}

void Server::Impl::get_diff(const httplib::Request& req, httplib::Response& res) {
  auto a = done_plan(req.matches[1], res, {true, true});
  if (!a) {
    return;
  }
  auto b = done_plan(req.matches[2], res, {true, true});
  if (!b) {
    return;
  }
  const auto side = [](const store::PlanRecord& r) {
    return report::PlanSide{r.id, parse_or_null(r.result), r.inputs.scenario_text,
                            parse_or_null(r.inputs.options)};
  };
  reply(res, 200, report::plan_diff(side(*a), side(*b)));
}

void Server::Impl::get_job(const httplib::Request& req, httplib::Response& res) {
  auto id = id_of(req.matches[1]);
  auto record =
      id.ok() ? store->plan(*id, {}) : Result<std::optional<store::PlanRecord>>(std::nullopt);
  if (!record.ok()) {
    return reply_error(res, 500, record.error().message);
  }
  if (!record->has_value()) {
    return reply_error(res, 404, fmt::format("no job {}", std::string(req.matches[1])));
  }
  const store::PlanRecord& r = **record;
  double progress = 0;
  if (r.state == store::PlanState::kDone || r.state == store::PlanState::kFailed) {
    progress = 1;
  } else if (r.state == store::PlanState::kRunning) {
    // Two decimals: a share to show, not a figure to compute with.
    progress = std::round(std::max(0.0, jobs->progress(r.id)) * 100) / 100;
  }
  const bool sweep = r.inputs.kind == store::JobKind::kSweep;
  reply(res, 200,
        {{"job_id", r.id},
         {"kind", store::job_kind_name(r.inputs.kind)},
         {sweep ? "sweep_id" : "plan_id", r.id},
         {"state", store::plan_state_name(r.state)},
         {"progress", progress},
         {"error", r.error ? ordered_json(*r.error) : ordered_json()}});
}

void Server::Impl::post_estimate(const std::string& text, httplib::Response& res) {
  auto body = body_json(text);
  if (!body.ok()) {
    return reply_error(res, 400, body.error().message);
  }
  auto estimate = report::parse_estimate_options(*body);
  if (!estimate.ok()) {
    return reply_error(res, 400, estimate.error().message);
  }
  compute(res, [this, o = *estimate]() -> Result<std::string> {
    auto answer = report::run_estimate(o, catalog, efficiency);
    if (!answer.ok()) {
      return answer.error();
    }
    return fleetplan::json::dump(*answer);
  });
}

void Server::Impl::post_simulate(const std::string& text, httplib::Response& res) {
  auto body = body_json(text);
  if (!body.ok()) {
    return reply_error(res, 400, body.error().message);
  }
  const report::SimulateLimits limits;
  auto simulate = report::parse_simulate_options(*body, limits);
  if (!simulate.ok()) {
    return reply_error(res, 400, simulate.error().message);
  }
  compute(res, [this, o = *simulate, limits]() -> Result<std::string> {
    auto scenario = report::simulate_scenario(o, catalog, efficiency, limits);
    if (!scenario.ok()) {
      return scenario.error();
    }
    auto results = sim::simulate(scenario->fleet, scenario->workload, scenario->options);
    if (!results.ok()) {
      return results.error();
    }
    return sim::results_json(*results);
  });
}

void Server::Impl::health(httplib::Response& res) {
  reply(res, 200,
        {{"status", "ok"},
         {"version", kVersion},
         {"store", store->kind()},
         {"jobs_queued", jobs->queued()},
         {"jobs_running", jobs->running()}});
}

void Server::Impl::get_static(const httplib::Request& req, httplib::Response& res) {
  if (options.web_dir.empty()) {
    if (req.path == "/" || req.path == "/index.html") {
      res.status = 200;
      res.set_content(
          "<!doctype html><meta charset=utf-8><title>fleetplan</title>"
          "<h1>fleetplan serve</h1><p>The API is up (<a href=/api/openapi.json>"
          "/api/openapi.json</a>), but the dashboard is not built: run <code>npm ci &amp;&amp; "
          "npm run build</code> in <code>web/</code> (scripts/demo does it), then restart.</p>",
          "text/html; charset=utf-8");
      return;
    }
    return reply_error(res, 404, fmt::format("no such file: {}", req.path));
  }
  // Only plain relative paths under the dashboard folder; `..`, backslashes and NUL are
  // refused before the file system is asked, and the resolved path is checked again.
  const std::string& path = req.path;
  if (path.empty() || path[0] != '/' || path.find("..") != std::string::npos ||
      path.find('\\') != std::string::npos || path.find('\0') != std::string::npos) {
    return reply_error(res, 400, "bad path");
  }
  const std::filesystem::path root = std::filesystem::weakly_canonical(options.web_dir);
  std::filesystem::path file =
      std::filesystem::weakly_canonical(root / (path == "/" ? "index.html" : path.substr(1)));
  const auto inside = [&](const std::filesystem::path& p) {
    const std::string prefix = root.string() + "/";
    return p.string().compare(0, prefix.size(), prefix) == 0;
  };
  std::error_code ec;
  if (!inside(file) || !std::filesystem::is_regular_file(file, ec)) {
    // A route of the single-page app (no extension) gets the page; a missing asset a 404.
    if (!std::filesystem::path(path).has_extension()) {
      file = root / "index.html";
    } else {
      return reply_error(res, 404, fmt::format("no such file: {}", path));
    }
  }
  res.status = 200;
  res.set_content(read_text(file.string()), content_type(file).c_str());
  if (file.parent_path().filename() == "assets") {
    res.set_header("Cache-Control", "public, max-age=31536000, immutable");
  }
}

bool Server::Impl::authorized(const httplib::Request& req) {
  const std::string header = req.get_header_value("Authorization");
  const std::string bearer = "Bearer ";
  if (header.starts_with(bearer) && same_secret(header.substr(bearer.size()), options.token)) {
    return true;
  }
  const std::string cookie = cookie_of(req.get_header_value("Cookie"), kCookie);
  return !cookie.empty() && sessions.valid(cookie);
}

// Opens a session, sets its cookie and sends the browser on to `to` (303: then GET).
void Server::Impl::grant(httplib::Response& res, const std::string& to) {
  res.set_header("Set-Cookie", fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict",
                                           kCookie, sessions.open(), kCookieSeconds));
  res.set_header("Cache-Control", "no-store");
  res.set_redirect(to, 303);
}

// GET /login: the form; POST /login (a form with `token`): the cookie, or the form again.
void Server::Impl::login(const httplib::Request& req, httplib::Response& res) {
  if (options.token.empty()) {
    return res.set_redirect("/", 303);
  }
  if (req.method == "POST") {
    if (same_secret(form_field(req.body, "token"), options.token)) {
      return grant(res, "/");
    }
    res.status = 401;
    res.set_content(login_page(true), "text/html; charset=utf-8");
    return;
  }
  res.status = 200;
  res.set_content(login_page(false), "text/html; charset=utf-8");
}

void Server::Impl::guard() {
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    // With a token every route but /healthz (and the login form) needs it: the bearer
    // header (API clients) or the session cookie (browsers).
    if (options.token.empty() || req.path == "/healthz" || req.path == "/login" ||
        authorized(req)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    if (req.path.starts_with("/api/")) {
      res.set_header("WWW-Authenticate", "Bearer");
      reply_error(res, 401,
                  "missing or wrong bearer token (Authorization: Bearer TOKEN, or log in at "
                  "/login)");
      return httplib::Server::HandlerResponse::Handled;
    }
    // A browser opening the printed address with ?token=TOKEN gets the cookie and the same
    // page without the token in its address bar.
    if (req.method == "GET" && req.has_param("token") &&
        same_secret(req.get_param_value("token"), options.token)) {
      grant(res, req.path);
      return httplib::Server::HandlerResponse::Handled;
    }
    res.status = 401;
    res.set_header("Cache-Control", "no-store");
    res.set_content(login_page(req.has_param("token")), "text/html; charset=utf-8");
    return httplib::Server::HandlerResponse::Handled;
  });
  // Statuses httplib sets itself (413 past the body limit, 404 for no route, 400 for a
  // malformed request) get a JSON body like every other error.
  http.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        const std::string message =
            res.status == 413   ? std::string("request body too large")
            : res.status == 404 ? fmt::format("no route {} {}", req.method, req.path)
            : res.status == 405 ? fmt::format("method {} not allowed on {}", req.method, req.path)
                                : fmt::format("HTTP {}", res.status);
        reply_error(res, res.status, message);
        return httplib::Server::HandlerResponse::Handled;
      }));
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
        std::string what = "unknown";
        try {
          std::rethrow_exception(std::move(error));
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        reply_error(res, 500, fmt::format("internal error: {}", what));
      });
}

void Server::Impl::routes() {
  using Req = httplib::Request;
  using Res = httplib::Response;
  http.Get("/healthz", [this](const Req&, Res& res) { health(res); });
  http.Get("/login", [this](const Req& req, Res& res) { login(req, res); });
  http.Post("/login", [this](const Req& req, Res& res) { login(req, res); });
  http.Get("/logout", [this](const Req& req, Res& res) {
    const std::string cookie = cookie_of(req.get_header_value("Cookie"), kCookie);
    if (!cookie.empty()) {
      sessions.close(cookie);
    }
    res.set_header("Set-Cookie",
                   fmt::format("{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict", kCookie));
    res.set_redirect("/login", 303);
  });
  http.Get("/api/openapi.json",
           [](const Req&, Res& res) { res.set_content(openapi_json(), kJson); });
  // POST bodies are read here whatever their Content-Type: httplib would parse a body sent
  // as a form (curl -d) itself and refuse one over 8 KiB with 413.
  const auto post = [this](const char* pattern,
                           void (Impl::*handler)(const std::string&, httplib::Response&)) {
    http.Post(pattern, [this, handler](const Req&, Res& res, const httplib::ContentReader& read) {
      std::string body;
      const bool whole = read([&](const char* data, std::size_t size) {
        body.append(data, size);
        return body.size() <= options.body_limit;
      });
      if (!whole || body.size() > options.body_limit) {
        return reply_error(
            res, 413,
            fmt::format("request body too large (the limit is {} bytes)", options.body_limit));
      }
      (this->*handler)(body, res);
    });
  };
  using store::JobKind;
  post("/api/plans", &Impl::post_plan);
  http.Get("/api/plans",
           [this](const Req& req, Res& res) { list_plans(req, res, JobKind::kPlan); });
  http.Get(R"(/api/plans/(\d+))",
           [this](const Req& req, Res& res) { get_plan(req, res, JobKind::kPlan); });
  http.Get(R"(/api/plans/(\d+)/inputs)",
           [this](const Req& req, Res& res) { get_inputs(req, res, JobKind::kPlan); });
  post("/api/sweeps", &Impl::post_sweep);
  http.Get("/api/sweeps",
           [this](const Req& req, Res& res) { list_plans(req, res, JobKind::kSweep); });
  http.Get(R"(/api/sweeps/(\d+))",
           [this](const Req& req, Res& res) { get_plan(req, res, JobKind::kSweep); });
  http.Get(R"(/api/sweeps/(\d+)/inputs)",
           [this](const Req& req, Res& res) { get_inputs(req, res, JobKind::kSweep); });
  http.Get(R"(/api/plans/(\d+)/diff/(\d+))",
           [this](const Req& req, Res& res) { get_diff(req, res); });
  http.Get(R"(/api/jobs/(\d+))", [this](const Req& req, Res& res) { get_job(req, res); });
  post("/api/estimate", &Impl::post_estimate);
  post("/api/simulate", &Impl::post_simulate);
  http.Get("/api/scenarios",
           [this](const Req&, Res& res) { res.set_content(scenarios_body, kJson); });
  http.Get("/api/catalog", [this](const Req&, Res& res) { res.set_content(catalog_body, kJson); });
  http.Get("/api/.*", [](const Req& req, Res& res) {
    reply_error(res, 404, fmt::format("no route GET {}", req.path));
  });
  http.Get(".*", [this](const Req& req, Res& res) { get_static(req, res); });
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

Result<std::unique_ptr<Server>> Server::create(const ServerOptions& options,
                                               catalog::Catalog catalog,
                                               perf::EfficiencyTable efficiency) {
  auto impl = std::make_unique<Impl>(options, std::move(catalog), std::move(efficiency));
  auto url = store::url_or_default(options.store_url);
  FLEETPLAN_RETURN_IF_ERROR(url);
  auto opened = store::open_store(*url);
  if (!opened.ok()) {
    return opened.error();
  }
  impl->store = std::move(*opened);
  FLEETPLAN_RETURN_IF_ERROR(impl->prepare_listings());
  Impl* raw = impl.get();
  impl->jobs =
      std::make_unique<JobQueue>(std::max(1, options.jobs), std::max(1, options.queue_limit),
                                 [raw](long long id, const std::function<void(double)>& progress) {
                                   raw->run_job(id, progress);
                                 });
  // Plans a stopped (or killed) server left queued or running are planned again: their
  // inputs were stored before they were acknowledged.
  auto unfinished = impl->store->unfinished_plans();
  if (!unfinished.ok()) {
    return unfinished.error();
  }
  for (long long id : *unfinished) {
    impl->jobs->push(id, true);
  }
  auto& http = impl->http;
  http.new_task_queue = [threads = std::max(2, options.http_threads)] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  http.set_payload_max_length(options.body_limit);
  http.set_read_timeout(std::chrono::seconds(15));
  http.set_write_timeout(std::chrono::seconds(15));
  http.set_keep_alive_timeout(5);
  // A client that keeps its connection should not reconnect every few requests: with
  // httplib's listen backlog of 5, reconnect storms drop SYNs (a 1 s retransmit each).
  http.set_keep_alive_max_count(1000);
  // Small JSON answers must not wait for Nagle's algorithm (40 ms with delayed ACKs).
  http.set_tcp_nodelay(true);
  impl->guard();
  impl->routes();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Status Server::bind() {
  auto& impl = *impl_;
  if (impl.options.port == 0) {
    impl.port = impl.http.bind_to_any_port(impl.options.bind);
    if (impl.port <= 0) {
      return input_error(fmt::format("cannot listen on {}", impl.options.bind));
    }
  } else {
    if (!impl.http.bind_to_port(impl.options.bind, impl.options.port)) {
      return input_error(
          fmt::format("cannot listen on {}:{} (in use, or not an address of "
                      "this machine)",
                      impl.options.bind, impl.options.port));
    }
    impl.port = impl.options.port;
  }
  return {};
}

Status Server::run() {
  if (!impl_->http.listen_after_bind()) {
    return internal_error("the HTTP server stopped unexpectedly");
  }
  return {};
}

void Server::stop() {
  if (!impl_) {
    return;
  }
  impl_->http.stop();
  impl_->jobs->stop();
  std::unique_lock lock(impl_->compute_mutex);
  impl_->compute_done.wait(lock, [this] { return impl_->computing == 0; });
}

int Server::port() const { return impl_->port; }

std::string Server::store_kind() const { return impl_->store->kind(); }

std::string find_web_dir() {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("FLEETPLAN_WEB_DIR"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
  const std::filesystem::path data = data_dir();
  candidates.push_back(data / "web");                         // installed: share/fleetplan/web
  candidates.push_back(data.parent_path() / "web" / "dist");  // source tree: web/dist
  std::error_code ec;
  for (const auto& dir : candidates) {
    if (std::filesystem::is_regular_file(dir / "index.html", ec)) {
      return std::filesystem::weakly_canonical(dir).string();
    }
  }
  return "";
}

}  // namespace fleetplan::server
