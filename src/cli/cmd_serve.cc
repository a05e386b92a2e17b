// `fleetplan serve`: the HTTP API, the plan store and the dashboard (src/server).
#include <csignal>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "analysis/sweep.h"
#include "cli/command.h"
#include "perf/perf.h"
#include "server/server.h"
#include "store/store.h"

namespace fleetplan::cli {
namespace {

struct Options {
  server::ServerOptions server;
  std::string token_file;
  double body_limit_mb = 4;
  std::vector<std::string> catalogs;
};

bool loopback(const std::string& address) {
  return address == "127.0.0.1" || address == "::1" || address == "localhost" ||
         address.starts_with("127.");
}

Result<std::string> read_token(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return input_error(fmt::format("--token-file: cannot read '{}'", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())) != 0) {
    token.pop_back();
  }
  if (token.empty() || token.find_first_of(" \t\r\n") != std::string::npos) {
    return input_error(fmt::format(
        "--token-file: '{}' must hold one token (no spaces), got {} bytes", path, ss.str().size()));
  }
  return token;
}

// The settings that follow from the flags: the token read from --token-file, the body limit
// in bytes and the dashboard's directory.
Status complete_settings(Options& o) {
  if (!o.token_file.empty()) {
    auto token = read_token(o.token_file);
    FLEETPLAN_RETURN_IF_ERROR(token);
    o.server.token = *token;
  }
  o.server.body_limit = static_cast<std::size_t>(o.body_limit_mb * 1024 * 1024);
  if (o.server.web_dir.empty()) {
    o.server.web_dir = server::find_web_dir();
  }
  return {};
}

// What the operator reads on start: the address, the store, the dashboard, the API and how
// to authenticate; a warning on stderr when it listens beyond loopback without a token.
void print_banner(const Options& o, const server::Server& srv) {
  const std::string host =
      o.server.bind.find(':') != std::string::npos ? "[" + o.server.bind + "]" : o.server.bind;
  fmt::print("fleetplan serve: listening on http://{}:{}/\n", host, srv.port());
  fmt::print("  store: {} ({})\n",
             o.server.store_url.starts_with("postgres") ? "postgresql://..." : o.server.store_url,
             srv.store_kind());
  fmt::print("  dashboard: {}\n", o.server.web_dir.empty()
                                      ? "not built (npm ci && npm run build in web/); the API "
                                        "works without it"
                                      : o.server.web_dir);
  fmt::print("  API: http://{}:{}/api/openapi.json; token: {}\n", host, srv.port(),
             o.server.token.empty()
                 ? "none"
                 : "required (Authorization: Bearer TOKEN, or the browser's session cookie)");
  // The token itself is not printed (terminals and service logs are read by others): the
  // operator has the file.
  if (o.server.token.empty()) {
    fmt::print("  open http://{}:{}/ in a browser\n", host, srv.port());
  } else {
    fmt::print(
        "  open http://{0}:{1}/?token=TOKEN in a browser, TOKEN being the contents of {2} "
        "(or open http://{0}:{1}/ and paste it)\n",
        host, srv.port(), o.token_file);
  }
  if (o.server.token.empty() && !loopback(o.server.bind)) {
    fmt::print(stderr,
               "fleetplan serve: warning: listening on {} beyond this machine without a token; "
               "anyone who can reach it can run plans and read every stored plan (give "
               "--token-file FILE)\n",
               o.server.bind);
  }
  std::fflush(stdout);
}

// Runs the server until one of `signals` (blocked in every thread) arrives or it fails.
Status serve_until_signalled(server::Server& srv, const sigset_t& signals) {
  server::Server* raw = &srv;
  std::thread stopper([raw, signals] {
    int number = 0;
    sigwait(&signals, &number);
    raw->stop();
  });
  auto served = raw->run();
  // run() also returns when the HTTP server fails; wake the stopper either way. SIGTERM is
  // blocked in every thread and taken by the stopper's sigwait, so it ends nothing.
  pthread_kill(stopper.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
  stopper.join();
  return served;
}

int run(Options& o) {
  if (auto settings = complete_settings(o); !settings.ok()) {
    return report_error(settings.error());
  }
  auto catalog = load_catalog(o.catalogs);
  if (!catalog.ok()) {
    return report_error(catalog.error());
  }
  auto efficiency = perf::EfficiencyTable::load_builtin();
  if (!efficiency.ok()) {
    return report_error(efficiency.error());
  }
  auto url = store::url_or_default(o.server.store_url);
  if (!url.ok()) {
    return report_error(url.error());
  }
  o.server.store_url = *url;
  // SIGINT and SIGTERM are taken by one thread that stops the server; every other thread
  // (created after this) has them blocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto srv = server::Server::create(o.server, std::move(*catalog), std::move(*efficiency));
  if (!srv.ok()) {
    return report_error(srv.error());
  }
  if (auto bound = (*srv)->bind(); !bound.ok()) {
    return report_error(bound.error());
  }
  print_banner(o, **srv);
  auto served = serve_until_signalled(**srv, signals);
  srv->reset();
  if (!served.ok()) {
    return report_error(served.error());
  }
  fmt::print("fleetplan serve: stopped\n");
  return kExitOk;
}

void setup(CLI::App& app, RunFn& run_fn) {
  auto o = std::make_shared<Options>();
  app.add_option("--port", o->server.port, "TCP port (default 8080; 0: any free port)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--bind", o->server.bind,
                 "address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)");
  app.add_option("--store", o->server.store_url,
                 "plan store: postgresql://USER@HOST/DB, sqlite:PATH or a file (default "
                 "$XDG_DATA_HOME/fleetplan/plans.db)");
  app.add_option("--token-file", o->token_file,
                 "file holding the token that every request but /healthz must carry (API clients: "
                 "Authorization: Bearer TOKEN; browsers: log in once, then a session cookie)");
  app.add_option(
         "--jobs", o->server.jobs,
         "jobs (plans, sweeps) at once, and a sweep's runs at a time (default 1); CBC solves "
         "one plan at a time, the rest of a job overlaps")
      ->check(CLI::Range(1, 64));
  app.add_option("--queue-limit", o->server.queue_limit,
                 "jobs (plans, sweeps) waiting at most; more answer 503 (default 64)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--sweep-limit", o->server.sweep_limit,
                 "runs one sweep request may ask for at most; more answer 400 (default 1000)")
      ->check(CLI::Range(1LL, analysis::kMaxRuns));
  app.add_option("--body-limit-mb", o->body_limit_mb,
                 "largest request body in MiB; more answer 413 (default 4)")
      ->check(CLI::Range(0.001, 1024.0));
  app.add_option("--request-time-limit", o->server.request_time_limit_s,
                 "seconds an estimate or a simulation may take; longer answer 503 (default 60)")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--web-dir", o->server.web_dir,
                 "the built dashboard (default: web/dist of this installation)")
      ->check(CLI::ExistingDirectory);
  add_catalog_option(app, o->catalogs);
  run_fn = [o] { return run(*o); };
}

const bool kRegistered = register_command(
    "serve", "HTTP API, plan store and web dashboard (see /api/openapi.json)", 90, setup);

}  // namespace
}  // namespace fleetplan::cli
