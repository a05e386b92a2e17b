#include "store/test_postgres.h"

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace fleetplan::testing {
namespace {

// Newest installed server binaries: /usr/lib/postgresql/<major>/bin.
std::string find_bin() {
  std::string best;
  int best_major = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const int major = std::atoi(entry.path().filename().c_str());
    if (major > best_major && std::filesystem::exists(entry.path() / "bin" / "initdb")) {
      best_major = major;
      best = (entry.path() / "bin").string();
    }
  }
  return best;
}

// Runs `command` as the postgres user when we are root, else as ourselves.
int run_as_owner(const std::string& command) {
  const std::string full =
      geteuid() == 0 ? fmt::format("runuser -u postgres -- sh -c '{}'", command) : command;
  return std::system(full.c_str());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool postgres_required() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::start() {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  server->bin_ = find_bin();
  if (server->bin_.empty()) {
    return not_found_error(
        "PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install "
        "postgresql)");
  }
  if (geteuid() == 0 && getpwnam("postgres") == nullptr) {
    return not_found_error("running as root and there is no `postgres` user to run PostgreSQL");
  }
  std::string templ = (std::filesystem::temp_directory_path() / "fleetplan-pg-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) {
    return internal_error("cannot create a temporary folder for PostgreSQL");
  }
  server->root_ = templ;
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (chown(templ.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return internal_error(fmt::format("cannot give {} to the postgres user", templ));
    }
  }
  const std::string data = server->root_ + "/data";
  const std::string log = server->root_ + "/log";
  if (run_as_owner(fmt::format("{}/initdb -D {} -A trust -U postgres -E UTF8 --locale=C "
                               "--no-sync >{} 2>&1",
                               server->bin_, data, log)) != 0) {
    return internal_error(fmt::format("initdb failed:\n{}", read_file(log)));
  }
  // A free port can be taken between the probe and the start: try a few.
  for (int attempt = 0; attempt < 5 && !server->running_; ++attempt) {
    server->port_ = free_port();
    const int rc = run_as_owner(
        fmt::format("{}/pg_ctl -D {} -l {} -w -t 60 -o \"-p {} -k {} -c listen_addresses=127.0.0.1 "
                    "-c fsync=off -c max_connections=40\" start >/dev/null 2>&1",
                    server->bin_, data, log, server->port_, server->root_));
    server->running_ = rc == 0;
  }
  if (!server->running_) {
    return internal_error(fmt::format("pg_ctl start failed:\n{}", read_file(log)));
  }
  return server;
}

PostgresServer::~PostgresServer() {
  if (running_) {
    run_as_owner(fmt::format("{}/pg_ctl -D {}/data -m fast -w stop >/dev/null 2>&1", bin_, root_));
  }
  if (!root_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
}

std::string PostgresServer::url() const {
  return fmt::format("postgresql://postgres@127.0.0.1:{}/postgres", port_);
}

Result<std::string> PostgresServer::create_database(const std::string& name) {
  if (run_as_owner(fmt::format("{}/createdb -h 127.0.0.1 -p {} -U postgres {} >/dev/null 2>&1",
                               bin_, port_, name)) != 0) {
    return internal_error(fmt::format("createdb {} failed", name));
  }
  return fmt::format("postgresql://postgres@127.0.0.1:{}/{}", port_, name);
}

}  // namespace fleetplan::testing
