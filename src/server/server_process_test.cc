// `fleetplan serve` as a process, as an operator runs it: a bounded load test on loopback
// (8 clients, 2,000 requests mixing reads and plan jobs: no errors, latency percentiles
// reported) and a crash test (SIGKILL while plans are being stored, restart: every plan
// acknowledged before the kill is intact and gets planned; nothing is half-written).
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/database.h"
#include "store/store.h"

namespace fleetplan::server {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// A `fleetplan serve` child process on 127.0.0.1 and a free port.
class ServeProcess {
 public:
  ServeProcess(const std::string& store, int jobs, int queue_limit) {
    int out[2];
    if (pipe(out) != 0) {
      return;
    }
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      const std::string jobs_text = std::to_string(jobs);
      const std::string queue_text = std::to_string(queue_limit);
      execl(FLEETPLAN_EXECUTABLE, FLEETPLAN_EXECUTABLE, "serve", "--bind", "127.0.0.1", "--port",
            "0", "--store", store.c_str(), "--jobs", jobs_text.c_str(), "--queue-limit",
            queue_text.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    // The first line names the port: "fleetplan serve: listening on http://127.0.0.1:PORT/".
    FILE* stream = fdopen(out[0], "r");
    char line[512];
    if (stream != nullptr && fgets(line, sizeof line, stream) != nullptr) {
      const std::string text = line;
      const auto colon = text.rfind(':');
      if (colon != std::string::npos) {
        port_ = std::atoi(text.c_str() + colon + 1);
      }
    }
    // Keep reading (and dropping) its output so that it never blocks on a full pipe.
    reader_ = std::thread([stream] {
      char buffer[512];
      while (stream != nullptr && fgets(buffer, sizeof buffer, stream) != nullptr) {
      }
      if (stream != nullptr) {
        fclose(stream);
      }
    });
  }
  ~ServeProcess() { stop(SIGTERM); }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;
  ServeProcess(ServeProcess&&) = delete;
  ServeProcess& operator=(ServeProcess&&) = delete;

  [[nodiscard]] int port() const { return port_; }
  //! Sends `signal` and waits for the process; its exit status.
  int stop(int signal) {
    int status = 0;
    if (pid_ > 0) {
      kill(pid_, signal);
      waitpid(pid_, &status, 0);
      pid_ = 0;
    }
    if (reader_.joinable()) {
      reader_.join();
    }
    return status;
  }
  [[nodiscard]] std::unique_ptr<httplib::Client> client() const {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client->set_read_timeout(std::chrono::seconds(60));
    client->set_connection_timeout(std::chrono::seconds(5));
    client->set_keep_alive(true);  // as a browser does
    client->set_tcp_nodelay(true);
    return client;
  }
  json wait_for_job(long long id, double seconds) const {
    auto c = client();
    const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    json job;
    while (Clock::now() < deadline) {
      auto res = c->Get(fmt::format("/api/jobs/{}", id));
      if (res && res->status == 200) {
        job = json::parse(res->body);
        if (job["state"] == "done" || job["state"] == "failed") {
          break;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return job;
  }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
  std::thread reader_;
};

std::filesystem::path temp_dir(const std::string& what) {
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("fleetplan-{}-{}", what, getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  // Nearest rank: the smallest value with at least p of the values at or below it.
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(values.size())));
  return values[std::max<std::size_t>(rank, 1) - 1];
}

const json kPlanRequest = {{"scenario", "bytedance-2026"}, {"options", {{"no_rule_costs", true}}}};

// An integer from the environment variable `name`, or `fallback` when it is not set.
int env_int(const char* name, int fallback) {
  const char* text = std::getenv(name);
  return text != nullptr ? std::atoi(text) : fallback;
}

// One request of the load test's mix, chosen by `slot` (0 to 19): one in 20 starts a plan;
// the rest read what a dashboard reads. `kind` receives its name.
httplib::Result load_request(httplib::Client& client, int slot, long long seed, long long last_job,
                             std::string& kind) {
  if (slot == 0) {
    kind = "POST /api/plans";
    return client.Post("/api/plans", kPlanRequest.dump(), "application/json");
  }
  if (slot <= 2) {
    kind = "GET /api/jobs/{id}";
    return client.Get(fmt::format("/api/jobs/{}", last_job));
  }
  if (slot <= 6) {
    kind = "GET /api/plans/{id}";
    return client.Get(fmt::format("/api/plans/{}", seed));
  }
  if (slot <= 10) {
    kind = "GET /api/plans";
    return client.Get("/api/plans?limit=20");
  }
  if (slot <= 12) {
    kind = "GET /api/scenarios";
    return client.Get("/api/scenarios");
  }
  if (slot <= 14) {
    kind = "GET /api/catalog";
    return client.Get("/api/catalog");
  }
  if (slot <= 17) {
    kind = "GET /healthz";
    return client.Get("/healthz");
  }
  kind = "GET /api/plans/{id}/inputs";
  return client.Get(fmt::format("/api/plans/{}/inputs", seed));
}

// What the load test's clients saw: each request's kind and latency, the failures, and the
// plan jobs started.
struct LoadResult {
  struct Sample {
    std::string kind;
    double ms;
  };
  std::vector<Sample> samples;
  std::vector<std::string> errors;
  std::vector<long long> posted;
  double seconds = 0;
};

// Sends `total` requests of the mix from `clients` threads at once; `seed` is a finished plan.
LoadResult run_load(const ServeProcess& server, int total, int clients, long long seed) {
  LoadResult result;
  std::mutex mutex;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto client = server.client();
      const int mine = total / clients + (c < total % clients ? 1 : 0);
      long long last_job = seed;
      for (int i = 0; i < mine; ++i) {
        const int slot = (i * 7 + c) % 20;
        std::string kind;
        const auto t0 = Clock::now();
        httplib::Result res = load_request(*client, slot, seed, last_job, kind);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        const int expected = slot == 0 ? 202 : 200;
        const std::lock_guard lock(mutex);
        result.samples.push_back({kind, ms});
        if (!res || res->status != expected) {
          result.errors.push_back(fmt::format("{}: {}", kind,
                                              res ? std::to_string(res->status) + " " + res->body
                                                  : httplib::to_string(res.error())));
        } else if (slot == 0) {
          last_job = json::parse(res->body)["job_id"];
          result.posted.push_back(last_job);
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

// The load test's report: throughput, errors and latency percentiles by kind of request.
std::string load_report(const LoadResult& r, int clients) {
  std::map<std::string, std::vector<double>> by_kind;
  std::vector<double> all;
  for (const auto& s : r.samples) {
    by_kind[s.kind].push_back(s.ms);
    all.push_back(s.ms);
  }
  std::string report = fmt::format(
      "load test: {} requests from {} clients in {:.2f} s ({:.0f} requests/s), {} errors, {} "
      "plan jobs\n{:<28} {:>6} {:>8} {:>8} {:>8} {:>8}\n",
      r.samples.size(), clients, r.seconds, static_cast<double>(r.samples.size()) / r.seconds,
      r.errors.size(), r.posted.size(), "request", "count", "p50 ms", "p90 ms", "p99 ms", "max ms");
  const auto line = [&](const std::string& kind, const std::vector<double>& v) {
    report += fmt::format("{:<28} {:>6} {:>8.1f} {:>8.1f} {:>8.1f} {:>8.1f}\n", kind, v.size(),
                          percentile(v, 0.5), percentile(v, 0.9), percentile(v, 0.99),
                          percentile(v, 1.0));
  };
  for (const auto& [kind, values] : by_kind) {
    line(kind, values);
  }
  line("all", all);
  return report;
}

TEST(ServeProcess, LoadTestOnLoopbackHasNoErrors) {
  const int total = env_int("FLEETPLAN_LOAD_REQUESTS", 2000);
  constexpr int kClients = 8;
  const auto dir = temp_dir("load");
  ServeProcess server((dir / "plans.db").string(), env_int("FLEETPLAN_LOAD_JOBS", 2), 1000);
  ASSERT_GT(server.port(), 0);
  auto seed_client = server.client();
  auto seeded = seed_client->Post("/api/plans", kPlanRequest.dump(), "application/json");
  ASSERT_TRUE(seeded && seeded->status == 202);
  const long long seed = json::parse(seeded->body)["plan_id"];
  ASSERT_EQ(server.wait_for_job(seed, 60)["state"], "done");
  const std::string seed_plan = seed_client->Get(fmt::format("/api/plans/{}", seed))->body;

  const LoadResult load = run_load(server, total, kClients, seed);
  const std::string report = load_report(load, kClients);
  std::fputs(report.c_str(), stdout);
  std::ofstream(std::filesystem::path(FLEETPLAN_BINARY_DIR) / "serve-load-test.txt") << report;

  EXPECT_EQ(load.samples.size(), static_cast<std::size_t>(total));
  EXPECT_TRUE(load.errors.empty())
      << load.errors.size() << " errors, first: " << load.errors.front();
  // Every plan job finishes, and plans solved side by side (--jobs 2) are the same bytes.
  auto client = server.client();
  for (long long id : load.posted) {
    ASSERT_EQ(server.wait_for_job(id, 120)["state"], "done") << "plan " << id;
    auto res = client->Get(fmt::format("/api/plans/{}", id));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, seed_plan) << "plan " << id;
  }
  server.stop(SIGTERM);
  std::filesystem::remove_all(dir);
}

// Starts a server on `store_path`, posts plans from 4 clients until some are stored, and
// kills it (SIGKILL) while they are being stored; `acknowledged` receives each plan id the
// server acknowledged, with the gap it was asked with.
void post_plans_until_killed(const std::string& store_path,
                             std::map<long long, double>& acknowledged) {
  ServeProcess server(store_path, 1, 10000);
  ASSERT_GT(server.port(), 0);
  std::mutex mutex;
  std::atomic<bool> stop{false};
  std::atomic<int> done{0};
  std::vector<std::thread> posters;
  for (int c = 0; c < 4; ++c) {
    posters.emplace_back([&, c] {
      auto client = server.client();
      for (int i = 0; !stop; ++i) {
        // A distinct gap per request tells the plans' inputs apart.
        const double gap = 0.001 + 1e-6 * (c * 1000 + i + 1);
        json body = kPlanRequest;
        body["options"]["gap"] = gap;
        auto res = client->Post("/api/plans", body.dump(), "application/json");
        if (res && res->status == 202) {
          const std::lock_guard lock(mutex);
          acknowledged[json::parse(res->body)["plan_id"].get<long long>()] = gap;
        }
      }
    });
  }
  // Kill once plans are both being acknowledged and finished (stored) at a good rate.
  auto watcher = server.client();
  // A bound on the wait, not a timing: a plan takes about 10x longer under the sanitizers.
  const auto deadline = Clock::now() + std::chrono::seconds(240);
  while (Clock::now() < deadline) {
    auto res = watcher->Get("/api/plans?state=done&limit=1");
    if (res && res->status == 200) {
      done = json::parse(res->body)["total"].get<int>();
    }
    std::size_t acks = 0;
    {
      const std::lock_guard lock(mutex);
      acks = acknowledged.size();
    }
    if (done >= 5 && acks >= 20) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const int status = server.stop(SIGKILL);
  stop = true;
  for (auto& thread : posters) {
    thread.join();
  }
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  ASSERT_GE(done.load(), 5);
  fmt::print("crash test: SIGKILL after {} plans acknowledged, {} of them stored as done\n",
             acknowledged.size(), done.load());
}

// The SQLite file at `path` passes its integrity check.
void expect_sound_database(const std::string& path) {
  auto db = store::open_sqlite(path);
  ASSERT_TRUE(db.ok());
  auto check = (*db)->query("PRAGMA integrity_check", {});
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->at(0).at(0).value_or(""), "ok");
}

// Restarts the server on `store_path`: every acknowledged plan has its inputs and gets
// planned. `done_after_restart` counts them.
void expect_acknowledged_plans_planned(const std::string& store_path,
                                       const std::map<long long, double>& acknowledged,
                                       int& done_after_restart) {
  ServeProcess server(store_path, 1, 10000);
  ASSERT_GT(server.port(), 0);
  auto client = server.client();
  for (const auto& [id, gap] : acknowledged) {
    auto inputs = client->Get(fmt::format("/api/plans/{}/inputs", id));
    ASSERT_TRUE(inputs && inputs->status == 200) << "plan " << id;
    EXPECT_DOUBLE_EQ(json::parse(inputs->body)["options"]["gap"].get<double>(), gap);
    ASSERT_EQ(server.wait_for_job(id, 120)["state"], "done") << "plan " << id;
    auto plan = client->Get(fmt::format("/api/plans/{}", id));
    ASSERT_TRUE(plan && plan->status == 200);
    const json parsed = json::parse(plan->body);
    EXPECT_EQ(parsed["scenario"], "bytedance-2026");
    EXPECT_EQ(parsed["status"], "optimal");
    ++done_after_restart;
  }
  server.stop(SIGTERM);
}

// Nothing half-written: every plan in the store at `store_path`, acknowledged or not, is
// whole (inputs, and a JSON result when done), and there are at least `acknowledged` of them.
void expect_no_half_written_plan(const std::string& store_path, std::size_t acknowledged,
                                 int done_after_restart) {
  auto store = store::open_store(store_path);
  ASSERT_TRUE(store.ok());
  auto page = (*store)->list_plans([] {
    store::PlanFilter filter;
    filter.limit = 100000;
    return filter;
  }());
  ASSERT_TRUE(page.ok());
  EXPECT_GE(page->total, static_cast<long long>(acknowledged));
  fmt::print(
      "crash test: after restart all {} acknowledged plans intact and planned ({} done); "
      "{} plans in the store, none half-written\n",
      acknowledged, done_after_restart, page->total);
  for (const auto& summary : page->plans) {
    auto record = (*store)->plan(summary.id, {true, true});
    ASSERT_TRUE(record.ok() && record->has_value());
    const store::PlanRecord& r = **record;
    EXPECT_FALSE(r.inputs.scenario_text.empty()) << r.id;
    if (r.state == store::PlanState::kDone) {
      EXPECT_TRUE(json::accept(r.result.value_or(""))) << r.id;
    }
  }
}

TEST(ServeProcess, CrashWhileStoringLosesNoAcknowledgedPlan) {
  const auto dir = temp_dir("crash");
  const std::string store_path = (dir / "plans.db").string();
  std::map<long long, double> acknowledged;  // plan id -> the gap it was asked with
  ASSERT_NO_FATAL_FAILURE(post_plans_until_killed(store_path, acknowledged));
  ASSERT_GE(acknowledged.size(), 20U);
  // The file is a sound database after the kill.
  ASSERT_NO_FATAL_FAILURE(expect_sound_database(store_path));
  int done_after_restart = 0;
  ASSERT_NO_FATAL_FAILURE(
      expect_acknowledged_plans_planned(store_path, acknowledged, done_after_restart));
  ASSERT_NO_FATAL_FAILURE(
      expect_no_half_written_plan(store_path, acknowledged.size(), done_after_restart));
  std::filesystem::remove_all(dir);
}

TEST(ServeProcess, PlanStoredByTheCommandLineIsServed) {
  const auto dir = temp_dir("cli-store");
  const std::string db = (dir / "plans.db").string();
  const std::string command = fmt::format("{} plan --json --no-rule-costs --store {} 2>/dev/null",
                                          FLEETPLAN_EXECUTABLE, db);
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string printed;
  char buffer[4096];
  for (std::size_t n = 0; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    printed.append(buffer, n);
  }
  ASSERT_EQ(pclose(pipe), 0);
  ServeProcess server(db, 1, 10);
  ASSERT_GT(server.port(), 0);
  auto client = server.client();
  auto res = client->Get("/api/plans/1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, printed);
  auto list = client->Get("/api/plans");
  ASSERT_TRUE(list);
  const json row = json::parse(list->body)["plans"][0];
  EXPECT_EQ(row["source"], "built-in scenario bytedance-2026");
  EXPECT_EQ(row["options"], json({{"no_rule_costs", true}}));
  server.stop(SIGTERM);
  std::filesystem::remove_all(dir);
}

// `GET /api/sweeps/{id}` is the bytes `fleetplan sweep --json` prints for the same scenario
// and options: a grid and a Monte Carlo sample, each run by the real command line in a
// folder of its own (so that no file there shadows the built-in scenario's name).
TEST(ServeProcess, SweepJsonIsWhatTheCommandLinePrints) {
  const auto dir = temp_dir("sweep-bytes");
  ServeProcess server((dir / "plans.db").string(), 2, 10);
  ASSERT_GT(server.port(), 0);
  auto client = server.client();
  struct Case {
    json options;
    std::string flags;
  };
  const std::vector<Case> cases = {
      {{{"set", {"periods[2026].budget=140 bn CNY,160 bn CNY"}}, {"metric", "spend_usd"}},
       "--set 'periods[2026].budget=140 bn CNY,160 bn CNY' --metric spend_usd"},
      {{{"samples", 3},
        {"seed", 7},
        {"vary", {"procurement[H20,buy].unit_price=uniform(10000 USD,14000 USD)"}}},
       "--samples 3 --seed 7 --vary 'procurement[H20,buy].unit_price=uniform(10000 USD,14000 "
       "USD)'"},
  };
  for (const auto& c : cases) {
    auto posted = client->Post(
        "/api/sweeps", json({{"scenario", "bytedance-2026"}, {"options", c.options}}).dump(),
        "application/json");
    ASSERT_TRUE(posted);
    ASSERT_EQ(posted->status, 202) << posted->body;
    const long long id = json::parse(posted->body)["sweep_id"].get<long long>();
    const json job = server.wait_for_job(id, 120);
    ASSERT_EQ(job["state"], "done") << job.dump();
    auto res = client->Get(fmt::format("/api/sweeps/{}", id));
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);

    const std::string command =
        fmt::format("cd {} && {} sweep bytedance-2026 {} --json --jobs 2 2>/dev/null", dir.string(),
                    FLEETPLAN_EXECUTABLE, c.flags);
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string printed;
    char buffer[4096];
    for (std::size_t n = 0; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
      printed.append(buffer, n);
    }
    ASSERT_EQ(pclose(pipe), 0) << command;
    EXPECT_EQ(res->body, printed) << command;
  }
  server.stop(SIGTERM);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fleetplan::server
