// PostgreSQL behind the store's Database, through libpqxx: one connection, each query its
// own transaction (a commit that returned is durable), a lost connection re-opened once.
#include <mutex>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "store/database.h"

namespace fleetplan::store {
namespace {

// libpqxx 6 binds a fixed number of arguments; the store's statements need at most this.
constexpr std::size_t kMaxParams = 8;

pqxx::result exec_with(pqxx::work& work, const std::string& sql, const std::vector<Value>& p) {
  const auto arg = [&](std::size_t i) -> const char* { return p[i] ? p[i]->c_str() : nullptr; };
  switch (p.size()) {
    case 0:
      return work.exec(sql);
    case 1:
      return work.exec_params(sql, arg(0));
    case 2:
      return work.exec_params(sql, arg(0), arg(1));
    case 3:
      return work.exec_params(sql, arg(0), arg(1), arg(2));
    case 4:
      return work.exec_params(sql, arg(0), arg(1), arg(2), arg(3));
    case 5:
      return work.exec_params(sql, arg(0), arg(1), arg(2), arg(3), arg(4));
    case 6:
      return work.exec_params(sql, arg(0), arg(1), arg(2), arg(3), arg(4), arg(5));
    case 7:
      return work.exec_params(sql, arg(0), arg(1), arg(2), arg(3), arg(4), arg(5), arg(6));
    default:
      return work.exec_params(sql, arg(0), arg(1), arg(2), arg(3), arg(4), arg(5), arg(6), arg(7));
  }
}

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(std::string url, std::unique_ptr<pqxx::connection> connection)
      : url_(std::move(url)), connection_(std::move(connection)) {}

  [[nodiscard]] std::string kind() const override { return "postgresql"; }

  Result<std::vector<Row>> query(const std::string& sql,
                                 const std::vector<Value>& params) override {
    if (params.size() > kMaxParams) {
      return internal_error("store: too many parameters for one PostgreSQL statement");
    }
    const std::lock_guard lock(mutex_);
    return with_connection([&]() -> std::vector<Row> {
      pqxx::work work(*connection_);
      const pqxx::result result = exec_with(work, sql, params);
      work.commit();
      std::vector<Row> rows;
      for (const auto& r : result) {
        Row row;
        for (const auto& field : r) {
          row.emplace_back(field.is_null() ? Value() : Value(field.c_str()));
        }
        rows.push_back(std::move(row));
      }
      return rows;
    });
  }

  Status run_in_transaction(const std::vector<std::string>& statements) override {
    const std::lock_guard lock(mutex_);
    auto done = with_connection([&]() -> std::vector<Row> {
      pqxx::work work(*connection_);
      // One migration at a time across processes: the lock is released at commit.
      work.exec("SELECT pg_advisory_xact_lock(7411)");
      for (const std::string& statement : statements) {
        work.exec(statement);
      }
      work.commit();
      return {};
    });
    if (!done.ok()) {
      return done.error();
    }
    return {};
  }

 private:
  // Runs `body`; a broken connection is opened again and the body retried once (the
  // transaction of the first try was not committed, so nothing runs twice).
  template <typename Body>
  Result<std::vector<Row>> with_connection(const Body& body) {
    for (int attempt = 0;; ++attempt) {
      try {
        if (!connection_ || !connection_->is_open()) {
          connection_ = std::make_unique<pqxx::connection>(url_);
        }
        return body();
      } catch (const pqxx::broken_connection& e) {
        connection_.reset();
        if (attempt > 0) {
          return internal_error(fmt::format("store (postgresql): connection lost: {}", e.what()));
        }
      } catch (const std::exception& e) {
        return internal_error(fmt::format("store (postgresql): {}", e.what()));
      }
    }
  }

  std::string url_;
  std::unique_ptr<pqxx::connection> connection_;
  std::mutex mutex_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_postgresql(const std::string& url) {
  try {
    auto connection = std::make_unique<pqxx::connection>(url);
    return std::unique_ptr<Database>(
        std::make_unique<PostgresDatabase>(url, std::move(connection)));
  } catch (const std::exception& e) {
    return input_error(fmt::format("store: cannot connect to PostgreSQL: {}", e.what()));
  }
}

}  // namespace fleetplan::store
