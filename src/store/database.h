// The little the store needs of a SQL database, so that SQLite and PostgreSQL run the same
// statements: parameters `$1`, `$2`, ... and text values; NULL is nullopt.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace fleetplan::store {

using Value = std::optional<std::string>;
using Row = std::vector<Value>;

class Database {
 public:
  virtual ~Database() = default;
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  Database(Database&&) = delete;
  Database& operator=(Database&&) = delete;

  //! "sqlite" or "postgresql"; picks the dialect of the schema statements.
  [[nodiscard]] virtual std::string kind() const = 0;
  //! Runs one statement with parameters and returns its rows (all columns as text).
  virtual Result<std::vector<Row>> query(const std::string& sql,
                                         const std::vector<Value>& params) = 0;
  //! Runs statements (no parameters) in one transaction: all or none.
  virtual Status run_in_transaction(const std::vector<std::string>& statements) = 0;
};

Result<std::unique_ptr<Database>> open_sqlite(const std::string& path);
Result<std::unique_ptr<Database>> open_postgresql(const std::string& url);

}  // namespace fleetplan::store
