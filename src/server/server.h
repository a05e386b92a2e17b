// `fleetplan serve`: the HTTP API over the layers (see openapi.json), the plan store, a
// bounded queue of plan jobs, and the dashboard's static files. Maps HTTP to the same
// library calls the command line makes; holds no planning logic.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "core/result.h"
#include "perf/perf.h"

namespace fleetplan::server {

//! How the server runs; the defaults are `fleetplan serve`'s.
struct ServerOptions {
  std::string bind = "127.0.0.1";
  int port = 8080;                    //!< 0: any free port (tests)
  std::string store_url;              //!< empty: store::default_store_url()
  std::string token;                  //!< bearer token for /api; empty: none
  int jobs = 1;                       //!< plans solved at once
  int queue_limit = 64;               //!< plans waiting; more answer 503
  std::size_t body_limit = 4u << 20;  //!< request body bytes; more answer 413
  double request_time_limit_s = 60;   //!< estimate/simulate past this answer 503
  int compute_limit = 4;              //!< estimates/simulations at once; more answer 503
  long long sweep_limit = 1000;       //!< runs in one sweep request; more answer 400
  int http_threads = 8;               //!< connections served at once
  std::string web_dir;                //!< the built dashboard (web/dist); empty: not built
};

class Server {
 public:
  //! Opens the store, re-queues the plans a stopped server left unfinished.
  static Result<std::unique_ptr<Server>> create(const ServerOptions& options,
                                                catalog::Catalog catalog,
                                                perf::EfficiencyTable efficiency);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  Server(Server&&) = delete;
  Server& operator=(Server&&) = delete;

  //! Binds the address; port() is known after.
  Status bind();
  //! Serves until stop() (from another thread or a signal handler's thread).
  Status run();
  //! Stops accepting, lets the running plans finish storing, returns.
  void stop();
  [[nodiscard]] int port() const;
  //! "sqlite" or "postgresql".
  [[nodiscard]] std::string store_kind() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

//! The OpenAPI 3 document of the API (openapi.json, compiled in).
const std::string& openapi_json();

//! The dashboard folder: $FLEETPLAN_WEB_DIR, else web/ in the data folder (installed:
//! share/fleetplan/web), else web/dist beside the data folder (the source tree); empty if
//! none holds an index.html.
std::string find_web_dir();

}  // namespace fleetplan::server
