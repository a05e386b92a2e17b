// SQLite behind the store's Database: one connection, WAL, synchronous=FULL (a commit that
// returned survives a crash of the process and of the machine), a busy timeout so that a
// server and a `plan --store` command can share the file.
#include <sqlite3.h>

#include <mutex>

#include <fmt/format.h>

#include "store/database.h"

namespace fleetplan::store {
namespace {

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}
  ~SqliteDatabase() override { sqlite3_close(db_); }
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;
  SqliteDatabase(SqliteDatabase&&) = delete;
  SqliteDatabase& operator=(SqliteDatabase&&) = delete;

  [[nodiscard]] std::string kind() const override { return "sqlite"; }

  Result<std::vector<Row>> query(const std::string& sql,
                                 const std::vector<Value>& params) override {
    const std::lock_guard lock(mutex_);
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr) !=
        SQLITE_OK) {
      return failure("prepare");
    }
    const std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw, sqlite3_finalize);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = sqlite3_bind_parameter_index(raw, fmt::format("${}", i + 1).c_str());
      if (index == 0) {
        return internal_error(fmt::format("store: statement has no parameter ${}", i + 1));
      }
      const int rc = params[i]
                         ? sqlite3_bind_text(raw, index, params[i]->data(),
                                             static_cast<int>(params[i]->size()), SQLITE_TRANSIENT)
                         : sqlite3_bind_null(raw, index);
      if (rc != SQLITE_OK) {
        return failure("bind");
      }
    }
    std::vector<Row> rows;
    for (;;) {
      const int rc = sqlite3_step(raw);
      if (rc == SQLITE_DONE) {
        return rows;
      }
      if (rc != SQLITE_ROW) {
        return failure("step");
      }
      Row row;
      const int columns = sqlite3_column_count(raw);
      for (int c = 0; c < columns; ++c) {
        if (sqlite3_column_type(raw, c) == SQLITE_NULL) {
          row.emplace_back(std::nullopt);
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(raw, c));
          row.emplace_back(
              std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(raw, c))));
        }
      }
      rows.push_back(std::move(row));
    }
  }

  Status run_in_transaction(const std::vector<std::string>& statements) override {
    const std::lock_guard lock(mutex_);
    // IMMEDIATE: take the write lock first, so two processes migrating do not interleave.
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return failure("begin");
    }
    for (const std::string& statement : statements) {
      if (sqlite3_exec(db_, statement.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
        Error error = failure("migrate");
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        return error;
      }
    }
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      Error error = failure("commit");
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return error;
    }
    return {};
  }

 private:
  Error failure(const char* what) {
    return internal_error(fmt::format("store (sqlite {}): {}: {}", sqlite3_db_filename(db_, "main"),
                                      what, sqlite3_errmsg(db_)));
  }

  sqlite3* db_;
  std::mutex mutex_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return input_error(fmt::format("store: cannot open SQLite database '{}': {}", path, message));
  }
  sqlite3_busy_timeout(db, 10000);
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (sqlite3_exec(db, pragma, nullptr, nullptr, nullptr) != SQLITE_OK) {
      std::string message = sqlite3_errmsg(db);
      sqlite3_close(db);
      return input_error(fmt::format("store: '{}' is not a usable SQLite database ({}: {})", path,
                                     pragma, message));
    }
  }
  return std::unique_ptr<Database>(std::make_unique<SqliteDatabase>(db));
}

}  // namespace fleetplan::store
