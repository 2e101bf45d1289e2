// Dashboards and alerts against the real thing: a Prometheus server scrapes
// cgwarden every second while a CPU hog preempts a critical victim, an IO hog
// (fio) reads the disk and a heartbeat flow loses packets in a full queue;
// then every dashboard panel's query and every alert rule runs through
// Prometheus' HTTP API. Each query must parse and return data; the SLO
// breach, heartbeat drops and heartbeat gap alerts must fire, no other. The
// series that arrive must agree with the tools': fio's requests, hb_send's
// and hb_recv's packets.
#include <gtest/gtest.h>
#include <unistd.h>

#include <signal.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <thread>

#include "block_io.h"
#include "cgwarden/exporter/exporter.h"
#include "contention_scenario.h"
#include "dashboard_queries.h"
#include "heartbeat_tools.h"
#include "prometheus_server.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;
using test::NetnsPair;
using test::TestCgroup;

// Scrapes every second: 5 s holds enough points for rate() and for
// histogram_quantile() over rates. Under qemu's TCG a starved scrape times
// out now and then: 20 s still holds two.
std::string rate_interval() {
    return std::getenv("CGWARDEN_VM") ? "20s" : "5s";
}

bool has_data(const nlohmann::json &reply) {
    return reply.value("status", "") == "success" && !reply["data"]["result"].empty();
}

// The value of a query that returns one series; NaN when it returns none.
double value_of(const test::PrometheusServer &prometheus, const std::string &expr) {
    nlohmann::json reply = prometheus.query(expr);
    if (!has_data(reply))
        return std::nan("");
    return std::stod(reply["data"]["result"][0]["value"][1].get<std::string>());
}

// The sum of the latest values of the series `selector` selects within the
// last minute: a cgroup's series end when it leaves the export scope.
double last_value(const test::PrometheusServer &prometheus, const std::string &selector) {
    return value_of(prometheus, "sum(last_over_time(" + selector + "[1m]))");
}

// Drill-down queries are about one cgroup: a panel is right when it shows
// data for one of the scenario's cgroups (a victim has no knobs, a hog no
// SLO, only the IO hog does IO).
bool returns_data(const test::PrometheusServer &prometheus, const test::Query &q,
                  const std::vector<std::string> &cgroups) {
    for (const std::string &cgroup : cgroups) {
        if (has_data(prometheus.query(test::expand_variables(q.expr, cgroup, rate_interval()))))
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

// The network part of the scenario, lasting longer than the queries need:
// a heartbeat flow across a veth pair. The receiver's firewall drops every
// tenth heartbeat (NETFILTER_DROP: drops for certain, however the hogs
// schedule the tools); the sender side is a 1 Mbit/s tbf queue of one
// packet that a bulk sender keeps full (QDISC_DROP of its own packets, and
// of heartbeats that find the queue full). After kPauseAfter heartbeats the
// sender pauses for kPauseMs: a gap.
struct HeartbeatScenario {
    static constexpr int kCount = 1500;
    static constexpr int kIntervalMs = 20;
    static constexpr int kPauseAfter = 100;
    static constexpr int kPauseMs = 500;

    explicit HeartbeatScenario(const CgroupLayout &layout)
        : hb(layout, "hb", kNetCgroup),
          bulk(layout, "bulk", kNetCgroup),
          rx(layout, "rx", kNetCgroup) {
        net.run_in(net.sender(), {"tc", "qdisc", "add", "dev", NetnsPair::kDevice, "root", "tbf",
                                  "rate", "1mbit", "burst", "4kb", "limit", "1500"});
        net.run_in(net.receiver(),
                   {"nft",
                    "add table inet cgwt; add chain inet cgwt input { type filter hook "
                    "input priority 0; }; add rule inet cgwt input udp dport " +
                        std::to_string(port) + " numgen inc mod 10 == 0 drop"});
    }

    HeartbeatFlow flow() const {
        return {"hb", "udp", port, Duration(std::chrono::milliseconds(kIntervalMs)), std::nullopt};
    }

    void start() {
        auto bulk_port = static_cast<uint16_t>(port + 1);
        // Heartbeats may find the queue full for a while: the receivers wait.
        const std::vector<std::string> patient = {"--idle-ms", "5000", "--max-ms", "90000"};
        pids.push_back(test::start_receiver(rx, net, dir, port, "received", patient));
        pids.push_back(test::start_receiver(rx, net, dir, bulk_port, "bulk-received", patient));
        pids.push_back(test::start_bulk(bulk, net, dir, bulk_port, 40));
        pids.push_back(test::start_heartbeats(hb, net, dir, port, kCount, kIntervalMs,
                                              {"--pause-after", std::to_string(kPauseAfter),
                                               "--pause-ms", std::to_string(kPauseMs)}));
    }

    void wait() {
        for (pid_t pid : pids)
            test::wait_for_exit(pid, 90s);
    }

    // In the cpu hierarchy for the exporter's scope, in cgroup2 for the sockets.
    inline static const std::vector<std::string> kNetCgroup = {"cpu", test::kCgroup2};
    NetnsPair net;
    TestCgroup hb;
    TestCgroup bulk;
    TestCgroup rx;
    // A port of this run only: the drop tracepoint sees the whole node.
    uint16_t port = static_cast<uint16_t>(20000 + ::getpid() % 20000);
    test::TempDir dir;
    std::vector<pid_t> pids;
};

TEST(ExporterPrometheus, EveryDashboardAndAlertQueryRunsOnARealPrometheus) {
    ASSERT_EQ(::geteuid(), 0u) << "integration tests load BPF and create cgroups: run as root";
    test::ContentionScenario scenario;
    // The scenario's actuator only records: the victim never improves, and a
    // weight at its floor that did not help would be undone. Steps of 1 keep
    // the hog's weight lowered, and its knob series exported, all test long.
    scenario.policy.classes.at(1).knobs.at(Knob::CpuWeight).step = 1;
    test::remove_stale_netns();
    HeartbeatScenario heartbeats(scenario.layout);
    scenario.policy.heartbeats = {heartbeats.flow()};
    test::IoTarget target;
    // At the default weight, like the network tools: the scenario's CPU hog,
    // not the tools, is the antagonist the enforcer acts on.
    TestCgroup io_hog(scenario.layout, "io-hog", {"cpu", "cpuacct", "blkio"});

    auto sensors = open_sensors(probe_kernel_features(), scenario.layout, scenario.policy, {});
    ASSERT_TRUE(sensors) << sensors.error().message;
    ASSERT_TRUE(sensors->io) << "the IO sensor did not start (see the log)";
    ASSERT_TRUE(sensors->net) << "the network sensor did not start (see the log)";
    std::vector<Decision> applied;
    auto daemon = scenario.daemon(applied, std::move(sensors).value());
    ExporterOptions options;
    options.listen = "127.0.0.1:0";
    options.enable_bpf_stats = true;
    auto exporter = Exporter::start(options);
    ASSERT_TRUE(exporter) << exporter.error().message;
    daemon->set_metrics_sink((*exporter)->sink());
    test::PrometheusServer prometheus((*exporter)->port(), "3s");

    // The sensors are attached: every request and packet from here on counts.
    ASSERT_TRUE(daemon->tick());
    std::string fio_output = heartbeats.dir / "fio.json";
    // Until stopped, after the queries.
    pid_t fio = io_hog.spawn(test::fio_command(
        target, fio_output,
        {"--rw=randread", "--bs=64k", "--ioengine=psync", "--runtime=300", "--time_based"}));
    heartbeats.start();

    auto queries = test::dashboard_queries();
    const std::vector<std::string> cgroups = {scenario.victim.path(), scenario.hog.path(),
                                              io_hog.path(), heartbeats.hb.path(),
                                              heartbeats.bulk.path()};
    const std::set<std::string> expected_alerts = {
        "CgwardenSloBreachSustained", "CgwardenHeartbeatDrops", "CgwardenHeartbeatGap"};
    std::vector<test::Query> empty;
    std::set<std::string> fired;
    // Enough passes for rates and the shortened `for`, then until every query
    // has data and every expected alert fires, within a bound.
    auto deadline = std::chrono::steady_clock::now() + 60s;
    int pass = 1;
    for (; std::chrono::steady_clock::now() < deadline; ++pass) {
        ASSERT_TRUE(daemon->tick());
        std::this_thread::sleep_for(1s);
        if (pass < 10)
            continue;
        empty.clear();
        for (const test::Query &q : queries) {
            if (!returns_data(prometheus, q, cgroups))
                empty.push_back(q);
        }
        fired.clear();
        for (const auto &alert : firing_alerts(prometheus))
            fired.insert(alert["labels"]["alertname"].get<std::string>());
        if (empty.empty() && fired == expected_alerts)
            break;
    }

    std::printf("%zu queries, %zu alert rules: checked at pass %d\n", queries.size(),
                test::alert_queries().size(), pass);
    // Who the victim waited for, should the enforcer not have acted.
    nlohmann::json antagonists = prometheus.query(
        "sum by (by_cgroup) (cgwarden_cpu_preemption_delay_seconds_total{cgroup=\"" +
        scenario.victim.path() + "\"})");
    std::printf("victim's antagonists: %s\n", antagonists["data"]["result"].dump().c_str());
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
    EXPECT_EQ(fired, expected_alerts);
    for (const auto &alert : firing_alerts(prometheus)) {
        const auto &labels = alert["labels"];
        if (labels["alertname"] == "CgwardenSloBreachSustained")
            EXPECT_EQ(labels["cgroup"], scenario.victim.path()) << alert.dump();
        else
            EXPECT_EQ(labels["flow"], "hb") << alert.dump();
    }

    // The tools are done: passes a second apart over two more scrapes (each
    // waits for the next pass to build its snapshot), and Prometheus holds
    // the final counters. A heartbeat still in the sender's queue when
    // they exit is dropped a moment later (1500 bytes at 1 Mbit/s: 12 ms;
    // CI once counted one drop short without this wait).
    test::stop_and_wait(fio, SIGINT, 30s);
    heartbeats.wait();
    std::this_thread::sleep_for(500ms);
    for (int i = 0; i < 7; ++i) {
        ASSERT_TRUE(daemon->tick());
        std::this_thread::sleep_for(1s);
    }

    test::FioResult io = test::read_fio_json(fio_output);
    const std::string of_io_hog =
        "{cgroup=\"" + io_hog.path() + "\", device=\"" + target.device() + "\"}";
    double ops = last_value(prometheus, "cgwarden_io_ops_total" + of_io_hog);
    double fio_ops = static_cast<double>(io.total_ios());
    ASSERT_GT(fio_ops, 100) << "fio did next to no IO";
    EXPECT_NEAR(ops, fio_ops, 0.02 * fio_ops) << "fio's requests, cgwarden's in Prometheus";
    EXPECT_NEAR(last_value(prometheus, "cgwarden_io_bytes_total" + of_io_hog), ops * 65536,
                0.01 * ops * 65536);
    // Device latency is inside fio's whole-IO latency: its median lies below
    // fio's, within histogram_quantile's interpolation in a 1-2.5-5 bucket.
    double p50_s = value_of(prometheus,
                            "histogram_quantile(0.5, sum by (le) (last_over_time("
                            "cgwarden_io_latency_seconds_bucket" +
                                of_io_hog + "[1m])))");
    std::printf("agreement: io ops %.0f, fio %.0f; io p50 %.1f us, fio lat p50 %.1f us\n", ops,
                fio_ops, p50_s * 1e6, io.read.lat_p50_s * 1e6);
    EXPECT_GT(p50_s, 0);
    EXPECT_LT(p50_s, 2.5 * io.read.lat_p50_s) << "fio lat p50 " << io.read.lat_p50_s << " s";

    int64_t sent = test::read_report(heartbeats.dir / "sent").at("sent");
    int64_t received = test::read_report(heartbeats.dir / "received").at("received");
    std::printf("heartbeats: sent %lld, received %lld\n", static_cast<long long>(sent),
                static_cast<long long>(received));
    EXPECT_EQ(sent, HeartbeatScenario::kCount);
    EXPECT_GT(sent - received, 0) << "neither the firewall nor the queue dropped a heartbeat";
    const std::string hb = "{flow=\"hb\"";
    EXPECT_EQ(
        last_value(prometheus, "cgwarden_heartbeat_packets_total" + hb + ", direction=\"sent\"}"),
        static_cast<double>(sent));
    EXPECT_EQ(last_value(prometheus,
                         "cgwarden_heartbeat_packets_total" + hb + ", direction=\"received\"}"),
              static_cast<double>(received));
    EXPECT_EQ(last_value(prometheus, "cgwarden_heartbeat_drops_total" + hb + "}"),
              static_cast<double>(sent - received));
    EXPECT_GT(last_value(prometheus,
                         "cgwarden_heartbeat_drops_total" + hb + ", reason=\"NETFILTER_DROP\"}"),
              0);
    EXPECT_GT(
        value_of(prometheus, "max_over_time(cgwarden_heartbeat_max_gap_seconds" + hb + "}[5m])"),
        HeartbeatScenario::kPauseMs / 1000.0 * 0.9)
        << "the sender's pause is the longest gap";
    EXPECT_GT(last_value(prometheus, "cgwarden_net_drops_total{cgroup=\"" + heartbeats.bulk.path() +
                                         "\", reason=\"QDISC_DROP\"}"),
              0)
        << "the bulk sender overflows its queue";
}

}  // namespace
}  // namespace cgw
