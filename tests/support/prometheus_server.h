// A real Prometheus server for root tests: on loopback at a free port, with
// its storage and configuration in a temporary directory, scraping one target
// every second and evaluating dashboards/alerts.yml every second. Killed and
// cleaned up however the test ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace cgw::test {

class PrometheusServer {
  public:
    // Scrapes 127.0.0.1:target_port as job "cgwarden". Each alert's `for` is
    // shortened to alert_for so a test sees alerts fire in seconds. Throws
    // when the server is not ready within a few seconds.
    PrometheusServer(int target_port, const std::string &alert_for);
    ~PrometheusServer();
    PrometheusServer(const PrometheusServer &) = delete;
    PrometheusServer &operator=(const PrometheusServer &) = delete;

    int port() const { return port_; }

    // GET /api/v1/<endpoint>, the parsed body; {"status": "error", ...} when
    // the request failed.
    nlohmann::json api(const std::string &endpoint) const;
    // POST /api/v1/query with an instant query.
    nlohmann::json query(const std::string &expr) const;

  private:
    void write_config(int target_port, const std::string &alert_for) const;
    void wait_ready(std::chrono::seconds limit);
    void stop();

    std::filesystem::path dir_;
    int port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace cgw::test
