// The HTTP API end to end, in process: each test starts a server on 127.0.0.1 and a free
// port with its own SQLite store, talks to it with an HTTP client, and stops it.
#include "server/server.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "analysis/parameter.h"
#include "analysis/sweep.h"
#include "catalog/catalog.h"
#include "core/data_dir.h"
#include "core/json.h"
#include "perf/perf.h"
#include "report/estimate_run.h"
#include "report/listing_json.h"
#include "report/plan_run.h"
#include "scenario/scenario.h"
#include "server/test_server.h"
#include "store/store.h"

namespace fleetplan::server {
namespace {

using nlohmann::json;
using testing::TestServer;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string builtin_text(const std::string& name) {
  return read_text(std::filesystem::path(data_dir()) / "scenarios" / (name + ".yaml"));
}

std::string infeasible_text() {
  return read_text(std::filesystem::path(FLEETPLAN_SOURCE_DIR) /
                   "src/plan/testdata/infeasible.yaml");
}

// What `fleetplan plan --json` prints for a built-in scenario (cmd_plan.cc prints
// run_plan's JSON with dump(2) and a newline).
std::string cli_plan_json(const std::string& name, const report::PlanOptions& options) {
  auto catalog = catalog::Catalog::load();
  auto efficiency = perf::EfficiencyTable::load_builtin();
  auto scenario = scenario::load_scenario(name, *catalog);
  auto run =
      report::run_plan(*scenario, *catalog, *efficiency, options, "built-in scenario " + name);
  return fleetplan::json::dump(run->json());
}

long long post_plan(httplib::Client& client, const json& body, int expected_status = 202,
                    const char* content_type = "application/json") {
  auto res = client.Post("/api/plans", body.dump(), content_type);
  EXPECT_TRUE(res);
  if (!res) {
    return 0;
  }
  EXPECT_EQ(res->status, expected_status) << res->body;
  if (res->status != 202) {
    return 0;
  }
  const json reply = json::parse(res->body);
  EXPECT_EQ(reply["job_id"], reply["plan_id"]);
  return reply["plan_id"].get<long long>();
}

json get_json(httplib::Client& client, const std::string& path, int expected_status = 200) {
  auto res = client.Get(path);
  EXPECT_TRUE(res) << path;
  if (!res) {
    return nullptr;
  }
  EXPECT_EQ(res->status, expected_status) << path << ": " << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << path;
  return json::parse(res->body);
}

TEST(Server, PlanJobStoresExactlyWhatPlanJsonPrints) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  auto client = server.client();
  const long long id =
      post_plan(*client, {{"scenario", "bytedance-2026"}, {"options", {{"no_rule_costs", true}}}});
  ASSERT_GT(id, 0);
  const json job = server.wait_for_job(id);
  EXPECT_EQ(job["state"], "done") << job.dump();
  EXPECT_EQ(job["progress"], 1.0);
  EXPECT_TRUE(job["error"].is_null());

  auto res = client->Get(fmt::format("/api/plans/{}", id));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  report::PlanOptions options;
  options.no_rule_costs = true;
  EXPECT_EQ(res->body, cli_plan_json("bytedance-2026", options));

  // The listing's headline sums the periods of that very plan.
  const json plan = json::parse(res->body);
  double spend = 0;
  for (const auto& period : plan["periods"]) {
    spend += period["spend_usd"].get<double>();
  }
  const json list = get_json(*client, "/api/plans");
  ASSERT_EQ(list["total"], 1);
  const json& row = list["plans"][0];
  EXPECT_EQ(row["plan_id"], id);
  EXPECT_EQ(row["scenario"], "bytedance-2026");
  EXPECT_EQ(row["source"], "built-in scenario bytedance-2026");
  EXPECT_EQ(row["state"], "done");
  EXPECT_EQ(row["status"], plan["status"]);
  EXPECT_EQ(row["options"], json({{"no_rule_costs", true}}));
  EXPECT_EQ(row["version"], "0.1.0");
  EXPECT_DOUBLE_EQ(row["headline"]["spend_usd"].get<double>(), spend);
  EXPECT_EQ(row["headline"]["periods"], plan["periods"].size());

  const json inputs = get_json(*client, fmt::format("/api/plans/{}/inputs", id));
  EXPECT_EQ(inputs["scenario_text"], builtin_text("bytedance-2026"));
}

TEST(Server, InputErrorsAre400WithTheCommandLinesMessage) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  auto client = server.client();
  // Line 3, column 11 is the bad budget; the command line reads the same text from a file
  // and names the file where the API names "request".
  std::string text = infeasible_text();
  const std::string good = "budget: 1 M USD";
  ASSERT_NE(text.find(good), std::string::npos);
  text.replace(text.find(good), good.size(), "budget: lots");
  const auto file = server.dir() / "bad.yaml";
  std::ofstream(file) << text;
  auto catalog = catalog::Catalog::load();
  auto from_file = scenario::load_scenario_file(file.string(), *catalog);
  ASSERT_FALSE(from_file.ok());
  std::string expected = from_file.error().message;
  ASSERT_EQ(expected.rfind(file.string(), 0), 0U) << expected;
  expected.replace(0, file.string().size(), "request");

  auto res = client->Post("/api/plans", json({{"scenario", text}}).dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"], expected);

  const auto error_of = [&](const json& body) {
    auto r = client->Post("/api/plans", body.dump(), "application/json");
    EXPECT_TRUE(r);
    EXPECT_EQ(r ? r->status : 0, 400) << body.dump();
    return r ? json::parse(r->body)["error"].get<std::string>() : "";
  };
  EXPECT_EQ(error_of({{"scenario", "bytedance-2026"}, {"options", {{"gapp", 0.1}}}}),
            "options.gapp: unknown option (expected objective, gap, node_limit, "
            "planning_utilization, verify, no_rule_costs, rule_interactions, without_rule, "
            "with_rule)");
  EXPECT_EQ(error_of({{"scenario", "bytedance-2026"}, {"options", {{"gap", 2}}}}),
            "options.gap: 2 is out of range; expected a number from 0 to 1");
  EXPECT_EQ(error_of({{"scenario", "bytedance-2026"}, {"options", {{"catalog", {"/etc/passwd"}}}}})
                .rfind("options.catalog: refused", 0),
            0U);
  EXPECT_EQ(error_of({{"scenario", "bytedance-2026"}, {"optoins", json::object()}})
                .rfind("optoins: unknown field", 0),
            0U);
  // A name is looked up among the built-in scenarios only, never opened as a file.
  EXPECT_EQ(error_of({{"scenario", "/etc/passwd"}}).find("unknown scenario"), 0U);
  EXPECT_EQ(
      error_of({{"scenario", "no-such-scenario"}}).find("unknown scenario 'no-such-scenario'"), 0U);
  EXPECT_EQ(error_of({{"scenario", "bytedance-2026"}, {"options", {{"without_rule", {"nope"}}}}})
                .rfind("unknown rule 'nope' in scenario 'bytedance-2026'", 0),
            0U);
  EXPECT_EQ(error_of(json::array()).rfind("expected a JSON object", 0), 0U);
  auto not_json = client->Post("/api/plans", "{", "application/json");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);
  // Nothing was stored.
  EXPECT_EQ(get_json(*client, "/api/plans")["total"], 0);
}

TEST(Server, InfeasiblePlanIsAStoredResultWithItsExplanation) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  auto client = server.client();
  const long long id = post_plan(*client, {{"scenario", infeasible_text()}});
  ASSERT_GT(id, 0);
  EXPECT_EQ(server.wait_for_job(id)["state"], "done");
  const json plan = get_json(*client, fmt::format("/api/plans/{}", id));
  EXPECT_EQ(plan["status"], "infeasible");
  // The fixture asks 1 T tokens a day on a 1 M USD budget with no shortfall allowed: the
  // demand and the budget conflict (what `plan` prints for it, see src/plan/CMakeLists.txt).
  bool demand_conflict = false;
  for (const auto& c : plan["conflicts"]) {
    demand_conflict = demand_conflict || c.dump().find("demand[chat][2026]") != std::string::npos;
  }
  EXPECT_TRUE(demand_conflict) << plan["conflicts"].dump();
  const json list = get_json(*client, "/api/plans?status=infeasible");
  EXPECT_EQ(list["total"], 1);
  EXPECT_EQ(list["plans"][0]["source"], "request");
  EXPECT_TRUE(list["plans"][0]["headline"].is_null());
}

TEST(Server, DiffNamesTheInputsThatDifferAndTheFigures) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  auto client = server.client();
  std::string edited = builtin_text("bytedance-2026");
  const std::string budget = "budget: 160 bn CNY";
  ASSERT_NE(edited.find(budget), std::string::npos);
  edited.replace(edited.find(budget), budget.size(), "budget: 150 bn CNY");
  const long long a =
      post_plan(*client, {{"scenario", "bytedance-2026"}, {"options", {{"no_rule_costs", true}}}});
  // Sent the way `curl -d` sends it (as a form): the 17 kB body is still JSON to the API.
  const long long b = post_plan(
      *client, {{"scenario", edited}, {"options", {{"no_rule_costs", true}, {"gap", 0.01}}}}, 202,
      "application/x-www-form-urlencoded");
  ASSERT_EQ(server.wait_for_job(a)["state"], "done");
  ASSERT_EQ(server.wait_for_job(b)["state"], "done");
  const json pa = get_json(*client, fmt::format("/api/plans/{}", a));
  const json pb = get_json(*client, fmt::format("/api/plans/{}", b));
  const json diff = get_json(*client, fmt::format("/api/plans/{}/diff/{}", a, b));
  EXPECT_EQ(diff["a"]["plan_id"], a);
  EXPECT_EQ(diff["b"]["plan_id"], b);
  EXPECT_EQ(
      diff["inputs"]["scenario"],
      json::array({{{"path", "periods[0].budget"}, {"a", "160 bn CNY"}, {"b", "150 bn CNY"}}}));
  EXPECT_EQ(diff["inputs"]["options"],
            json::array({{{"option", "gap"}, {"a", nullptr}, {"b", 0.01}}}));
  const double spend_a = pa["spend_usd"].get<double>();
  const double spend_b = pb["spend_usd"].get<double>();
  EXPECT_DOUBLE_EQ(diff["totals"]["spend_usd"]["a"].get<double>(), spend_a);
  EXPECT_DOUBLE_EQ(diff["totals"]["spend_usd"]["delta"].get<double>(), spend_b - spend_a);
  // 150 bn CNY at 6.96 CNY per USD is 10/6.96 bn USD less budget in the one period.
  // (Figures are printed with 7 significant digits: +-5,000 USD on 23 bn.)
  EXPECT_NEAR(diff["periods"][0]["budget_usd"]["delta"].get<double>(), -10e9 / 6.96, 1e4);
  // Every fleet line of both plans appears once, with its count in each.
  double count_a = 0;
  double count_b = 0;
  for (const auto& row : diff["fleet"]) {
    count_a += row["count"]["a"].get<double>();
    count_b += row["count"]["b"].get<double>();
  }
  EXPECT_DOUBLE_EQ(count_a, pa["periods"][0]["accelerators_active"].get<double>());
  EXPECT_DOUBLE_EQ(count_b, pb["periods"][0]["accelerators_active"].get<double>());
  EXPECT_EQ(get_json(*client, fmt::format("/api/plans/{}/diff/99", a), 404)["error"], "no plan 99");
}

TEST(Server, EstimateSimulateScenariosAndCatalogMirrorTheCommands) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  auto client = server.client();
  auto catalog = catalog::Catalog::load();
  auto efficiency = perf::EfficiencyTable::load_builtin();
  report::EstimateOptions options;
  options.model = "llama3.1-70b";
  options.accelerator = "H100-SXM";
  options.count = 8;
  auto expected = report::run_estimate(options, *catalog, *efficiency);
  ASSERT_TRUE(expected.ok()) << expected.error().message;
  auto res = client->Post("/api/estimate",
                          R"({"model": "llama3.1-70b", "accelerator": "H100-SXM", "count": 8})",
                          "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, fleetplan::json::dump(*expected));
  res = client->Post("/api/estimate", R"({"model": "llama-3.1-70b", "accelerator": "H100-SXM"})",
                     "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"], catalog->model("llama-3.1-70b").error().message);
  res = client->Post("/api/estimate", R"({"model": "x", "accelerator": "y", "count": 0})",
                     "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body)["error"],
            "count: expected a whole number from 1 to 1048576, got 0");
  // One vocabulary: the request names precisions as the flags do (--weights, --kv-cache).
  res = client->Post("/api/estimate",
                     R"({"model": "llama3.1-70b", "accelerator": "H100-SXM", "precision": "fp8"})",
                     "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"],
            "precision: refused: renamed to `weights` (as the flag --weights)");
  res = client->Post(
      "/api/estimate",
      R"({"model": "llama3.1-70b", "accelerator": "H100-SXM", "count": 8, "weights": "bf16", "kv_cache": "bf16"})",
      "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["precision"]["weights"], "bf16");
  EXPECT_EQ(json::parse(res->body)["precision"]["kv_cache_origin"], "given");

  res = client->Post("/api/simulate",
                     R"({"model": "llama3.1-8b", "accelerator": "H100-SXM", "requests": 200})",
                     "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json sim = json::parse(res->body);
  EXPECT_EQ(sim["requests_arrived"], 200);
  EXPECT_EQ(sim["requests_completed"].get<long long>() + sim["requests_dropped"].get<long long>(),
            200);
  const std::string trace = "simulation: {requests: 10}\ntrace: /etc/passwd\n";
  res = client->Post("/api/simulate", json({{"scenario", trace}}).dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"],
            "scenario: trace: refused: a request may not name files of the server");
  // One vocabulary: tokens a scheduler step are `max_num_tokens`, as in engines.yaml.
  res = client->Post(
      "/api/simulate",
      R"({"model": "llama3.1-8b", "accelerator": "H100-SXM", "requests": 10, "token_budget": 64})",
      "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"],
            "token_budget: refused: renamed to `max_num_tokens` (as the flag --max-num-tokens)");
  res = client->Post("/api/simulate",
                     R"({"model": "llama3.1-8b", "accelerator": "H100-SXM", "requests": 200001})",
                     "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);

  const json scenarios = get_json(*client, "/api/scenarios");
  const auto builtins = scenario::builtin_scenarios();
  ASSERT_EQ(scenarios["scenarios"].size(), builtins.size());
  for (std::size_t i = 0; i < builtins.size(); ++i) {
    EXPECT_EQ(scenarios["scenarios"][i]["name"], builtins[i].name);
    EXPECT_EQ(scenarios["scenarios"][i]["yaml"], read_text(builtins[i].path));
  }
  EXPECT_EQ(get_json(*client, "/api/catalog"), json(report::catalog_json(*catalog)));
  const json openapi = get_json(*client, "/api/openapi.json");
  EXPECT_EQ(openapi["openapi"], "3.0.3");
  for (const char* path :
       {"/api/plans", "/api/plans/{id}", "/api/jobs/{id}", "/api/plans/{a}/diff/{b}",
        "/api/estimate", "/api/simulate", "/api/scenarios", "/api/catalog", "/healthz",
        "/api/sweeps", "/api/sweeps/{id}", "/api/sweeps/{id}/inputs"}) {
    EXPECT_TRUE(openapi["paths"].contains(path)) << path;
  }
}

std::string served_by_demand_text() {
  return read_text(std::filesystem::path(FLEETPLAN_SOURCE_DIR) /
                   "src/analysis/testdata/served-by-demand.yaml");
}

constexpr const char* kDemandPath = "periods[2026].demand[chat].tokens_per_day";

// The fixture's budget is 100x what its demand needs, so served = demand in every run (see
// served-by-demand.yaml). A grid of demands 1..5 T gives quantiles by linear interpolation,
// h = (5 - 1) p: P10 = 1.4 T, P50 = 3 T, P90 = 4.6 T, mean 3 T.
TEST(Server, SweepJobOfAKnownFunction) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  auto client = server.client();
  const json body = {{"scenario", served_by_demand_text()},
                     {"options",
                      {{"set", {std::string(kDemandPath) + "=1e12:5e12:5"}},
                       {"gap", 0.001},
                       {"node_limit", 5000}}}};
  auto posted = client->Post("/api/sweeps", body.dump(), "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 202) << posted->body;
  const json reply = json::parse(posted->body);
  EXPECT_EQ(reply["job_id"], reply["sweep_id"]);
  const long long id = reply["sweep_id"].get<long long>();
  const json job = server.wait_for_job(id);
  EXPECT_EQ(job["state"], "done") << job.dump();
  EXPECT_EQ(job["kind"], "sweep");
  EXPECT_EQ(job["sweep_id"], id);
  EXPECT_EQ(job["progress"], 1.0);

  const json sweep = get_json(*client, fmt::format("/api/sweeps/{}", id));
  EXPECT_EQ(sweep["scenario"], "served-by-demand");
  EXPECT_EQ(sweep["source"], "request");
  EXPECT_EQ(sweep["mode"], "grid");
  EXPECT_EQ(sweep["summary"]["runs"], 5);
  EXPECT_EQ(sweep["summary"]["planned"], 5);
  const json& served = sweep["summary"]["outputs"][0];
  ASSERT_EQ(served["name"], "served_tokens_per_day");
  EXPECT_NEAR(served["mean"].get<double>(), 3e12, 1e3);
  EXPECT_NEAR(served["p10"].get<double>(), 1.4e12, 1e3);
  EXPECT_NEAR(served["p50"].get<double>(), 3e12, 1e3);
  EXPECT_NEAR(served["p90"].get<double>(), 4.6e12, 1e3);

  // Listed among the sweeps with its headline, not among the plans.
  const json list = get_json(*client, "/api/sweeps");
  ASSERT_EQ(list["total"], 1);
  const json& row = list["sweeps"][0];
  EXPECT_EQ(row["sweep_id"], id);
  EXPECT_EQ(row["state"], "done");
  EXPECT_EQ(row["status"], "complete");
  EXPECT_EQ(row["options"], body["options"]);
  EXPECT_EQ(row["headline"]["runs"], 5);
  EXPECT_NEAR(row["headline"]["metric_p50"].get<double>(), 3e12, 1e3);
  EXPECT_EQ(get_json(*client, "/api/plans")["total"], 0);
  EXPECT_EQ(get_json(*client, fmt::format("/api/plans/{}", id), 404)["error"],
            fmt::format("no plan {0}: job {0} is a sweep (GET /api/sweeps/{0})", id));
  EXPECT_EQ(get_json(*client, fmt::format("/api/sweeps/{}/inputs", id))["scenario_text"],
            served_by_demand_text());
  EXPECT_EQ(get_json(*client, "/api/sweeps/99", 404)["error"], "no sweep 99");
}

TEST(Server, SweepInputErrorsAre400WithTheCommandLinesMessage) {
  ServerOptions options;
  options.sweep_limit = 4;
  TestServer server(options);
  ASSERT_TRUE(server.ok()) << server.error();
  auto client = server.client();
  const auto error_of = [&](const json& sweep_options, const std::string& scenario) {
    const json body = {{"scenario", scenario}, {"options", sweep_options}};
    auto r = client->Post("/api/sweeps", body.dump(), "application/json");
    EXPECT_TRUE(r);
    EXPECT_EQ(r ? r->status : 0, 400) << body.dump();
    return r ? json::parse(r->body)["error"].get<std::string>() : "";
  };
  const std::string text = served_by_demand_text();
  // A path the scenario lacks: the command line's message for the same text, with the
  // file it reads named "request" as the plan route does.
  const auto file = server.dir() / "served-by-demand.yaml";
  std::ofstream(file) << text;
  const std::string bad = "periods[2026].demand[chat].tokens_per_dya=1e12,2e12";
  {
    auto catalog = catalog::Catalog::load();
    auto efficiency = perf::EfficiencyTable::load_builtin();
    auto document = analysis::ScenarioDocument::load(file.string());
    ASSERT_TRUE(document.ok());
    analysis::SweepSpec spec;
    spec.sets = {bad};
    auto prepared = analysis::prepare_sweep(*document, spec, *catalog, *efficiency);
    ASSERT_FALSE(prepared.ok());
    std::string expected = prepared.error().message;
    const auto at = expected.find(file.string());
    ASSERT_NE(at, std::string::npos) << expected;
    expected.replace(at, file.string().size(), "request");
    EXPECT_EQ(error_of({{"set", {bad}}}, text), expected);
  }
  EXPECT_EQ(error_of({{"tornado", true}, {"samples", 3}}, text),
            "options.tornado and options.samples: choose one mode");
  EXPECT_EQ(error_of({{"vary", {std::string(kDemandPath) + "=uniform(1e12,2e12)"}}}, text),
            "options.vary and options.uncertainty draw samples: give options.samples");
  EXPECT_EQ(error_of({{"set", std::string(kDemandPath) + "=1e12"}}, text),
            fmt::format("options.set: expected a list of \"PATH=...\" strings, got \"{}=1e12\"",
                        kDemandPath));
  EXPECT_EQ(error_of({{"samples", 0}}, text),
            "options.samples: expected a whole number from 1 to 200000, got 0");
  EXPECT_EQ(error_of({{"objective", "max-profit"}}, text),
            "options.objective: objective 'max-profit' is not known; expected min-cost or "
            "max-served");
  EXPECT_EQ(error_of({{"catalog", {"/etc/passwd"}}}, text).rfind("options.catalog: refused", 0),
            0U);
  EXPECT_EQ(error_of({{"sampels", 3}}, text).rfind("options.sampels: unknown field", 0), 0U);
  // gap and node_limit are checked by the options registry, as the flags are.
  EXPECT_EQ(error_of({{"node_limit", -1}}, text).rfind("options.node_limit: ", 0), 0U)
      << error_of({{"node_limit", -1}}, text);
  EXPECT_EQ(error_of({{"gap", 1.5}}, text).rfind("options.gap: ", 0), 0U);
  EXPECT_EQ(error_of({{"gap", "small"}}, text).rfind("options.gap: expected ", 0), 0U);
  // Bounded: 5 runs (a grid) or 5 samples against a limit of 4.
  const std::string over =
      "this sweep has 5 runs; a request may ask for at most 4 (fleetplan serve --sweep-limit); "
      "run larger sweeps with fleetplan sweep (all cores, mpirun)";
  EXPECT_EQ(error_of({{"set", {std::string(kDemandPath) + "=1e12:5e12:5"}}}, text),
            "options: " + over);
  EXPECT_EQ(error_of({{"samples", 5}, {"vary", {std::string(kDemandPath) + "=uniform(1e12,2e12)"}}},
                     text),
            "options.samples: " + over);
  EXPECT_EQ(error_of({}, "no-such-scenario").rfind("unknown scenario 'no-such-scenario'", 0), 0U)
      << error_of({}, "no-such-scenario");
  // A built-in scenario is named by its name, as the request gave it: the message is the
  // command line's with the built-in file's path (on the server's disk) replaced by the name.
  {
    const std::string builtin = "bytedance-2026";
    auto path = scenario::builtin_scenario_path(builtin);
    ASSERT_TRUE(path.ok());
    auto catalog = catalog::Catalog::load();
    auto efficiency = perf::EfficiencyTable::load_builtin();
    auto document = analysis::ScenarioDocument::load(*path);
    ASSERT_TRUE(document.ok());
    const std::string typo = "settings.peak_to_averag=1.5";
    analysis::SweepSpec spec;
    spec.sets = {typo};
    auto prepared = analysis::prepare_sweep(*document, spec, *catalog, *efficiency);
    ASSERT_FALSE(prepared.ok());
    std::string expected = prepared.error().message;
    const auto at = expected.find(*path);
    ASSERT_NE(at, std::string::npos) << expected;
    expected.replace(at, path->size(), builtin);
    const std::string message = error_of({{"set", {typo}}}, builtin);
    EXPECT_EQ(message, expected);
    EXPECT_EQ(message.find(std::filesystem::path(*path).parent_path().string()), std::string::npos)
        << message;
  }
  EXPECT_EQ(get_json(*client, "/api/sweeps")["total"], 0);
}

TEST(Server, TokenGuardsTheApiButNotHealthz) {
  ServerOptions options;
  options.token = "s3cret-token";
  TestServer server(options);
  ASSERT_TRUE(server.ok()) << server.error();
  httplib::Client anonymous("127.0.0.1", server.port());
  auto res = anonymous.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  for (const char* path : {"/api/plans", "/api/catalog", "/api/openapi.json", "/api/jobs/1"}) {
    res = anonymous.Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << path;
    EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer");
  }
  httplib::Client wrong("127.0.0.1", server.port());
  wrong.set_bearer_token_auth("s3cret-tokem");
  res = wrong.Get("/api/plans");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  res = anonymous.Post("/api/plans", R"({"scenario": "bytedance-2026"})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  auto client = server.client();
  EXPECT_EQ(get_json(*client, "/api/plans")["total"], 0);
}

// A browser with a token file: the dashboard's files need the token too; `?token=` or the
// login form sets an HttpOnly, SameSite=Strict session cookie that the API accepts as well.
TEST(Server, BrowsersLogInOnceAndKeepASessionCookie) {
  const auto root =
      std::filesystem::temp_directory_path() / fmt::format("fleetplan-web-auth-{}", getpid());
  std::filesystem::create_directories(root / "assets");
  std::ofstream(root / "index.html") << "<!doctype html><title>dash</title>";
  std::ofstream(root / "assets" / "app.js") << "console.log(1)";
  ServerOptions options;
  options.token = "s3cret token/+%";  // needs encoding in a URL and in a form
  options.web_dir = root.string();
  {
    TestServer server(options);
    ASSERT_TRUE(server.ok()) << server.error();
    httplib::Client browser("127.0.0.1", server.port());
    for (const char* path : {"/", "/assets/app.js", "/plans/1"}) {
      auto res = browser.Get(path);
      ASSERT_TRUE(res);
      EXPECT_EQ(res->status, 401) << path;
      EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8") << path;
      EXPECT_NE(res->body.find("<form method=post action=/login>"), std::string::npos) << path;
      EXPECT_EQ(res->body.find("dash"), std::string::npos) << path;
    }
    auto res = browser.Get("/?token=s3cret%20token%2F%2B%25x");  // one byte more
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);
    EXPECT_NE(res->body.find("not this server's"), std::string::npos);
    EXPECT_TRUE(res->get_header_value("Set-Cookie").empty());

    // The printed address with ?token=: a cookie, and the page again without the token.
    res = browser.Get("/?token=s3cret%20token%2F%2B%25");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 303);
    EXPECT_EQ(res->get_header_value("Location"), "/");
    const std::string cookie = res->get_header_value("Set-Cookie");
    // The cookie carries a session id of the server: 256 random bits in hex, not the token.
    const std::regex session(
        "fleetplan_session=([0-9a-f]{64}); Path=/; Max-Age=2592000; HttpOnly; SameSite=Strict");
    std::smatch match;
    ASSERT_TRUE(std::regex_match(cookie, match, session)) << cookie;
    const std::string id = match[1];
    EXPECT_EQ(id.find("73336372657420746f6b656e2f2b25"), std::string::npos);  // the token in hex
    const httplib::Headers with_cookie = {{"Cookie", "theme=dark; fleetplan_session=" + id}};
    res = browser.Get("/", with_cookie);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "<!doctype html><title>dash</title>");
    res = browser.Get("/api/plans", with_cookie);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    // A cookie one digit off is no session; nor is the token, in hex (the old cookie) or not.
    std::string off_by_one = id;
    off_by_one[10] = off_by_one[10] == '0' ? '1' : '0';
    for (const std::string& forged : {off_by_one, std::string("73336372657420746f6b656e2f2b25"),
                                      options.token, std::string()}) {
      res = browser.Get("/api/plans", {{"Cookie", "fleetplan_session=" + forged}});
      ASSERT_TRUE(res);
      EXPECT_EQ(res->status, 401) << forged;
    }

    // The login form.
    res = browser.Get("/login");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    res = browser.Post("/login", "token=s3cret+token%2F%2B", "application/x-www-form-urlencoded");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);
    EXPECT_TRUE(res->get_header_value("Set-Cookie").empty());
    res =
        browser.Post("/login", "token=s3cret+token%2F%2B%25", "application/x-www-form-urlencoded");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 303);
    EXPECT_EQ(res->get_header_value("Location"), "/");
    // A second login is a second session, with an id of its own; both are valid.
    const std::string second_cookie = res->get_header_value("Set-Cookie");
    ASSERT_TRUE(std::regex_match(second_cookie, match, session)) << second_cookie;
    const std::string second = match[1];
    EXPECT_NE(second, id);
    const httplib::Headers with_second = {{"Cookie", "fleetplan_session=" + second}};
    res = browser.Get("/api/plans", with_second);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    res = browser.Get("/logout", with_cookie);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 303);
    EXPECT_EQ(res->get_header_value("Set-Cookie"),
              "fleetplan_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
    // Logging out ends that session on the server: its cookie, kept, opens nothing; the
    // other session stays.
    res = browser.Get("/api/plans", with_cookie);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);
    res = browser.Get("/api/plans", with_second);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    // /healthz needs nothing.
    res = browser.Get("/healthz");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  std::filesystem::remove_all(root);
}

TEST(Server, BodyLimitQueueLimitAndTimeLimit) {
  ServerOptions options;
  options.body_limit = 4096;
  options.jobs = 1;
  options.queue_limit = 1;
  options.request_time_limit_s = 0.001;
  TestServer server(options);
  ASSERT_TRUE(server.ok()) << server.error();
  auto client = server.client();
  auto res = client->Post("/api/plans", std::string(5000, ' '), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(json::parse(res->body)["error"], "request body too large (the limit is 4096 bytes)");

  // A plan with rule costs takes seconds: the first runs, the second waits in the one
  // place of the queue, the third is refused.
  const json full = {{"scenario", "bytedance-2026"}};
  // The first also simulates its plan and re-solves rule pairs: several times the seconds the
  // posts below take, however fast a plan has become.
  const json slow = {{"scenario", "bytedance-2026"},
                     {"options", {{"verify", true}, {"rule_interactions", true}}}};
  const long long first = post_plan(*client, slow);
  ASSERT_GT(first, 0);
  // Until the worker has taken the first, the queue's place is its.
  for (int i = 0;
       i < 200 && get_json(*client, fmt::format("/api/jobs/{}", first))["state"] == "queued"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const long long second = post_plan(*client, full);
  ASSERT_GT(second, 0);
  res = client->Post("/api/plans", full.dump(), "application/json");
  ASSERT_TRUE(res);
  if (get_json(*client, fmt::format("/api/jobs/{}", first))["state"] == "running") {
    EXPECT_EQ(res->status, 503) << res->body;
    EXPECT_EQ(json::parse(res->body)["error"],
              "the plan queue is full (1 plans waiting); retry later");
  }
  const json job = get_json(*client, fmt::format("/api/jobs/{}", second));
  EXPECT_EQ(job["state"], "queued");
  EXPECT_EQ(job["progress"], 0.0);
  EXPECT_EQ(get_json(*client, fmt::format("/api/plans/{}", second), 409)["state"], "queued");

  // 1 ms is too short for any simulation of 100,000 requests.
  res = client->Post("/api/simulate",
                     R"({"model": "llama3.1-8b", "accelerator": "H100-SXM", "requests": 100000})",
                     "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(json::parse(res->body)["error"].get<std::string>().rfind(
                "the request ran past the time limit of 0.001 s", 0),
            0U);
}

TEST(Server, StaticFilesStayInsideTheDashboardFolder) {
  const auto root =
      std::filesystem::temp_directory_path() / fmt::format("fleetplan-web-{}", getpid());
  std::filesystem::create_directories(root / "dist" / "assets");
  std::ofstream(root / "dist" / "index.html") << "<!doctype html><title>dash</title>";
  std::ofstream(root / "dist" / "assets" / "app.js") << "console.log(1)";
  std::ofstream(root / "secret.txt") << "not for you";
  std::filesystem::create_symlink(root / "secret.txt", root / "dist" / "link.txt");
  ServerOptions options;
  options.web_dir = (root / "dist").string();
  {
    TestServer server(options);
    ASSERT_TRUE(server.ok()) << server.error();
    auto client = server.client();
    auto res = client->Get("/");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "<!doctype html><title>dash</title>");
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
    res = client->Get("/assets/app.js");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "console.log(1)");
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
    res = client->Get("/plans/7");  // a route of the dashboard: its page
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "<!doctype html><title>dash</title>");
    for (const char* path : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                             "/assets/..%2f..%2fsecret.txt", "/link.txt", "/missing.js"}) {
      res = client->Get(path);
      ASSERT_TRUE(res) << path;
      EXPECT_NE(res->status, 200) << path;
      EXPECT_EQ(res->body.find("not for you"), std::string::npos) << path;
    }
  }
  std::filesystem::remove_all(root);
}

TEST(Server, RestartRunsWhatAStoppedServerLeftQueued) {
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("fleetplan-restart-{}", getpid());
  std::filesystem::create_directories(dir);
  const std::string url = (dir / "plans.db").string();
  {
    // What a killed server leaves: a queued plan and a running one.
    auto store = store::open_store(url);
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 2; ++i) {
      auto id = (*store)->add_plan({"bytedance-2026", "built-in scenario bytedance-2026",
                                    builtin_text("bytedance-2026"), R"({"no_rule_costs":true})",
                                    "0.1.0", store::utc_now()});
      ASSERT_TRUE(id.ok());
    }
    ASSERT_TRUE((*store)->mark_running(2, store::utc_now()).ok());
    // And a queued sweep: demands 1..5 T of the served-by-demand fixture, P50 3 T.
    store::NewPlan sweep{"served-by-demand",
                         "request",
                         served_by_demand_text(),
                         json({{"set", {std::string(kDemandPath) + "=1e12:5e12:5"}}}).dump(),
                         "0.1.0",
                         store::utc_now(),
                         store::JobKind::kSweep};
    ASSERT_EQ(*(*store)->add_plan(sweep), 3);
  }
  ServerOptions options;
  options.store_url = url;
  {
    TestServer server(options);
    ASSERT_TRUE(server.ok()) << server.error();
    report::PlanOptions plan_options;
    plan_options.no_rule_costs = true;
    const std::string expected = cli_plan_json("bytedance-2026", plan_options);
    auto client = server.client();
    for (long long id : {1, 2}) {
      EXPECT_EQ(server.wait_for_job(id)["state"], "done");
      auto res = client->Get(fmt::format("/api/plans/{}", id));
      ASSERT_TRUE(res);
      EXPECT_EQ(res->body, expected);
    }
    EXPECT_EQ(server.wait_for_job(3)["state"], "done");
    const json swept = get_json(*client, "/api/sweeps/3");
    EXPECT_EQ(swept["summary"]["runs"], 5);
    EXPECT_NEAR(swept["summary"]["outputs"][0]["p50"].get<double>(), 3e12, 1e3);
    EXPECT_EQ(get_json(*client, "/api/jobs/4", 404)["error"], "no job 4");
    EXPECT_EQ(get_json(*client, "/api/plans/4", 404)["error"], "no plan 4");
  }
  std::filesystem::remove_all(dir);
}

TEST(Server, ListingFiltersAndPagesAndRefusesTypos) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  auto client = server.client();
  std::vector<long long> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(post_plan(
        *client, {{"scenario", "bytedance-2026"}, {"options", {{"no_rule_costs", true}}}}));
  }
  ids.push_back(post_plan(*client, {{"scenario", infeasible_text()}}));
  for (long long id : ids) {
    ASSERT_EQ(server.wait_for_job(id)["state"], "done");
  }
  const json page = get_json(*client, "/api/plans?scenario=bytedance-2026&limit=2&offset=1");
  EXPECT_EQ(page["total"], 3);
  ASSERT_EQ(page["plans"].size(), 2U);
  EXPECT_EQ(page["plans"][0]["plan_id"], ids[1]);  // newest first: 3, [2, 1]
  EXPECT_EQ(page["plans"][1]["plan_id"], ids[0]);
  EXPECT_EQ(get_json(*client, "/api/plans?state=done")["total"], 4);
  EXPECT_EQ(get_json(*client, "/api/plans?scenario=infeasible-test")["total"], 1);
  EXPECT_EQ(get_json(*client, "/api/plans?limit=0", 400)["error"],
            "limit: expected a whole number from 1 to 500, got '0'");
  EXPECT_EQ(get_json(*client, "/api/plans?state=finished", 400)["error"],
            "state: unknown plan state 'finished' (expected queued, running, done or failed)");
  EXPECT_EQ(get_json(*client, "/api/plans?scenaro=x", 400)["error"],
            "scenaro: unknown query parameter (expected scenario, state, status, limit, offset)");
  EXPECT_EQ(get_json(*client, "/api/nothing", 404)["error"], "no route GET /api/nothing");
}

}  // namespace
}  // namespace fleetplan::server
