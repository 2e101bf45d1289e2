#include "cgwarden/exporter/http_server.h"

#include <civetweb.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "cgwarden/decisions/json.h"
#include "cgwarden/exporter/health.h"

namespace cgw {

namespace {

// Scrapes are few, but each waits for the next pass: four workers, so that
// health checks are answered beside two scrapes, and a client that stops
// reading cannot hold one for long.
constexpr const char *kThreads = "4";
constexpr const char *kRequestTimeoutMs = "10000";

HttpServer::State &state_of(void *cbdata) {
    return *static_cast<HttpServer::State *>(cbdata);
}

// Health and scrapes are read-only: anything but GET/HEAD is refused.
bool refuse_method(mg_connection *conn) {
    const char *method = mg_get_request_info(conn)->request_method;
    if (std::strcmp(method, "GET") == 0 || std::strcmp(method, "HEAD") == 0)
        return false;
    mg_send_http_error(conn, 405, "%s", "only GET and HEAD\n");
    return true;
}

int reply(mg_connection *conn, int status, const char *mime, const std::string &body) {
    mg_response_header_start(conn, status);
    mg_response_header_add(conn, "Content-Type", mime, -1);
    mg_response_header_add(conn, "Content-Length", std::to_string(body.size()).c_str(), -1);
    mg_response_header_add(conn, "Cache-Control", "no-store", -1);
    mg_response_header_send(conn);
    if (std::strcmp(mg_get_request_info(conn)->request_method, "HEAD") != 0)
        mg_write(conn, body.data(), body.size());
    return status;
}

int reply(mg_connection *conn, const HealthVerdict &verdict) {
    return reply(conn, verdict.ok ? 200 : 503, "text/plain; charset=utf-8", verdict.reason);
}

// How long this scrape may wait for the next pass: the server's bound, and
// at most half the timeout Prometheus says it gives the scrape.
std::chrono::milliseconds scrape_wait(mg_connection *conn, std::chrono::milliseconds most) {
    const char *header = mg_get_header(conn, "X-Prometheus-Scrape-Timeout-Seconds");
    if (!header)
        return most;
    char *end = nullptr;
    double timeout_s = std::strtod(header, &end);
    if (end == header || !(timeout_s > 0))
        return most;
    return std::min(
        most, std::chrono::milliseconds(static_cast<int64_t>(std::min(timeout_s, 3600.0) * 500)));
}

int handle_metrics(mg_connection *conn, void *cbdata) {
    if (refuse_method(conn))
        return 405;
    auto snapshot = state_of(cbdata).store->next(scrape_wait(conn, state_of(cbdata).scrape_wait));
    if (!snapshot)
        return reply(conn, check_readiness(std::nullopt));
    std::ostringstream text;
    prometheus::TextSerializer().Serialize(text, snapshot->families);
    return reply(conn, 200, "text/plain; version=0.0.4; charset=utf-8", text.str());
}

int handle_healthz(mg_connection *conn, void *cbdata) {
    if (refuse_method(conn))
        return 405;
    const HttpServer::State &state = state_of(cbdata);
    return reply(conn, check_liveness(state.store->last_pass(), state.started,
                                      std::chrono::steady_clock::now(), state.stale_after));
}

int handle_readyz(mg_connection *conn, void *cbdata) {
    if (refuse_method(conn))
        return 405;
    return reply(conn, check_readiness(state_of(cbdata).store->last_pass()));
}

int handle_decisions(mg_connection *conn, void *cbdata) {
    if (refuse_method(conn))
        return 405;
    const HttpServer::State &state = state_of(cbdata);
    if (!state.decisions)
        return reply(conn, 404, "text/plain; charset=utf-8", "no control loop runs here\n");
    return reply(conn, 200, "application/json", to_json(document_of(*state.decisions)));
}

int log_message(const mg_connection *, const char *message) {
    spdlog::warn("metrics server: {}", message);
    return 1;
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(
    const std::string &listen, std::shared_ptr<SnapshotStore> store,
    std::chrono::milliseconds stale_after, std::chrono::milliseconds scrape_wait,
    std::shared_ptr<const DecisionHistory> decisions) {
    std::unique_ptr<HttpServer> server(new HttpServer());
    server->state_ = {std::move(store), stale_after, scrape_wait, std::chrono::steady_clock::now(),
                      std::move(decisions)};
    const char *options[] = {"listening_ports",    listen.c_str(),    "num_threads", kThreads,
                             "request_timeout_ms", kRequestTimeoutMs, nullptr};
    mg_callbacks callbacks{};
    callbacks.log_message = log_message;
    mg_init_data init{&callbacks, nullptr, options};
    unsigned error_code = 0;
    char error_text[256] = "";
    mg_error_data error{&error_code, error_text, sizeof error_text};
    server->ctx_ = mg_start2(&init, &error);
    if (!server->ctx_)
        return Error{"starting the metrics server on " + listen + ": " + error_text};
    void *state = &server->state_;
    mg_set_request_handler(server->ctx_, "/metrics$", handle_metrics, state);
    mg_set_request_handler(server->ctx_, "/healthz$", handle_healthz, state);
    mg_set_request_handler(server->ctx_, "/readyz$", handle_readyz, state);
    mg_set_request_handler(server->ctx_, "/decisions$", handle_decisions, state);
    mg_server_port ports[1]{};
    if (mg_get_server_ports(server->ctx_, 1, ports) < 1)
        return Error{"metrics server on " + listen + ": no listening port"};
    server->port_ = ports[0].port;
    return server;
}

HttpServer::~HttpServer() {
    if (ctx_)
        mg_stop(ctx_);
}

}  // namespace cgw
