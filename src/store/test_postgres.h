// Tests only: a throw-away PostgreSQL server from Debian's `postgresql` package, in a
// temporary folder, on 127.0.0.1 and a free port, stopped and removed with the object.
// PostgreSQL refuses to run as root, so under root (CI) it runs as the `postgres` user.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"

namespace fleetplan::testing {

class PostgresServer {
 public:
  //! initdb + pg_ctl start; an error says what is missing or what failed (with its log).
  static Result<std::unique_ptr<PostgresServer>> start();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  PostgresServer(PostgresServer&&) = delete;
  PostgresServer& operator=(PostgresServer&&) = delete;

  //! postgresql://postgres@127.0.0.1:PORT/postgres
  [[nodiscard]] std::string url() const;
  //! A fresh database on the server, and its URL.
  Result<std::string> create_database(const std::string& name);

 private:
  PostgresServer() = default;
  std::string bin_;   // folder of initdb, pg_ctl, createdb
  std::string root_;  // temporary folder
  int port_ = 0;
  bool running_ = false;
};

//! True where the PostgreSQL tests must run rather than be skipped (CI=true).
bool postgres_required();

//! A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

}  // namespace fleetplan::testing
