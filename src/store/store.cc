#include "store/store.h"

#include <array>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include <fmt/format.h>

#include "store/database.h"

namespace fleetplan::store {
namespace {

// One schema, two dialects: only the id column differs. Each migration moves the schema
// from version i to i + 1; a store is migrated in one transaction per step.
struct Migration {
  const char* purpose;
  std::vector<std::string> sqlite;
  std::vector<std::string> postgresql;
};

std::vector<std::string> plans_table(const char* id_column) {
  return {fmt::format("CREATE TABLE plans ("
                      " id {},"
                      " scenario TEXT NOT NULL,"
                      " source TEXT NOT NULL,"
                      " scenario_text TEXT NOT NULL,"
                      " options TEXT NOT NULL,"
                      " version TEXT NOT NULL,"
                      " created_at TEXT NOT NULL,"
                      " finished_at TEXT,"
                      " state TEXT NOT NULL"
                      "   CHECK (state IN ('queued', 'running', 'done', 'failed')),"
                      " status TEXT,"
                      " objective TEXT,"
                      " error TEXT,"
                      " headline TEXT,"
                      " result TEXT,"
                      // A finished plan has its result, a failed one its error: never half.
                      " CHECK (state <> 'done' OR (result IS NOT NULL AND status IS NOT NULL)),"
                      " CHECK (state <> 'failed' OR error IS NOT NULL))",
                      id_column),
          "CREATE INDEX plans_by_scenario ON plans (scenario, id)"};
}

// The same statement in both dialects; existing rows are plans.
constexpr const char* kKindColumn =
    "ALTER TABLE plans ADD COLUMN kind TEXT NOT NULL DEFAULT 'plan'"
    " CHECK (kind IN ('plan', 'sweep'))";

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kMigrations = {
      {"plans with their inputs, state and result",
       plans_table("INTEGER PRIMARY KEY AUTOINCREMENT"),
       plans_table("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY")},
      {"when a plan's job started, and unfinished jobs found fast",
       {"ALTER TABLE plans ADD COLUMN started_at TEXT",
        "CREATE INDEX plans_by_state ON plans (state, id)"},
       {"ALTER TABLE plans ADD COLUMN started_at TEXT",
        "CREATE INDEX plans_by_state ON plans (state, id)"}},
      {"sweeps beside plans: a job's kind, and each kind listed fast",
       {std::string(kKindColumn), "CREATE INDEX plans_by_kind ON plans (kind, id)"},
       {std::string(kKindColumn), "CREATE INDEX plans_by_kind ON plans (kind, id)"}},
  };
  return kMigrations;
}

Result<int> read_version(Database& db) {
  auto rows = db.query("SELECT version FROM fleetplan_schema", {});
  if (!rows.ok()) {
    return rows.error();
  }
  if (rows->size() != 1 || !(*rows)[0][0]) {
    return internal_error("store: fleetplan_schema must hold exactly one version row");
  }
  return std::atoi((*rows)[0][0]->c_str());
}

Status migrate(Database& db, int target) {
  // The version table itself is created idempotently, so that two processes opening a new
  // store at once both succeed.
  FLEETPLAN_RETURN_IF_ERROR(db.run_in_transaction(
      {"CREATE TABLE IF NOT EXISTS fleetplan_schema (version INTEGER NOT NULL)",
       "INSERT INTO fleetplan_schema (version) SELECT 0 WHERE NOT EXISTS "
       "(SELECT 1 FROM fleetplan_schema)"}));
  for (;;) {
    auto version = read_version(db);
    if (!version.ok()) {
      return version.error();
    }
    if (*version > latest_schema_version()) {
      return input_error(fmt::format(
          "store: schema version {} was written by a newer fleetplan (this one knows up to {})",
          *version, latest_schema_version()));
    }
    if (*version >= target) {
      return {};
    }
    const Migration& step = migrations()[static_cast<std::size_t>(*version)];
    std::vector<std::string> statements = db.kind() == "sqlite" ? step.sqlite : step.postgresql;
    // Guarded: another process may have taken this step since the version was read.
    statements.insert(statements.begin(),
                      fmt::format("UPDATE fleetplan_schema SET version = {} WHERE version = {}",
                                  *version + 1, *version));
    auto applied = db.run_in_transaction(statements);
    if (!applied.ok()) {
      auto now = read_version(db);
      if (now.ok() && *now > *version) {
        continue;  // the other process migrated
      }
      return internal_error(fmt::format("store: migration to schema version {} ({}) failed: {}",
                                        *version + 1, step.purpose, applied.error().message));
    }
  }
}

Value optional_text(const std::string& text) { return text.empty() ? Value() : Value(text); }

// Columns of a summary, then optionally the big ones.
constexpr const char* kSummaryColumns =
    "id, scenario, source, options, version, created_at, started_at, finished_at, state, "
    "status, objective, error, headline, kind";

Result<PlanRecord> record_from(const Row& row) {
  PlanRecord r;
  r.id = std::atoll(row[0].value_or("0").c_str());
  r.inputs.scenario = row[1].value_or("");
  r.inputs.source = row[2].value_or("");
  r.inputs.options = row[3].value_or("{}");
  r.inputs.version = row[4].value_or("");
  r.inputs.created_at = row[5].value_or("");
  r.started_at = row[6];
  r.finished_at = row[7];
  auto state = parse_plan_state(row[8].value_or(""));
  if (!state.ok()) {
    return internal_error(fmt::format("store: plan {}: {}", r.id, state.error().message));
  }
  r.state = *state;
  r.status = row[9];
  r.objective = row[10];
  r.error = row[11];
  r.headline = row[12];
  r.inputs.kind = row[13].value_or("plan") == "sweep" ? JobKind::kSweep : JobKind::kPlan;
  return r;
}

class SqlStore final : public Store {
 public:
  explicit SqlStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}

  [[nodiscard]] std::string kind() const override { return db_->kind(); }
  Result<int> schema_version() override { return read_version(*db_); }

  Result<long long> add_plan(const NewPlan& p) override {
    auto rows = db_->query(
        "INSERT INTO plans (scenario, source, scenario_text, options, version, created_at, "
        "kind, state) VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued') RETURNING id",
        {p.scenario, p.source, p.scenario_text, p.options, p.version, p.created_at,
         std::string(job_kind_name(p.kind))});
    if (!rows.ok()) {
      return rows.error();
    }
    if (rows->size() != 1 || !(*rows)[0][0]) {
      return internal_error("store: insert returned no id");
    }
    return std::atoll((*rows)[0][0]->c_str());
  }

  Status mark_running(long long id, const std::string& started_at) override {
    return update(
        "UPDATE plans SET state = 'running', started_at = $2 WHERE id = $1 AND "
        "state IN ('queued', 'running')",
        {std::to_string(id), started_at}, id);
  }

  Status finish_plan(long long id, const FinishedPlan& f) override {
    return update(
        "UPDATE plans SET state = 'done', status = $2, objective = $3, headline = $4, "
        "result = $5, finished_at = $6, error = NULL WHERE id = $1",
        {std::to_string(id), f.status, optional_text(f.objective), f.headline, f.result,
         f.finished_at},
        id);
  }

  Status fail_plan(long long id, const std::string& error,
                   const std::string& finished_at) override {
    return update("UPDATE plans SET state = 'failed', error = $2, finished_at = $3 WHERE id = $1",
                  {std::to_string(id), error, finished_at}, id);
  }

  Result<std::optional<PlanRecord>> plan(long long id, ReadParts parts) override {
    auto rows =
        db_->query(fmt::format("SELECT {}, {}, {} FROM plans WHERE id = $1", kSummaryColumns,
                               parts.scenario_text ? "scenario_text" : "NULL",
                               parts.result ? "result" : "NULL"),
                   {std::to_string(id)});
    if (!rows.ok()) {
      return rows.error();
    }
    if (rows->empty()) {
      return std::optional<PlanRecord>();
    }
    const Row& row = rows->front();
    auto record = record_from(row);
    if (!record.ok()) {
      return record.error();
    }
    record->inputs.scenario_text = row[14].value_or("");
    record->result = row[15];
    return std::optional<PlanRecord>(std::move(*record));
  }

  Result<PlanPage> list_plans(const PlanFilter& filter) override {
    // Empty filters match all: `$1 = ''` keeps one statement for every combination.
    const std::string where =
        "WHERE kind = $1 AND ($2 = '' OR scenario = $2) AND ($3 = '' OR state = $3) AND "
        "($4 = '' OR status = $4)";
    const std::vector<Value> params = {
        std::string(job_kind_name(filter.kind)), filter.scenario,
        std::string(filter.state ? plan_state_name(*filter.state) : ""), filter.status};
    auto count = db_->query("SELECT COUNT(*) FROM plans " + where, params);
    if (!count.ok()) {
      return count.error();
    }
    std::vector<Value> page_params = params;
    page_params.emplace_back(std::to_string(filter.limit));
    page_params.emplace_back(std::to_string(filter.offset));
    auto rows = db_->query(fmt::format("SELECT {} FROM plans {} ORDER BY id DESC LIMIT "
                                       "CAST($5 AS INTEGER) OFFSET CAST($6 AS INTEGER)",
                                       kSummaryColumns, where),
                           page_params);
    if (!rows.ok()) {
      return rows.error();
    }
    PlanPage page;
    page.total = std::atoll(count->at(0).at(0).value_or("0").c_str());
    for (const Row& row : *rows) {
      auto record = record_from(row);
      if (!record.ok()) {
        return record.error();
      }
      page.plans.push_back(std::move(*record));
    }
    return page;
  }

  Result<std::vector<long long>> unfinished_plans() override {
    auto rows =
        db_->query("SELECT id FROM plans WHERE state IN ('queued', 'running') ORDER BY id", {});
    if (!rows.ok()) {
      return rows.error();
    }
    std::vector<long long> ids;
    for (const Row& row : *rows) {
      ids.push_back(std::atoll(row[0].value_or("0").c_str()));
    }
    return ids;
  }

 private:
  Status update(const std::string& sql, const std::vector<Value>& params, long long id) {
    auto rows = db_->query(sql + " RETURNING id", params);
    if (!rows.ok()) {
      return rows.error();
    }
    if (rows->empty()) {
      return not_found_error(fmt::format("no plan {}", id));
    }
    return {};
  }

  std::unique_ptr<Database> db_;
};

}  // namespace

const char* job_kind_name(JobKind kind) { return kind == JobKind::kSweep ? "sweep" : "plan"; }

const char* plan_state_name(PlanState state) {
  switch (state) {
    case PlanState::kQueued:
      return "queued";
    case PlanState::kRunning:
      return "running";
    case PlanState::kDone:
      return "done";
    case PlanState::kFailed:
      return "failed";
  }
  return "failed";
}

Result<PlanState> parse_plan_state(std::string_view text) {
  for (PlanState state :
       {PlanState::kQueued, PlanState::kRunning, PlanState::kDone, PlanState::kFailed}) {
    if (text == plan_state_name(state)) {
      return state;
    }
  }
  return input_error(
      fmt::format("unknown plan state '{}' (expected queued, running, done or failed)", text));
}

int latest_schema_version() { return static_cast<int>(migrations().size()); }

Result<std::unique_ptr<Store>> open_store(const std::string& url, int schema_version) {
  Result<std::unique_ptr<Database>> db = Error{};
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    db = open_postgresql(url);
  } else {
    std::string path = url.starts_with("sqlite:") ? url.substr(7) : url;
    if (path.empty() || url.find("://") != std::string::npos) {
      return input_error(fmt::format(
          "store: '{}' is not a store URL (expected postgresql://..., sqlite:PATH or a file path)",
          url));
    }
    db = open_sqlite(path);
  }
  if (!db.ok()) {
    return db.error();
  }
  FLEETPLAN_RETURN_IF_ERROR(
      migrate(**db, schema_version > 0 ? schema_version : latest_schema_version()));
  return std::unique_ptr<Store>(std::make_unique<SqlStore>(std::move(*db)));
}

Result<std::string> default_store_url() {
  std::filesystem::path dir;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg == '/') {
    dir = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    dir = std::filesystem::path(home) / ".local" / "share";
  } else {
    return input_error("store: neither XDG_DATA_HOME nor HOME is set; give --store URL");
  }
  dir /= "fleetplan";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return input_error(
        fmt::format("store: cannot create the folder '{}': {}", dir.string(), ec.message()));
  }
  return (dir / "plans.db").string();
}

Result<std::string> url_or_default(const std::string& url) {
  if (!url.empty()) {
    return url;
  }
  return default_store_url();
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::array<char, 32> buffer{};
  const std::size_t n = std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return {buffer.data(), n};
}

}  // namespace fleetplan::store
