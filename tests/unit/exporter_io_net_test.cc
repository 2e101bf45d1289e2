// The IO, network and heartbeat families, and the sensors' lost and received
// events, from the fake pass: names, labels, values, histogram shape, removal.
#include <gtest/gtest.h>

#include "cgwarden/exporter/latency_buckets.h"
#include "fake_pass.h"
#include "metric_families.h"
#include "promtool.h"

namespace cgw {
namespace {

using test::cgroups_of;
using test::FakePass;
using test::family;
using test::label;
using test::publisher;
using test::text_of;

const prometheus::ClientMetric &series(const prometheus::MetricFamily &f, const std::string &cgroup,
                                       const std::string &name = {},
                                       const std::string &value = {}) {
    for (const auto &m : f.metric) {
        if (label(m, "cgroup") == cgroup && (name.empty() || label(m, name) == value))
            return m;
    }
    throw std::runtime_error(f.name + " has no series for " + cgroup + " " + name + "=" + value);
}

// Cumulative count at `le`.
uint64_t at(const prometheus::ClientMetric::Histogram &h, double le) {
    for (const auto &b : h.bucket) {
        if (b.upper_bound == le)
            return b.cumulative_count;
    }
    throw std::runtime_error("no bucket le=" + std::to_string(le));
}

TEST(ExporterIo, HistogramsAndCountersByCgroupDeviceAndOp) {
    FakePass pass;
    auto families = publisher().build(pass.report());
    const auto &latency = series(family(families, "cgwarden_io_latency_seconds"), "/batch/hog");
    EXPECT_EQ(label(latency, "class"), "best-effort");
    EXPECT_EQ(label(latency, "device"), "8:0");
    EXPECT_EQ(label(latency, "op"), "write");
    const auto &h = latency.histogram;
    EXPECT_EQ(h.sample_count, 1000u);
    EXPECT_DOUBLE_EQ(h.sample_sum, 600 * 200e-6 + 390 * 2e-3 + 10 * 30e-3) << "the kernel's sum";
    EXPECT_EQ(at(h, 100e-6), 0u);
    EXPECT_EQ(at(h, 250e-6), 600u);
    EXPECT_EQ(at(h, 2.5e-3), 990u);
    EXPECT_EQ(at(h, 25e-3), 990u);
    EXPECT_EQ(at(h, 50e-3), 1000u);

    // 50 us lies in the kernel bucket [49.2 us, 57.3 us): counted at 100 us, never early.
    const auto &queue =
        series(family(families, "cgwarden_io_queue_seconds"), "/batch/hog").histogram;
    EXPECT_EQ(queue.sample_count, 1000u);
    EXPECT_DOUBLE_EQ(queue.sample_sum, 1000 * 50e-6);
    EXPECT_EQ(at(queue, 50e-6), 0u);
    EXPECT_EQ(at(queue, 100e-6), 1000u);

    EXPECT_EQ(series(family(families, "cgwarden_io_ops_total"), "/batch/hog").counter.value, 1000);
    EXPECT_EQ(series(family(families, "cgwarden_io_bytes_total"), "/batch/hog").counter.value,
              1000 * 65536.0);
    const auto &victim = series(family(families, "cgwarden_io_ops_total"),
                                "/system.slice/agent.service", "op", "read");
    EXPECT_EQ(victim.counter.value, 10);
    EXPECT_EQ(label(victim, "unit"), "agent.service") << "blkio id 210 joined by path";
    EXPECT_EQ(label(victim, "class"), "critical");
}

TEST(ExporterIo, EveryHistogramIsCumulativeAndEndsAtItsCount) {
    FakePass pass;
    auto families = publisher().build(pass.report());
    size_t checked = 0;
    for (const char *name : {"cgwarden_io_latency_seconds", "cgwarden_io_queue_seconds"}) {
        for (const auto &m : family(families, name).metric) {
            const auto &buckets = m.histogram.bucket;
            ASSERT_EQ(buckets.size(), kLatencyBoundsSeconds.size());
            for (size_t i = 1; i < buckets.size(); ++i) {
                EXPECT_LT(buckets[i - 1].upper_bound, buckets[i].upper_bound);
                EXPECT_LE(buckets[i - 1].cumulative_count, buckets[i].cumulative_count)
                    << name << " " << label(m, "cgroup") << " le=" << buckets[i].upper_bound;
            }
            EXPECT_LE(buckets.back().cumulative_count, m.histogram.sample_count);
            ++checked;
        }
    }
    EXPECT_EQ(checked, 6u) << "3 cgroups x 2 histograms";
}

TEST(ExporterNet, TrafficDropsAndRetransmitsPerCgroup) {
    FakePass pass;
    auto families = publisher().build(pass.report());
    const std::string victim = "/system.slice/agent.service";
    EXPECT_EQ(series(family(families, "cgwarden_net_tx_bytes_total"), victim).counter.value, 9200);
    EXPECT_EQ(series(family(families, "cgwarden_net_rx_bytes_total"), victim).counter.value, 4600);
    EXPECT_EQ(series(family(families, "cgwarden_net_tx_packets_total"), victim).counter.value, 100);
    EXPECT_EQ(series(family(families, "cgwarden_net_rx_packets_total"), victim).counter.value, 50);
    EXPECT_EQ(series(family(families, "cgwarden_net_tx_bytes_total"), "/batch/hog").counter.value,
              1.5e9);
    const auto &drops = series(family(families, "cgwarden_net_drops_total"), victim);
    EXPECT_EQ(label(drops, "reason"), "QDISC_DROP") << "the kernel's name, from BTF";
    EXPECT_EQ(label(drops, "class"), "critical") << "cgroup2 id 310 joined by path";
    EXPECT_EQ(drops.counter.value, 3);
    EXPECT_EQ(series(family(families, "cgwarden_tcp_retransmits_total"), victim).counter.value, 2);
}

TEST(ExporterNet, HeartbeatFlows) {
    FakePass pass;
    std::string text = text_of(publisher().build(pass.report()));
    for (const char *line : {
             "cgwarden_heartbeat_packets_total{flow=\"agent-hb\",direction=\"sent\"} 100",
             "cgwarden_heartbeat_packets_total{flow=\"agent-hb\",direction=\"received\"} 96",
             "cgwarden_heartbeat_drops_total{flow=\"agent-hb\",reason=\"QDISC_DROP\"} 3",
             "cgwarden_heartbeat_drops_total{flow=\"agent-hb\",reason=\"SOCKET_RCVBUFF\"} 1",
             "cgwarden_heartbeat_retransmits_total{flow=\"agent-hb\"} 1",
             "cgwarden_heartbeat_max_gap_seconds{flow=\"agent-hb\"} 0.25",
             "cgwarden_heartbeat_interval_seconds{flow=\"agent-hb\"} 0.1",
         })
        EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
}

TEST(ExporterIoNet, RemovedCgroupsLoseTheirSeriesThoughTheMapsKeepThem) {
    FakePass pass;
    MetricsPublisher p = publisher();
    auto before = p.build(pass.report());
    EXPECT_TRUE(cgroups_of(family(before, "cgwarden_io_latency_seconds")).count("/batch/hog"));
    EXPECT_TRUE(cgroups_of(family(before, "cgwarden_net_tx_bytes_total")).count("/batch/hog"));
    pass.remove_cgroup(FakePass::kHog);  // its path leaves all three hierarchies
    pass.decisions.clear();
    pass.input.cgroups.clear();
    pass.output.state.knobs.clear();
    ASSERT_TRUE(pass.sample.io->stats.count({FakePass::kIoHog, FakePass::kDisk, CGW_IO_OP_WRITE}));
    ASSERT_TRUE(pass.sample.net->by_cgroup.count(FakePass::kNetHog));
    std::string text = text_of(p.build(pass.report()));
    EXPECT_EQ(text.find("/batch/hog"), std::string::npos) << text;
    EXPECT_NE(text.find("cgwarden_io_ops_total{cgroup=\"/backup\""), std::string::npos) << text;
}

TEST(ExporterIoNet, CgroupsOutOfScopeHaveNoSeries) {
    FakePass pass;
    pass.io_signals.by_cgroup.erase(FakePass::kIoBackup);  // no longer contended
    auto families = publisher().build(pass.report());
    EXPECT_EQ(cgroups_of(family(families, "cgwarden_io_ops_total")).count("/backup"), 0u);
}

TEST(ExporterIoNet, WithoutTheSensorsTheFamiliesAreEmpty) {
    FakePass pass;
    pass.sample.io.reset();
    pass.sample.net.reset();
    auto families = publisher().build(pass.report());
    for (const char *name : {"cgwarden_io_latency_seconds", "cgwarden_io_ops_total",
                             "cgwarden_net_tx_bytes_total", "cgwarden_heartbeat_packets_total",
                             "cgwarden_ringbuf_events_total", "cgwarden_ringbuf_lost_events_total"})
        EXPECT_TRUE(family(families, name).metric.empty()) << name;
    for (const auto &m : family(families, "cgwarden_lost_events_total").metric)
        EXPECT_EQ(label(m, "sensor"), "cpu");
}

TEST(ExporterIoNet, LostAndReceivedEventsOfEverySensor) {
    FakePass pass;
    std::string text = text_of(publisher().build(pass.report()));
    for (const char *line : {
             "cgwarden_lost_events_total{sensor=\"io\",reason=\"untracked_completion\"} 2",
             "cgwarden_lost_events_total{sensor=\"io\",reason=\"outlier_ring_full\"} 5",
             "cgwarden_lost_events_total{sensor=\"io\",reason=\"stats_map_full\"} 0",
             "cgwarden_lost_events_total{sensor=\"net\",reason=\"event_rate_limited\"} 6",
             "cgwarden_lost_events_total{sensor=\"net\",reason=\"event_ring_full\"} 1",
             "cgwarden_ringbuf_lost_events_total{sensor=\"io\"} 5",
             "cgwarden_ringbuf_lost_events_total{sensor=\"net\"} 1",
             "cgwarden_ringbuf_events_total{sensor=\"io\"} 12",
             "cgwarden_ringbuf_events_total{sensor=\"net\"} 4",
         })
        EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
}

TEST(ExporterIoNet, PromtoolAcceptsTheScrape) {
    FakePass pass;
    std::string text = text_of(publisher().build(pass.report()));
    test::CommandResult r = test::promtool_check_metrics(text);
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output, "") << "promtool's lint findings";
}

}  // namespace
}  // namespace cgw
