// The same tests against both stores: SQLite in a temporary file, PostgreSQL on a server
// started for this program (see test_postgres.h).
#include "store/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "store/database.h"
#include "store/test_postgres.h"

namespace fleetplan::store {
namespace {

// The PostgreSQL server is started by the first test that needs it and stopped at exit.
class PostgresEnvironment : public ::testing::Environment {
 public:
  static testing::PostgresServer* server() {
    if (!tried_) {
      tried_ = true;
      auto started = testing::PostgresServer::start();
      if (started.ok()) {
        server_ = std::move(*started);
      } else {
        error_ = started.error().message;
      }
    }
    return server_.get();
  }
  static const std::string& error() { return error_; }
  void TearDown() override { server_.reset(); }

 private:
  static inline bool tried_ = false;
  static inline std::unique_ptr<testing::PostgresServer> server_;
  static inline std::string error_;
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new PostgresEnvironment);

PlanFilter by(std::string scenario = "", std::optional<PlanState> state = std::nullopt,
              std::string status = "", int limit = 50, long long offset = 0) {
  PlanFilter filter;
  filter.scenario = std::move(scenario);
  filter.state = state;
  filter.status = std::move(status);
  filter.limit = limit;
  filter.offset = offset;
  return filter;
}

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    const int n = ++counter;
    if (GetParam() == "sqlite") {
      dir_ = std::filesystem::temp_directory_path() /
             fmt::format("fleetplan-store-test-{}-{}", getpid(), n);
      std::filesystem::create_directories(dir_);
      url_ = (dir_ / "plans.db").string();
    } else {
      testing::PostgresServer* postgres = PostgresEnvironment::server();
      if (postgres == nullptr) {
        if (testing::postgres_required()) {
          FAIL() << "PostgreSQL is required in CI: " << PostgresEnvironment::error();
        }
        GTEST_SKIP() << "no PostgreSQL server: " << PostgresEnvironment::error();
      }
      auto url = postgres->create_database(fmt::format("store_test_{}", n));
      ASSERT_TRUE(url.ok()) << url.error().message;
      url_ = *url;
    }
  }
  void TearDown() override {
    if (!dir_.empty()) {
      std::filesystem::remove_all(dir_);
    }
  }

  std::unique_ptr<Store> open(int version = 0) {
    auto store = open_store(url_, version);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Raw access, to look under the store.
  std::unique_ptr<Database> raw() {
    auto db = GetParam() == "sqlite" ? open_sqlite(url_) : open_postgresql(url_);
    EXPECT_TRUE(db.ok());
    return std::move(*db);
  }

  static NewPlan sample(const std::string& scenario, int n) {
    return {scenario,
            "request",
            fmt::format("name: {}\n# {}\n", scenario, n),
            R"({"no_rule_costs":true})",
            "0.1.0",
            fmt::format("2026-12-01T22:00:{:02}Z", n)};
  }

  std::filesystem::path dir_;
  std::string url_;
};

TEST_P(StoreTest, NewStoreHasTheLatestSchema) {
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->kind(), GetParam());
  auto version = store->schema_version();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 3);
  EXPECT_EQ(latest_schema_version(), 3);
}

TEST_P(StoreTest, PlanRoundTripsThroughItsStates) {
  auto store = open();
  ASSERT_TRUE(store);
  const NewPlan in = sample("bytedance-2026", 1);
  auto id = store->add_plan(in);
  ASSERT_TRUE(id.ok()) << id.error().message;
  auto second = store->add_plan(sample("other", 2));
  ASSERT_TRUE(second.ok());
  EXPECT_GT(*second, *id);

  auto queued = store->plan(*id, ReadParts{true, true});
  ASSERT_TRUE(queued.ok() && queued->has_value());
  const PlanRecord& q = **queued;
  EXPECT_EQ(q.state, PlanState::kQueued);
  EXPECT_EQ(q.inputs.scenario, in.scenario);
  EXPECT_EQ(q.inputs.source, in.source);
  EXPECT_EQ(q.inputs.scenario_text, in.scenario_text);
  EXPECT_EQ(q.inputs.options, in.options);
  EXPECT_EQ(q.inputs.version, in.version);
  EXPECT_EQ(q.inputs.created_at, in.created_at);
  EXPECT_FALSE(q.result.has_value());
  EXPECT_FALSE(q.started_at.has_value());

  ASSERT_TRUE(store->mark_running(*id, "2026-12-01T22:00:05Z").ok());
  const std::string result = "{\"status\": \"optimal\", \"text\": \"quote \\\" and \\u00e9\"}";
  ASSERT_TRUE(store
                  ->finish_plan(*id, {"optimal", "max-served", R"({"spend_usd":1.5})", result,
                                      "2026-12-01T22:00:09Z"})
                  .ok());
  auto done = store->plan(*id, ReadParts{false, true});
  ASSERT_TRUE(done.ok() && done->has_value());
  EXPECT_EQ((*done)->state, PlanState::kDone);
  EXPECT_EQ((*done)->result.value_or(""), result);
  EXPECT_EQ((*done)->status.value_or(""), "optimal");
  EXPECT_EQ((*done)->objective.value_or(""), "max-served");
  EXPECT_EQ((*done)->headline.value_or(""), R"({"spend_usd":1.5})");
  EXPECT_EQ((*done)->started_at.value_or(""), "2026-12-01T22:00:05Z");
  EXPECT_EQ((*done)->finished_at.value_or(""), "2026-12-01T22:00:09Z");
  // Not asked for: not read.
  EXPECT_TRUE((*done)->inputs.scenario_text.empty());

  ASSERT_TRUE(store->fail_plan(*second, "unknown rule 'x'", "2026-12-01T22:00:10Z").ok());
  auto failed = store->plan(*second, {});
  ASSERT_TRUE(failed.ok() && failed->has_value());
  EXPECT_EQ((*failed)->state, PlanState::kFailed);
  EXPECT_EQ((*failed)->error.value_or(""), "unknown rule 'x'");
}

TEST_P(StoreTest, MissingPlansAreNotFound) {
  auto store = open();
  ASSERT_TRUE(store);
  auto none = store->plan(42, {});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto status = store->finish_plan(42, {"optimal", "", "null", "{}", "t"});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(status.error().message, "no plan 42");
}

TEST_P(StoreTest, ListFiltersAndPagesNewestFirst) {
  auto store = open();
  ASSERT_TRUE(store);
  // Plans 1..7: odd ids scenario "a", even ids "b"; 2 and 3 done, 4 failed.
  for (int i = 1; i <= 7; ++i) {
    ASSERT_TRUE(store->add_plan(sample(i % 2 == 1 ? "a" : "b", i)).ok());
  }
  ASSERT_TRUE(store->finish_plan(2, {"optimal", "min-cost", "null", "{}", "t"}).ok());
  ASSERT_TRUE(store->finish_plan(3, {"infeasible", "min-cost", "null", "{}", "t"}).ok());
  ASSERT_TRUE(store->fail_plan(4, "bad", "t").ok());

  const auto ids = [&](const PlanFilter& filter, long long expected_total) {
    auto page = store->list_plans(filter);
    EXPECT_TRUE(page.ok());
    std::vector<long long> out;
    if (page.ok()) {
      EXPECT_EQ(page->total, expected_total);
      for (const auto& p : page->plans) {
        out.push_back(p.id);
      }
    }
    return out;
  };
  EXPECT_EQ(ids(by(), 7), (std::vector<long long>{7, 6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(ids(by("a"), 4), (std::vector<long long>{7, 5, 3, 1}));
  EXPECT_EQ(ids(by("a", std::nullopt, "", 2, 1), 4), (std::vector<long long>{5, 3}));
  EXPECT_EQ(ids(by("", PlanState::kDone), 2), (std::vector<long long>{3, 2}));
  EXPECT_EQ(ids(by("", PlanState::kFailed), 1), (std::vector<long long>{4}));
  EXPECT_EQ(ids(by("", std::nullopt, "infeasible"), 1), (std::vector<long long>{3}));
  EXPECT_EQ(ids(by("b", PlanState::kQueued), 1), (std::vector<long long>{6}));
  EXPECT_EQ(ids(by("", std::nullopt, "", 50, 7), 7), (std::vector<long long>{}));

  auto unfinished = store->unfinished_plans();
  ASSERT_TRUE(unfinished.ok());
  EXPECT_EQ(*unfinished, (std::vector<long long>{1, 5, 6, 7}));
  ASSERT_TRUE(store->mark_running(5, "t").ok());
  unfinished = store->unfinished_plans();
  ASSERT_TRUE(unfinished.ok());
  EXPECT_EQ(*unfinished, (std::vector<long long>{1, 5, 6, 7}));
}

TEST_P(StoreTest, MigratesAnOlderSchemaAndKeepsItsPlans) {
  {
    auto v1 = open(1);
    ASSERT_TRUE(v1);
    auto version = v1->schema_version();
    ASSERT_TRUE(version.ok());
    EXPECT_EQ(*version, 1);
    // Written as a fleetplan of schema 1 wrote it (this build's insert names later columns).
    const NewPlan p = sample("old", 1);
    ASSERT_TRUE(
        raw()
            ->query("INSERT INTO plans (scenario, source, scenario_text, options, version, "
                    "created_at, state) VALUES ($1, $2, $3, $4, $5, $6, 'queued')",
                    {p.scenario, p.source, p.scenario_text, p.options, p.version, p.created_at})
            .ok());
  }
  auto store = open();
  ASSERT_TRUE(store);
  auto version = store->schema_version();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 3);
  auto old = store->plan(1, ReadParts{true, false});
  ASSERT_TRUE(old.ok() && old->has_value()) << (old.ok() ? "" : old.error().message);
  EXPECT_EQ((*old)->inputs.scenario_text, sample("old", 1).scenario_text);
  EXPECT_FALSE((*old)->started_at.has_value());
  EXPECT_EQ((*old)->inputs.kind, JobKind::kPlan);  // rows from before sweeps are plans
  // Reopening at the latest version changes nothing.
  store.reset();
  store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->schema_version(), 3);
}

// Sweeps are jobs in the same table: one id sequence, each kind listed apart, both re-queued.
TEST_P(StoreTest, SweepsShareTheJobIdsAndAreListedApart) {
  auto store = open();
  ASSERT_TRUE(store);
  NewPlan sweep = sample("a", 2);
  sweep.kind = JobKind::kSweep;
  sweep.options = R"({"set":["periods[2026].budget=1 bn USD,2 bn USD"]})";
  ASSERT_EQ(*store->add_plan(sample("a", 1)), 1);
  ASSERT_EQ(*store->add_plan(sweep), 2);
  ASSERT_EQ(*store->add_plan(sample("a", 3)), 3);
  auto read = store->plan(2, ReadParts{true, false});
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->inputs.kind, JobKind::kSweep);
  EXPECT_EQ((*read)->inputs.options, sweep.options);
  EXPECT_EQ((*store->plan(1, {}))->inputs.kind, JobKind::kPlan);

  auto plans = store->list_plans(by("a"));
  ASSERT_TRUE(plans.ok());
  EXPECT_EQ(plans->total, 2);
  ASSERT_EQ(plans->plans.size(), 2U);
  EXPECT_EQ(plans->plans[0].id, 3);
  EXPECT_EQ(plans->plans[1].id, 1);
  PlanFilter sweeps = by("a");
  sweeps.kind = JobKind::kSweep;
  auto listed = store->list_plans(sweeps);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->total, 1);
  ASSERT_EQ(listed->plans.size(), 1U);
  EXPECT_EQ(listed->plans[0].id, 2);
  EXPECT_EQ(listed->plans[0].inputs.kind, JobKind::kSweep);
  EXPECT_EQ(*store->unfinished_plans(), (std::vector<long long>{1, 2, 3}));
  ASSERT_TRUE(store->finish_plan(2, {"complete", "max-served", "null", "{}", "t"}).ok());
  EXPECT_EQ(*store->unfinished_plans(), (std::vector<long long>{1, 3}));
  // The schema knows no third kind.
  EXPECT_FALSE(raw()->query("UPDATE plans SET kind = 'report' WHERE id = 1", {}).ok());
}

TEST_P(StoreTest, RefusesASchemaFromANewerFleetplan) {
  ASSERT_TRUE(open());
  ASSERT_TRUE(raw()->query("UPDATE fleetplan_schema SET version = 99", {}).ok());
  auto store = open_store(url_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().message,
            "store: schema version 99 was written by a newer fleetplan (this one knows up to 3)");
}

TEST_P(StoreTest, SchemaRefusesAHalfWrittenPlan) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->add_plan(sample("a", 1)).ok());
  auto db = raw();
  // done without a result, failed without an error: both violate a CHECK.
  EXPECT_FALSE(db->query("UPDATE plans SET state = 'done' WHERE id = 1", {}).ok());
  EXPECT_FALSE(db->query("UPDATE plans SET state = 'failed' WHERE id = 1", {}).ok());
  EXPECT_FALSE(db->query("UPDATE plans SET state = 'finished' WHERE id = 1", {}).ok());
  auto plan = store->plan(1, {});
  ASSERT_TRUE(plan.ok() && plan->has_value());
  EXPECT_EQ((*plan)->state, PlanState::kQueued);
}

TEST_P(StoreTest, LargeTextsRoundTrip) {
  auto store = open();
  ASSERT_TRUE(store);
  std::string text;
  for (int i = 0; text.size() < 1'000'000; ++i) {
    text += fmt::format("line {}: 'single' \"double\" \\ ünïcödé 元\n", i);
  }
  NewPlan in = sample("big", 1);
  in.scenario_text = text;
  auto id = store->add_plan(in);
  ASSERT_TRUE(id.ok());
  auto out = store->plan(*id, ReadParts{true, false});
  ASSERT_TRUE(out.ok() && out->has_value());
  EXPECT_EQ((*out)->inputs.scenario_text, text);
}

TEST_P(StoreTest, ConcurrentWritersGetDistinctIds) {
  auto store = open();
  ASSERT_TRUE(store);
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<std::vector<long long>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto id = store->add_plan(sample("c", i));
        if (id.ok()) {
          ids[t].push_back(*id);
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  std::set<long long> all;
  for (const auto& list : ids) {
    all.insert(list.begin(), list.end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  auto page = store->list_plans(by("", std::nullopt, "", 1));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, kThreads * kEach);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

TEST(StoreUrl, NamesWhatItExpects) {
  auto store = open_store("mysql://host/db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().message,
            "store: 'mysql://host/db' is not a store URL (expected postgresql://..., sqlite:PATH "
            "or a file path)");
  auto missing = open_store("sqlite:/no/such/folder/plans.db");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("cannot open SQLite database '/no/such/folder/plans.db'"),
            std::string::npos)
      << missing.error().message;
}

TEST(StoreUrl, DefaultIsInTheUserDataFolder) {
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("fleetplan-xdg-{}", getpid());
  setenv("XDG_DATA_HOME", dir.c_str(), 1);
  auto url = default_store_url();
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url, (dir / "fleetplan" / "plans.db").string());
  EXPECT_TRUE(std::filesystem::is_directory(dir / "fleetplan"));
  std::filesystem::remove_all(dir);
}

TEST(StoreTime, IsUtcInTheStoreFormat) {
  const std::string now = utc_now();
  ASSERT_EQ(now.size(), 20U);
  EXPECT_EQ(now[4], '-');
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now[19], 'Z');
  EXPECT_GE(now.substr(0, 4), "2024");
}

TEST(PlanState, NamesRoundTrip) {
  for (const char* name : {"queued", "running", "done", "failed"}) {
    auto state = parse_plan_state(name);
    ASSERT_TRUE(state.ok());
    EXPECT_STREQ(plan_state_name(*state), name);
  }
  EXPECT_FALSE(parse_plan_state("finished").ok());
}

}  // namespace
}  // namespace fleetplan::store
