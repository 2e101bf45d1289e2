// Dashboards and alerts against the real thing: a Prometheus server scrapes
// cgwarden every second while a CPU hog preempts a critical victim, then
// every dashboard panel's query and every alert rule runs through
// Prometheus' HTTP API. Each query must parse and return data; the SLO
// breach alert must fire for the victim, and no other alert may fire.
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "cgwarden/exporter/exporter.h"
#include "contention_scenario.h"
#include "dashboard_queries.h"
#include "prometheus_server.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;

// Scrapes every second: 5 s holds enough points for rate() and for
// histogram_quantile() over rates.
constexpr const char *kRateInterval = "5s";

bool has_data(const nlohmann::json &reply) {
    return reply.value("status", "") == "success" && !reply["data"]["result"].empty();
}

// Drill-down queries are about one cgroup: a panel is right when it shows
// data for the victim or for the hog (a victim has no knobs, a hog no SLO).
bool returns_data(const test::PrometheusServer &prometheus, const test::Query &q,
                  const std::vector<std::string> &cgroups) {
    for (const std::string &cgroup : cgroups) {
        if (has_data(prometheus.query(test::expand_variables(q.expr, cgroup, kRateInterval))))
            return true;
    }
    return false;
}

std::vector<nlohmann::json> firing_alerts(const test::PrometheusServer &prometheus) {
    std::vector<nlohmann::json> out;
    nlohmann::json reply = prometheus.api("alerts");
    for (const auto &alert : reply["data"]["alerts"]) {
        if (alert["state"] == "firing")
            out.push_back(alert);
    }
    return out;
}

TEST(ExporterPrometheus, EveryDashboardAndAlertQueryRunsOnARealPrometheus) {
    ASSERT_EQ(::geteuid(), 0u) << "integration tests load BPF and create cgroups: run as root";
    test::ContentionScenario scenario;
    std::vector<Decision> applied;
    auto daemon = scenario.daemon(applied);
    ExporterOptions options;
    options.listen = "127.0.0.1:0";
    options.enable_bpf_stats = true;
    auto exporter = Exporter::start(options);
    ASSERT_TRUE(exporter) << exporter.error().message;
    daemon->set_metrics_sink((*exporter)->sink());
    test::PrometheusServer prometheus((*exporter)->port(), "3s");

    auto queries = test::dashboard_queries();
    const std::vector<std::string> cgroups = {scenario.victim.path(), scenario.hog.path()};
    std::vector<test::Query> empty;
    bool slo_alert = false;
    // Enough passes for rates and the shortened `for`, then until every query
    // has data, within a bound.
    auto deadline = std::chrono::steady_clock::now() + 60s;
    for (int pass = 1; std::chrono::steady_clock::now() < deadline; ++pass) {
        ASSERT_TRUE(daemon->tick());
        std::this_thread::sleep_for(1s);
        if (pass < 10)
            continue;
        empty.clear();
        for (const test::Query &q : queries) {
            if (!returns_data(prometheus, q, cgroups))
                empty.push_back(q);
        }
        slo_alert = false;
        for (const auto &alert : firing_alerts(prometheus))
            slo_alert |= alert["labels"]["alertname"] == "CgwardenSloBreachSustained";
        if (empty.empty() && slo_alert)
            break;
    }

    for (const test::Query &q : empty)
        ADD_FAILURE() << q.where << " returned no data: " << q.expr;
    for (const test::Query &q : test::alert_queries()) {
        auto reply = prometheus.query(q.expr);
        EXPECT_EQ(reply.value("status", ""), "success") << q.where << ": " << reply.dump();
    }
    nlohmann::json rules = prometheus.api("rules");
    ASSERT_EQ(rules.value("status", ""), "success") << rules.dump();
    for (const auto &group : rules["data"]["groups"]) {
        for (const auto &rule : group["rules"])
            EXPECT_EQ(rule["health"], "ok") << rule.dump();
    }
    EXPECT_TRUE(slo_alert) << "the victim breaches its SLO all along";
    for (const auto &alert : firing_alerts(prometheus)) {
        EXPECT_EQ(alert["labels"]["alertname"], "CgwardenSloBreachSustained") << alert.dump();
        EXPECT_EQ(alert["labels"]["cgroup"], scenario.victim.path()) << alert.dump();
    }
}

}  // namespace
}  // namespace cgw
