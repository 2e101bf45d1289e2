#include "prometheus_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "dashboard_queries.h"
#include "http_client.h"

namespace cgw::test {

namespace {

nlohmann::json parse_reply(const HttpResponse &r) {
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (r.status == 0 || body.is_discarded())
        return {{"status", "error"}, {"error", "HTTP " + std::to_string(r.status) + ": " + r.body}};
    return body;
}

}  // namespace

PrometheusServer::PrometheusServer(int target_port, const std::string &alert_for) {
    char pattern[] = "/tmp/cgw-prometheus-XXXXXX";
    if (!::mkdtemp(pattern))
        throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    try {
        write_config(target_port, alert_for);
        port_ = free_port();
        std::vector<std::string> argv = {
            "prometheus",
            "--config.file=" + (dir_ / "prometheus.yml").string(),
            "--storage.tsdb.path=" + (dir_ / "data").string(),
            "--web.listen-address=127.0.0.1:" + std::to_string(port_),
            "--log.level=warn",
        };
        pid_ = ::fork();
        if (pid_ < 0)
            throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            std::vector<char *> args;
            for (auto &a : argv)
                args.push_back(a.data());
            args.push_back(nullptr);
            ::execvp(args[0], args.data());
            ::_exit(127);
        }
        wait_ready(std::chrono::seconds(30));
    } catch (...) {
        // No destructor runs for a half-built object.
        stop();
        throw;
    }
}

PrometheusServer::~PrometheusServer() {
    stop();
}

void PrometheusServer::stop() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        pid_ = -1;
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void PrometheusServer::write_config(int target_port, const std::string &alert_for) const {
    YAML::Node rules = YAML::LoadFile((dashboards_dir() / "alerts.yml").string());
    for (auto group : rules["groups"]) {
        for (auto rule : group["rules"]) {
            if (rule["for"])
                rule["for"] = alert_for;
        }
    }
    std::ofstream(dir_ / "alerts.yml") << rules;
    std::ofstream(dir_ / "prometheus.yml")
        << "global:\n"
        << "  scrape_interval: 1s\n"
        << "  scrape_timeout: 1s\n"
        << "  evaluation_interval: 1s\n"
        << "rule_files: [" << (dir_ / "alerts.yml").string() << "]\n"
        << "scrape_configs:\n"
        << "  - job_name: cgwarden\n"
        << "    static_configs:\n"
        << "      - targets: ['127.0.0.1:" << target_port << "']\n";
}

void PrometheusServer::wait_ready(std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (http_get(port_, "/-/ready").status == 200)
            return;
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;  // reaped: never signal a pid that may be reused
            throw std::runtime_error("prometheus exited at start-up (see its log above)");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    throw std::runtime_error("prometheus not ready within " + std::to_string(limit.count()) + " s");
}

nlohmann::json PrometheusServer::api(const std::string &endpoint) const {
    return parse_reply(http_get(port_, "/api/v1/" + endpoint));
}

nlohmann::json PrometheusServer::query(const std::string &expr) const {
    return parse_reply(http_post_form(port_, "/api/v1/query", "query=" + url_encode(expr)));
}

}  // namespace cgw::test
