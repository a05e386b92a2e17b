// Tests only: a `Server` on 127.0.0.1 and a free port in this process, with its own SQLite
// store in a temporary folder, served from a thread; stopped and removed with the object.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "server/server.h"

namespace fleetplan::testing {

class TestServer {
 public:
  //! Starts; `options.port`, `bind` and (when empty) `store_url` are set here.
  explicit TestServer(server::ServerOptions options = {});
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;
  TestServer(TestServer&&) = delete;
  TestServer& operator=(TestServer&&) = delete;

  [[nodiscard]] bool ok() const { return server_ != nullptr; }
  [[nodiscard]] const std::string& error() const { return error_; }
  //! A client for this server (60 s timeouts), with the token when one is set.
  [[nodiscard]] std::unique_ptr<httplib::Client> client() const;
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] int port() const { return server_ ? server_->port() : 0; }
  [[nodiscard]] const std::string& store_url() const { return options_.store_url; }
  //! Polls /api/jobs/ID until done or failed (at most `seconds`); the last job JSON.
  nlohmann::json wait_for_job(long long id, double seconds = 60) const;

 private:
  server::ServerOptions options_;
  std::filesystem::path dir_;
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
  std::string error_;
};

}  // namespace fleetplan::testing
