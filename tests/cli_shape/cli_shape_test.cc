// The commands end to end, as a script would use them: exit codes and the shape of the JSON
// of `estimate`, `simulate` (and its --timeseries CSV), `calibrate` (and its --write round
// trip) and `catalog`. Expected values come from the inputs (the counts in the files, the
// flags given) and from identities any correct output keeps (tp x pp x replicas = count,
// completed + dropped = arrived, Little's law), not from earlier output.
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "core/csv.h"

namespace fleetplan {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
  [[nodiscard]] json parsed() const {
    try {
      return json::parse(out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not JSON (" << e.what() << "): " << out.substr(0, 400);
      return json::object();
    }
  }
};

// A path for this test process's own file `name` (ctest runs tests in parallel processes).
fs::path scratch(const std::string& name) {
  return fs::path(testing::TempDir()) / fmt::format("cli-shape-{}-{}", getpid(), name);
}

// Runs `fleetplan ARGS` from the source root (args are quoted for the shell).
Outcome fleetplan(const std::vector<std::string>& args) {
  static int counter = 0;
  const fs::path dir = scratch(fmt::format("run-{}", ++counter));
  fs::create_directories(dir);
  std::string command = fmt::format("cd '{}' && '{}'", FLEETPLAN_SOURCE_DIR, FLEETPLAN_BINARY);
  for (const std::string& arg : args) {
    std::string quoted;
    for (const char c : arg) {
      quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    command += " '" + quoted + "'";
  }
  command += fmt::format(" >'{}/out' 2>'{}/err' </dev/null", dir.string(), dir.string());
  const int status = std::system(command.c_str());
  Outcome r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_text(dir / "out");
  r.err = read_text(dir / "err");
  fs::remove_all(dir);
  return r;
}

// Each key of `object` is present with the JSON type named ("number", "integer", "string",
// "boolean", "object", "array").
void expect_fields(const json& object,
                   const std::vector<std::pair<std::string, std::string>>& fields,
                   const std::string& where) {
  ASSERT_TRUE(object.is_object()) << where << " is not an object";
  for (const auto& [key, type] : fields) {
    ASSERT_TRUE(object.contains(key)) << where << " lacks '" << key << "'";
    const json& v = object.at(key);
    const bool ok = type == "number"    ? v.is_number()
                    : type == "integer" ? v.is_number_integer()
                    : type == "string"  ? v.is_string()
                    : type == "boolean" ? v.is_boolean()
                    : type == "object"  ? v.is_object()
                    : type == "array"   ? v.is_array()
                                        : false;
    EXPECT_TRUE(ok) << where << "." << key << " is " << v.type_name() << ", expected " << type;
  }
}

// A failed command: the given exit code, nothing on stdout, a message on stderr.
void expect_failure(const Outcome& r, int exit_code, const std::string& mentions) {
  EXPECT_EQ(r.exit_code, exit_code) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(mentions), std::string::npos) << "stderr: " << r.err;
}

// ------------------------------------------------------------------------------- estimate

TEST(CliEstimate, JsonShapeAndIdentities) {
  const Outcome r =
      fleetplan({"estimate", "--model", "llama3.1-70b", "--accelerator", "H100-SXM", "--count", "8",
                 "--input-len", "1000", "--output-len", "250", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = r.parsed();
  expect_fields(j,
                {{"model", "string"},
                 {"accelerator", "string"},
                 {"count", "integer"},
                 {"precision", "object"},
                 {"input_len", "integer"},
                 {"output_len", "integer"},
                 {"throughput_output_tokens_per_s", "number"},
                 {"throughput_total_tokens_per_s", "number"},
                 {"ttft_ms", "number"},
                 {"tpot_ms", "number"},
                 {"batch", "integer"},
                 {"concurrency", "integer"},
                 {"parallelism", "object"},
                 {"bound", "object"},
                 {"memory_gb", "object"},
                 {"meets_targets", "boolean"},
                 {"batch_limit", "string"},
                 {"deployments_searched", "integer"},
                 {"efficiency", "object"}},
                "estimate");
  expect_fields(j["parallelism"],
                {{"tp", "integer"},
                 {"pp", "integer"},
                 {"ep", "integer"},
                 {"attention_dp", "boolean"},
                 {"replicas", "integer"}},
                "parallelism");
  expect_fields(j["memory_gb"],
                {{"capacity", "number"}, {"weights", "number"}, {"kv_cache", "number"}},
                "memory_gb");
  EXPECT_EQ(j["model"], "llama3.1-70b");
  EXPECT_EQ(j["count"], 8);
  EXPECT_EQ(j["input_len"], 1000);
  EXPECT_EQ(j["output_len"], 250);
  const json& p = j["parallelism"];
  EXPECT_EQ(p["tp"].get<int>() * p["pp"].get<int>() * p["replicas"].get<int>(), 8);
  // Offline: every replica runs its batch; input + output tokens/s = output x (I + O) / O.
  EXPECT_EQ(j["concurrency"], j["batch"].get<int>() * p["replicas"].get<int>());
  EXPECT_NEAR(j["throughput_total_tokens_per_s"].get<double>(),
              j["throughput_output_tokens_per_s"].get<double>() * 1250.0 / 250.0,
              1e-5 * j["throughput_total_tokens_per_s"].get<double>());
  EXPECT_DOUBLE_EQ(j["memory_gb"]["capacity"].get<double>(), 80.0);  // H100-SXM: 80 GB HBM3
}

TEST(CliEstimate, ConcurrencyIsKeptAndGivesLittlesLaw) {
  const Outcome r = fleetplan({"estimate", "--model", "llama3.1-8b", "--accelerator", "H100-SXM",
                               "--count", "4", "--tp", "1", "--concurrency", "10", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = r.parsed();
  EXPECT_EQ(j["concurrency"], 10);
  EXPECT_EQ(j["batch"], 3);  // ceil(10 / 4 replicas)
  EXPECT_EQ(j["batch_limit"], "concurrency");
  // 10 requests in flight, one token each per TPOT (7 significant digits printed).
  EXPECT_NEAR(j["throughput_output_tokens_per_s"].get<double>(),
              10.0 / (j["tpot_ms"].get<double>() / 1000.0),
              2e-6 * j["throughput_output_tokens_per_s"].get<double>());
}

TEST(CliEstimate, ErrorsExitWithTheirCodes) {
  expect_failure(fleetplan({"estimate", "--model", "no-such-model", "--accelerator", "H100-SXM"}),
                 2, "no-such-model");
  expect_failure(fleetplan({"estimate", "--model", "llama3.1-8b", "--accelerator", "H100-SXM",
                            "--count", "0"}),
                 2, "--count");
  expect_failure(fleetplan({"estimate", "--accelerator", "H100-SXM"}), 2, "--model");
  // Llama 3.1 405B in FP8 (the default; ~406 GB of weights) on one H100 (80 GB): a request
  // that cannot be met.
  const Outcome fit =
      fleetplan({"estimate", "--model", "llama3.1-405b", "--accelerator", "H100-SXM", "--json"});
  EXPECT_NE(fit.exit_code, 0);
  EXPECT_NE(fit.exit_code, 1) << "an infeasible request is not an internal error";
  EXPECT_NE(fit.err.find("does not fit"), std::string::npos) << fit.err;
}

// ------------------------------------------------------------------------------- simulate

TEST(CliSimulate, JsonShapeAndCounts) {
  const Outcome r = fleetplan({"simulate", "--model", "llama3.1-8b", "--accelerator", "H100-SXM",
                               "--rate", "4", "--requests", "300", "--seed", "11", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = r.parsed();
  expect_fields(j,
                {{"requests_arrived", "integer"},
                 {"requests_completed", "integer"},
                 {"requests_dropped", "integer"},
                 {"duration_s", "number"},
                 {"throughput_output_tokens_per_s", "number"},
                 {"throughput_requests_per_s", "number"},
                 {"goodput_requests_per_s", "number"},
                 {"mean_requests_in_system", "number"},
                 {"requests_meeting_targets", "integer"},
                 {"preemptions", "integer"},
                 {"ttft_ms", "object"},
                 {"tpot_ms", "object"},
                 {"e2e_ms", "object"},
                 {"services", "array"},
                 {"deployments", "array"},
                 {"simulation", "object"}},
                "simulate");
  for (const char* latency : {"ttft_ms", "tpot_ms", "e2e_ms"}) {
    const json& l = j[latency];
    expect_fields(l, {{"mean", "number"}, {"p50", "number"}, {"p90", "number"}, {"p99", "number"}},
                  latency);
    EXPECT_LE(l["p50"].get<double>(), l["p90"].get<double>()) << latency;
    EXPECT_LE(l["p90"].get<double>(), l["p99"].get<double>()) << latency;
  }
  EXPECT_EQ(j["requests_arrived"], 300);
  EXPECT_EQ(j["requests_completed"].get<int>() + j["requests_dropped"].get<int>(), 300);
  ASSERT_EQ(j["services"].size(), 1U);
  EXPECT_EQ(j["services"][0]["requests_arrived"], 300);
  ASSERT_EQ(j["deployments"].size(), 1U);
  EXPECT_EQ(j["deployments"][0]["accelerator"], "H100-SXM");
  EXPECT_EQ(j["deployments"][0]["requests"], 300);
  expect_fields(
      j["simulation"],
      {{"seed", "integer"}, {"mode", "string"}, {"events", "integer"}, {"steps", "integer"}},
      "simulation");
  EXPECT_EQ(j["simulation"]["seed"], 11);
  EXPECT_EQ(j["simulation"]["mode"], "fast");
  // Rates are over the measured window: completed / duration.
  EXPECT_NEAR(j["throughput_requests_per_s"].get<double>(),
              j["requests_completed"].get<double>() / j["duration_s"].get<double>(),
              1e-5 * j["throughput_requests_per_s"].get<double>());
}

TEST(CliSimulate, SameSeedSameBytesAndStepByStepSaysSo) {
  const std::vector<std::string> args = {"simulate", "--model", "llama3.1-8b", "--accelerator",
                                         "H100-SXM", "--rate",  "4",           "--requests",
                                         "200",      "--seed",  "5",           "--json"};
  const Outcome a = fleetplan(args);
  const Outcome b = fleetplan(args);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  std::vector<std::string> step = args;
  step.emplace_back("--step-by-step");
  const Outcome s = fleetplan(step);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(s.parsed()["simulation"]["mode"], "step_by_step");
  EXPECT_EQ(s.parsed()["requests_arrived"], 200);
}

TEST(CliSimulate, TimeseriesCsvSamplesAtTheInterval) {
  const fs::path csv_path = scratch("timeseries.csv");
  fs::remove(csv_path);
  const Outcome r = fleetplan({"simulate", "--model", "llama3.1-8b", "--accelerator", "H100-SXM",
                               "--rate", "5", "--requests", "200", "--seed", "2", "--timeseries",
                               csv_path.string(), "--timeseries-interval", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto table = csv::parse(read_text(csv_path), csv_path.string());
  ASSERT_TRUE(table.ok()) << table.error().message;
  const std::vector<std::string> columns = {"time_s",
                                            "in_system",
                                            "waiting",
                                            "running",
                                            "kv_occupancy",
                                            "llama3.1-8b_waiting",
                                            "llama3.1-8b_running"};
  EXPECT_EQ(table->columns, columns);
  ASSERT_GE(table->rows.size(), 10U);  // 200 arrivals at 5/s: about 40 s, 20 samples
  const double end_s = r.parsed()["simulation"]["end_s"].get<double>();
  for (std::size_t i = 0; i < table->rows.size(); ++i) {
    const csv::Row& row = table->rows[i];
    const double t = *csv::to_number(row.get("time_s"));
    EXPECT_DOUBLE_EQ(t, 2.0 * static_cast<double>(i)) << "row " << i;
    EXPECT_LE(t, end_s + 2.0);
    // One mixed deployment, one service: a request in the system is waiting or running.
    const double in_system = *csv::to_number(row.get("in_system"));
    EXPECT_EQ(in_system, *csv::to_number(row.get("waiting")) + *csv::to_number(row.get("running")));
    EXPECT_EQ(*csv::to_number(row.get("waiting")), *csv::to_number(row.get("llama3.1-8b_waiting")));
    const double kv = *csv::to_number(row.get("kv_occupancy"));
    EXPECT_TRUE(kv >= 0 && kv <= 1) << kv;
  }
  EXPECT_EQ(*csv::to_number(table->rows[0].get("in_system")), 0);  // nothing before t = 0
}

TEST(CliSimulate, ErrorsExitWithTheirCodes) {
  expect_failure(fleetplan({"simulate", "--model", "llama3.1-8b", "--accelerator", "H100-SXM",
                            "--rate", "-1"}),
                 2, "--rate");
  expect_failure(fleetplan({"simulate", "--scenario", "examples/no-such-file.yaml"}), 2,
                 "no-such-file");
}

// ------------------------------------------------------------------------------ calibrate

// A small measurements file: the reference rows on H100-SXM under TensorRT-LLM that give
// lengths and an output throughput (what calibrate scores), 10 of them.
fs::path small_measurements() {
  const std::string reference =
      std::string(FLEETPLAN_SOURCE_DIR) + "/data/reference/measurements-calibration.csv";
  auto table = csv::read_file(reference);
  EXPECT_TRUE(table.ok()) << table.error().message;
  const auto quote = [](const std::string& field) {
    std::string out = "\"";
    for (const char c : field) {
      out += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return out + "\"";
  };
  std::string text;
  for (std::size_t i = 0; i < table->columns.size(); ++i) {
    text += (i ? "," : "") + table->columns[i];
  }
  text += "\n";
  int kept = 0;
  for (const csv::Row& row : table->rows) {
    if (kept == 10) {
      break;
    }
    if (row.get("accelerator") != "H100-SXM" ||
        row.get("framework").find("TensorRT") == std::string::npos ||
        row.get("input_len").empty() || row.get("output_len").empty() ||
        row.get("tokens_per_s_output").empty() || row.get("accelerator_count").empty() ||
        row.get("notes").find("peculative") != std::string::npos) {
      continue;
    }
    for (std::size_t i = 0; i < table->columns.size(); ++i) {
      text += (i ? "," : "") + quote(row.get(table->columns[i]));
    }
    text += "\n";
    ++kept;
  }
  EXPECT_EQ(kept, 10);
  const fs::path path = scratch("h100-trtllm.csv");
  std::ofstream(path) << text;
  return path;
}

TEST(CliCalibrate, JsonShapeAndRowCounts) {
  const fs::path rows = small_measurements();
  const Outcome r = fleetplan({"calibrate", "--measurements", rows.string(), "--no-fit", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = r.parsed();
  expect_fields(j,
                {{"throughput", "object"},
                 {"ttft", "object"},
                 {"fully_specified_rows", "integer"},
                 {"modelled_rows", "integer"},
                 {"coverage", "number"},
                 {"families", "array"},
                 {"rows", "array"}},
                "calibrate");
  expect_fields(j["throughput"],
                {{"rows", "integer"},
                 {"median_abs_error_pct", "number"},
                 {"p90_abs_error_pct", "number"},
                 {"mean_signed_error_pct", "number"}},
                "throughput");
  EXPECT_EQ(j["rows"].size(), 10U);  // every row of the file, in order
  EXPECT_EQ(j["fully_specified_rows"], 10);
  EXPECT_LE(j["modelled_rows"].get<int>(), 10);
  EXPECT_NEAR(j["coverage"].get<double>(), j["modelled_rows"].get<double>() / 10.0, 1e-6);
  EXPECT_LE(j["throughput"]["median_abs_error_pct"].get<double>(),
            j["throughput"]["p90_abs_error_pct"].get<double>());
  for (const json& row : j["rows"]) {
    expect_fields(row, {{"id", "string"}, {"use", "string"}}, "rows[]");
  }
}

TEST(CliCalibrate, WriteThenReadBackGivesTheSameAccuracy) {
  const fs::path rows = small_measurements();
  const fs::path written = scratch("fitted-efficiency.yaml");
  fs::remove(written);
  const Outcome fit = fleetplan({"calibrate", "--measurements", rows.string(), "--write",
                                 written.string(), "--date", "2026-12-01", "--json"});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  ASSERT_TRUE(fs::exists(written));
  // The file is what the shipped table looks like: families with their factors.
  const YAML::Node yaml = YAML::LoadFile(written.string());
  ASSERT_TRUE(yaml["families"].IsSequence());
  double hopper_compute = 0;
  for (const auto& family : yaml["families"]) {
    if (family["family"].as<std::string>() == "Hopper") {
      hopper_compute = family["compute"].as<double>();
      EXPECT_NE(family["fitted_on"].as<std::string>().find("2026-12-01"), std::string::npos);
    }
  }
  EXPECT_GT(hopper_compute, 0.0);
  // Evaluated with the written factors, without fitting, the same rows score as after the
  // fit (to_yaml keeps 4 decimals: predictions move by < 0.02 %).
  const Outcome again = fleetplan({"calibrate", "--measurements", rows.string(), "--efficiency",
                                   written.string(), "--no-fit", "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const json a = fit.parsed()["throughput"];
  const json b = again.parsed()["throughput"];
  EXPECT_EQ(a["rows"], b["rows"]);
  EXPECT_NEAR(a["median_abs_error_pct"].get<double>(), b["median_abs_error_pct"].get<double>(),
              0.1);
  EXPECT_NEAR(a["p90_abs_error_pct"].get<double>(), b["p90_abs_error_pct"].get<double>(), 0.1);
  const json evaluated = again.parsed();  // (a range-for over a temporary's member dangles)
  for (const json& family : evaluated["families"]) {
    if (family["family"] == "Hopper") {
      EXPECT_NEAR(family["compute"].get<double>(), hopper_compute, 1e-9);
    }
  }
}

TEST(CliCalibrate, ErrorsExitWithTheirCodes) {
  expect_failure(fleetplan({"calibrate"}), 2, "--measurements");
  const fs::path bad = scratch("bad-measurements.csv");
  std::ofstream(bad) << "id,accelerator\nx,H100-SXM\n";
  expect_failure(fleetplan({"calibrate", "--measurements", bad.string(), "--json"}), 2,
                 "missing column");
}

// -------------------------------------------------------------------------------- catalog

TEST(CliCatalog, JsonListsEveryEntryOfTheShippedFiles) {
  const Outcome r = fleetplan({"catalog", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = r.parsed();
  expect_fields(j, {{"accelerators", "array"}, {"models", "array"}}, "catalog");
  const std::string dir = std::string(FLEETPLAN_SOURCE_DIR) + "/data/catalog/";
  const YAML::Node accelerators = YAML::LoadFile(dir + "accelerators.yaml")["accelerators"];
  const YAML::Node models = YAML::LoadFile(dir + "models.yaml")["models"];
  ASSERT_EQ(j["accelerators"].size(), accelerators.size());
  ASSERT_EQ(j["models"].size(), models.size());
  for (std::size_t i = 0; i < accelerators.size(); ++i) {
    const json& a = j["accelerators"][i];
    expect_fields(a,
                  {{"name", "string"},
                   {"vendor", "string"},
                   {"family", "string"},
                   {"memory_gb", "number"},
                   {"memory_bw_tbps", "number"},
                   {"dense_tflops", "object"},
                   {"domestic_china", "boolean"},
                   {"sources", "string"}},
                  "accelerators[]");
    EXPECT_EQ(a["name"], accelerators[i]["name"].as<std::string>());
    if (accelerators[i]["memory_gb"]) {  // absent when inherited from a `base:` entry
      EXPECT_DOUBLE_EQ(a["memory_gb"].get<double>(), accelerators[i]["memory_gb"].as<double>())
          << a["name"];
    }
  }
  for (std::size_t i = 0; i < models.size(); ++i) {
    const json& m = j["models"][i];
    expect_fields(m,
                  {{"name", "string"},
                   {"family", "string"},
                   {"params_total_b", "number"},
                   {"layers", "integer"},
                   {"hidden", "integer"},
                   {"heads", "integer"},
                   {"kv_heads", "integer"}},
                  "models[]");
    EXPECT_EQ(m["name"], models[i]["name"].as<std::string>());
  }
}

TEST(CliCatalog, ABadExtraCatalogIsAnInputError) {
  const fs::path extra = scratch("bad-catalog.yaml");
  std::ofstream(extra) << "models:\n  - name: m\n    layers: many\n";
  expect_failure(fleetplan({"catalog", "--catalog", extra.string(), "--json"}), 2, "layers");
}

// ----------------------------------------------------------------------------------- plan

// src/plan/testdata/two-periods.yaml: H1 (181 days, 4,344 h) and H2 (184 days, 4,416 h) of
// 2026; H20 bought at home (10,000 USD + 50 % server, 4-year life; 400 W x 1.5 x PUE 1.25 =
// 0.75 kW at 0.10 USD/kWh); H100 leased abroad for 12 months (2 USD/h, plus 700 W x 1.5 x
// PUE 1.4 = 1.47 kW at 0.70 CNY/kWh, converted at the period's rate: 7.0, then 7.2).
const json* fleet_line(const json& period, const std::string& accelerator) {
  for (const json& line : period["fleet"]) {
    if (line["accelerator"] == accelerator) {
      return &line;
    }
  }
  return nullptr;
}

TEST(CliPlan, TwoPeriodsCarryTheFleetOverAndCostWhatTheFileSays) {
  const Outcome r =
      fleetplan({"plan", "src/plan/testdata/two-periods.yaml", "--json", "--no-rule-costs"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = r.parsed();
  expect_fields(j,
                {{"status", "string"},
                 {"spend_usd", "number"},
                 {"residual_usd", "number"},
                 {"cost_usd", "number"},
                 {"periods", "array"}},
                "plan");
  EXPECT_NE(j["status"], "infeasible");
  ASSERT_EQ(j["periods"].size(), 2U);
  const json& h1 = j["periods"][0];
  const json& h2 = j["periods"][1];
  EXPECT_EQ(h1["name"], "2026H1");
  EXPECT_EQ(h2["name"], "2026H2");
  // 7 bn CNY at 7.0 and 7.2 bn CNY at 7.2: one billion USD each.
  EXPECT_NEAR(h1["budget_usd"].get<double>(), 1e9, 1e3);
  EXPECT_NEAR(h2["budget_usd"].get<double>(), 1e9, 1e3);
  // Min-cost with no shortfall price: all of the demand, in each period.
  EXPECT_NEAR(h1["served_tokens_per_day"].get<double>(), 2e11, 2e11 * 1e-6);
  EXPECT_NEAR(h2["served_tokens_per_day"].get<double>(), 4e11, 4e11 * 1e-6);
  EXPECT_GE(h1["capacity_tokens_per_day"].get<double>(), 2e11 * (1 - 1e-6));
  EXPECT_GE(h2["capacity_tokens_per_day"].get<double>(), 4e11 * (1 - 1e-6));

  const json* h20_1 = fleet_line(h1, "H20");
  const json* h20_2 = fleet_line(h2, "H20");
  ASSERT_TRUE(h20_1 != nullptr && h20_2 != nullptr);
  const double bought_1 = (*h20_1)["acquired"].get<double>();
  const double bought_2 = (*h20_2)["acquired"].get<double>();
  // Bought accelerators stay: the H2 fleet is the H1 fleet plus what H2 buys.
  EXPECT_DOUBLE_EQ((*h20_1)["count"].get<double>(), bought_1);
  EXPECT_DOUBLE_EQ((*h20_2)["count"].get<double>(), bought_1 + bought_2);
  EXPECT_EQ(std::fmod(bought_1, 8.0), 0.0) << "H20 come in servers of 8";
  // Cost of a period: what it buys (15,000 USD each) plus the energy of what runs.
  const double energy_1 = 0.75 * 4344 * 0.10;  // 325.8 USD per H20 in H1
  const double energy_2 = 0.75 * 4416 * 0.10;  // 331.2 USD in H2
  EXPECT_NEAR((*h20_1)["cost_usd"].get<double>(), bought_1 * 15000 + bought_1 * energy_1,
              1e-6 * (*h20_1)["cost_usd"].get<double>());
  EXPECT_NEAR((*h20_2)["cost_usd"].get<double>(),
              bought_2 * 15000 + (bought_1 + bought_2) * energy_2,
              1e-6 * (*h20_2)["cost_usd"].get<double>());

  double lease_1 = 0;
  double lease_2 = 0;
  if (const json* h100_1 = fleet_line(h1, "H100-SXM")) {
    lease_1 = (*h100_1)["acquired"].get<double>();
    EXPECT_NEAR((*h100_1)["cost_usd"].get<double>(),
                (*h100_1)["count"].get<double>() * (2 * 4344 + 1.47 * 4344 * 0.70 / 7.0),
                1e-6 * (*h100_1)["cost_usd"].get<double>());
  }
  if (const json* h100_2 = fleet_line(h2, "H100-SXM")) {
    lease_2 = (*h100_2)["acquired"].get<double>();
    // A 12-month lease started in H1 still runs in H2.
    EXPECT_DOUBLE_EQ((*h100_2)["count"].get<double>(), lease_1 + lease_2);
    EXPECT_NEAR((*h100_2)["cost_usd"].get<double>(),
                (*h100_2)["count"].get<double>() * (2 * 4416 + 1.47 * 4416 * 0.70 / 7.2),
                1e-6 * (*h100_2)["cost_usd"].get<double>());
  }
  // At the horizon's end (2026-12-31) an H20 bought in H1 has served 365 of its 4 x 365.25
  // days, one bought in H2 184: the rest of its price is the residual value.
  const double residual =
      bought_1 * 15000 * (1 - 365 / (4 * 365.25)) + bought_2 * 15000 * (1 - 184 / (4 * 365.25));
  EXPECT_NEAR(j["residual_usd"].get<double>(), residual, 1e-6 * residual);
  const double spend = h1["spend_usd"].get<double>() + h2["spend_usd"].get<double>();
  EXPECT_NEAR(j["spend_usd"].get<double>(), spend, 1e-6 * spend);
  EXPECT_NEAR(j["cost_usd"].get<double>(), spend - residual, 1e-5 * spend);
}

TEST(CliPlan, VerifyReportsEachPlannedDeploymentAgainstItsTargets) {
  // planning_utilization 0.8 keeps a fifth of goodput as headroom at the peak hour.
  std::string text =
      read_text(std::string(FLEETPLAN_SOURCE_DIR) + "/src/plan/testdata/two-periods.yaml");
  const std::string anchor = "  objective: min-cost\n";
  text.replace(text.find(anchor), anchor.size(), anchor + "  planning_utilization: 0.8\n");
  const fs::path path = scratch("two-periods-0.8.yaml");
  std::ofstream(path) << text;
  const Outcome r = fleetplan({"plan", path.string(), "--verify", "--json", "--no-rule-costs"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = r.parsed();
  ASSERT_TRUE(j.contains("verification")) << "plan --verify --json has no verification";
  const json& checks = j["verification"];
  int lines = 0;
  for (const json& period : j["periods"]) {
    lines += static_cast<int>(period["fleet"].size());
  }
  EXPECT_EQ(static_cast<int>(checks.size()), lines) << "one check per deployment type and period";
  for (const json& v : checks) {
    expect_fields(v,
                  {{"period", "string"},
                   {"accelerator", "string"},
                   {"deployment", "integer"},
                   {"deployments", "number"},
                   {"utilisation", "number"},
                   {"ttft_p99_ms", "number"},
                   {"tpot_p99_ms", "number"},
                   {"ttft_target_ms", "number"},
                   {"tpot_target_ms", "number"},
                   {"holds", "boolean"}},
                  "verification[]");
    const std::string where =
        v["period"].get<std::string>() + " " + v["accelerator"].get<std::string>();
    const json& period = j["periods"][v["period"] == "2026H1" ? 0 : 1];
    const json* line = fleet_line(period, v["accelerator"].get<std::string>());
    ASSERT_NE(line, nullptr) << where;
    // Deployments of `deployment` accelerators each: the accelerators allocated to the
    // service over its size (a line may also hold accelerators the service does not use).
    EXPECT_DOUBLE_EQ(v["deployments"].get<double>() * v["deployment"].get<double>(),
                     (*line)["allocation"]["chat"].get<double>())
        << where;
    // Loaded at the planned share of what is served: 0.8 x served / planned capacity (a
    // min-cost plan may leave demand unserved where the shortfall costs less than another
    // deployment).
    const double expected = 0.8 * period["served_tokens_per_day"].get<double>() /
                            period["capacity_tokens_per_day"].get<double>();
    EXPECT_NEAR(v["utilisation"].get<double>(), expected, 1e-5) << where;
    EXPECT_EQ(v["ttft_target_ms"], 1000.0);
    EXPECT_EQ(v["tpot_target_ms"], 40.0);
    const bool within =
        v["ttft_p99_ms"].get<double>() <= 1000.0 && v["tpot_p99_ms"].get<double>() <= 40.0;
    EXPECT_EQ(v["holds"].get<bool>(), within) << where;
    EXPECT_TRUE(v["holds"].get<bool>()) << where << ": at 80 % of goodput the targets hold";
  }
}

TEST(Cli, UnknownSubcommandAndFlagExitTwo) {
  EXPECT_EQ(fleetplan({"no-such-command"}).exit_code, 2);
  EXPECT_EQ(fleetplan({"estimate", "--no-such-flag"}).exit_code, 2);
}

}  // namespace
}  // namespace fleetplan
