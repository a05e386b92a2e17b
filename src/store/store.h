// The plan store: every plan run through `fleetplan serve` (and `fleetplan plan --store`)
// with its scenario text, options, fleetplan version, times and result. SQLite by default
// (one file, WAL); PostgreSQL for teams. Both hold the same versioned schema.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace fleetplan::store {

//! A plan's state in its job's life.
enum class PlanState { kQueued, kRunning, kDone, kFailed };
//! "queued", "running", "done", "failed".
const char* plan_state_name(PlanState state);
Result<PlanState> parse_plan_state(std::string_view text);

//! What a stored job computes: a plan (`plan --json`) or a sweep (`sweep --json`). Both
//! live in the one table, so that job ids are one sequence and a job outlives the process
//! whatever its kind.
enum class JobKind { kPlan, kSweep };
//! "plan", "sweep".
const char* job_kind_name(JobKind kind);

//! What is known of a plan (or a sweep) when it is asked for.
struct NewPlan {
  std::string scenario;       //!< the scenario's name
  std::string source;         //!< "built-in scenario NAME" or "request"
  std::string scenario_text;  //!< the YAML it was planned from
  std::string options;        //!< the plan options as JSON text
  std::string version;        //!< fleetplan version
  std::string created_at;     //!< UTC, "2026-12-01T22:10:04Z"
  JobKind kind = JobKind::kPlan;
};

//! What a finished plan adds.
struct FinishedPlan {
  std::string status;     //!< "optimal", "feasible", "infeasible"; a sweep: "complete"
  std::string objective;  //!< "min-cost", "max-served"
  std::string headline;   //!< JSON text (report::plan_headline), "null" when none
  std::string result;     //!< JSON text of `plan --json` (a sweep: `sweep --json`)
  std::string finished_at;
};

//! A stored plan. `result` and `scenario_text` are filled only when asked for.
struct PlanRecord {
  long long id = 0;
  NewPlan inputs;
  PlanState state = PlanState::kQueued;
  std::optional<std::string> started_at;
  std::optional<std::string> finished_at;
  std::optional<std::string> status;
  std::optional<std::string> objective;
  std::optional<std::string> error;
  std::optional<std::string> headline;
  std::optional<std::string> result;
};

//! Which plans (or sweeps) to list; empty strings match all. Newest first.
struct PlanFilter {
  JobKind kind = JobKind::kPlan;
  std::string scenario;
  std::optional<PlanState> state;
  std::string status;
  int limit = 50;
  long long offset = 0;
};

//! One page of a listing and the number of plans the filter matches.
struct PlanPage {
  std::vector<PlanRecord> plans;
  long long total = 0;
};

//! What the record read should include besides the summary fields.
struct ReadParts {
  bool scenario_text = false;
  bool result = false;
};

//! The store. Every call is one transaction: a plan is either absent or whole, and a call
//! that returned has reached the disk (SQLite synchronous=FULL; PostgreSQL commit).
//! Thread-safe.
class Store {
 public:
  virtual ~Store() = default;
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  Store(Store&&) = delete;
  Store& operator=(Store&&) = delete;

  //! "sqlite" or "postgresql".
  [[nodiscard]] virtual std::string kind() const = 0;
  //! The schema version the store holds.
  [[nodiscard]] virtual Result<int> schema_version() = 0;

  //! Stores a queued plan and returns its id (ids grow).
  virtual Result<long long> add_plan(const NewPlan& plan) = 0;
  virtual Status mark_running(long long id, const std::string& started_at) = 0;
  virtual Status finish_plan(long long id, const FinishedPlan& finished) = 0;
  virtual Status fail_plan(long long id, const std::string& error,
                           const std::string& finished_at) = 0;
  //! The plan, or nullopt when there is none with this id.
  virtual Result<std::optional<PlanRecord>> plan(long long id, ReadParts parts) = 0;
  virtual Result<PlanPage> list_plans(const PlanFilter& filter) = 0;
  //! Ids of queued and running plans, oldest first (jobs a stopped server left undone).
  virtual Result<std::vector<long long>> unfinished_plans() = 0;
};

//! The newest schema version this build knows.
int latest_schema_version();

//! Opens (and creates or migrates) a store. `url`: `postgresql://...` or `postgres://...`
//! (libpq connection URI), `sqlite:PATH`, or a file path (SQLite). `schema_version` (tests
//! only) stops migrations at that version; 0: the latest.
Result<std::unique_ptr<Store>> open_store(const std::string& url, int schema_version = 0);

//! The default store: $XDG_DATA_HOME/fleetplan/plans.db, else
//! $HOME/.local/share/fleetplan/plans.db (the folder is created on open).
Result<std::string> default_store_url();

//! `url`, or default_store_url() when it is empty.
Result<std::string> url_or_default(const std::string& url);

//! UTC now as "2026-12-01T22:10:04Z" (the store's time format).
std::string utc_now();

}  // namespace fleetplan::store
