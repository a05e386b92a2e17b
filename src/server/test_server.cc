#include "server/test_server.h"

#include <unistd.h>

#include <atomic>
#include <chrono>

#include <fmt/format.h>

#include "catalog/catalog.h"
#include "perf/perf.h"

namespace fleetplan::testing {

TestServer::TestServer(server::ServerOptions options) : options_(std::move(options)) {
  static std::atomic<int> counter{0};
  dir_ = std::filesystem::temp_directory_path() /
         fmt::format("fleetplan-server-test-{}-{}", getpid(), ++counter);
  std::filesystem::create_directories(dir_);
  options_.bind = "127.0.0.1";
  options_.port = 0;
  if (options_.store_url.empty()) {
    options_.store_url = (dir_ / "plans.db").string();
  }
  auto catalog = catalog::Catalog::load();
  auto efficiency = perf::EfficiencyTable::load_builtin();
  if (!catalog.ok() || !efficiency.ok()) {
    error_ = "cannot load the built-in catalog or efficiency table";
    return;
  }
  auto created = server::Server::create(options_, std::move(*catalog), std::move(*efficiency));
  if (!created.ok()) {
    error_ = created.error().message;
    return;
  }
  if (auto bound = (*created)->bind(); !bound.ok()) {
    error_ = bound.error().message;
    return;
  }
  server_ = std::move(*created);
  thread_ = std::thread([this] { (void)server_->run(); });
}

TestServer::~TestServer() {
  if (server_) {
    server_->stop();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
  server_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::unique_ptr<httplib::Client> TestServer::client() const {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", server_ ? server_->port() : 0);
  client->set_read_timeout(std::chrono::seconds(60));
  client->set_write_timeout(std::chrono::seconds(60));
  if (!options_.token.empty()) {
    client->set_bearer_token_auth(options_.token);
  }
  return client;
}

nlohmann::json TestServer::wait_for_job(long long id, double seconds) const {
  auto c = client();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  nlohmann::json job;
  while (std::chrono::steady_clock::now() < deadline) {
    auto res = c->Get(fmt::format("/api/jobs/{}", id));
    if (res && res->status == 200) {
      job = nlohmann::json::parse(res->body);
      const std::string state = job.value("state", "");
      if (state == "done" || state == "failed") {
        return job;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return job;
}

}  // namespace fleetplan::testing
