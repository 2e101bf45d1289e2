// The exporter's HTTP endpoints, on civetweb:
//   /metrics  the next pass's snapshot in Prometheus text format (snapshot_store.h;
//             503 before the first pass)
//   /healthz  200 while the control loop completes passes, else 503 and why
//   /readyz   200 once BPF is attached and the first sample taken, else 503
//   /decisions  the enforcer's decision history as JSON (decisions/json.h)
// Stops and joins its threads when destroyed.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "cgwarden/common/result.h"
#include "cgwarden/decisions/history.h"
#include "cgwarden/exporter/snapshot_store.h"

struct mg_context;

namespace cgw {

class HttpServer {
  public:
    // listen: "host:port" (port 0: any free port).
    // decisions may be null (no control loop): /decisions answers 404.
    static Result<std::unique_ptr<HttpServer>> start(
        const std::string &listen, std::shared_ptr<SnapshotStore> store,
        std::chrono::milliseconds stale_after, std::chrono::milliseconds scrape_wait,
        std::shared_ptr<const DecisionHistory> decisions = nullptr);
    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    int port() const { return port_; }

    // What the handlers need, shared with civetweb's threads.
    struct State {
        std::shared_ptr<SnapshotStore> store;
        std::chrono::milliseconds stale_after;
        std::chrono::milliseconds scrape_wait;
        std::chrono::steady_clock::time_point started;
        std::shared_ptr<const DecisionHistory> decisions;
    };

  private:
    HttpServer() = default;
    State state_;
    mg_context *ctx_ = nullptr;
    int port_ = 0;
};

}  // namespace cgw
