// The exporter on the real kernel: the daemon runs the contention scenario
// and publishes into a real HTTP server, which is scraped like Prometheus
// would, and checked with Prometheus' own promtool.
#include "cgwarden/exporter/exporter.h"

#include "cgwarden/decisions/text.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "contention_scenario.h"
#include "http_client.h"
#include "promtool.h"
#include "snapshot_cli.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;

class ExporterTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(::geteuid(), 0u) << "integration tests load BPF and create cgroups: run as root";
        scenario_ = std::make_unique<test::ContentionScenario>();
        daemon_ = scenario_->daemon(applied_);
        ExporterOptions options;
        options.listen = "127.0.0.1:0";
        options.enable_bpf_stats = true;
        options.version = "test";
        // Under qemu's TCG the CPU hog starves this process for seconds: the
        // start-up grace must outlast the first request, not the 5 s default.
        options.stale_after = std::chrono::seconds(30);
        // A scrape waits for the next pass (the tests make one a second).
        options.scrape_wait = std::chrono::seconds(3);
        options.decisions = daemon_->history();
        auto exporter = Exporter::start(options);
        ASSERT_TRUE(exporter) << exporter.error().message;
        exporter_ = std::move(exporter).value();
        daemon_->set_metrics_sink(exporter_->sink());
    }

    // A scrape as Prometheus makes one of a running loop: answered by the
    // next pass, made while it waits.
    test::HttpResponse scrape_next_pass() {
        auto reply = std::async(std::launch::async, [port = exporter_->port()] {
            return test::http_get(port, "/metrics");
        });
        while (reply.wait_for(1s) != std::future_status::ready)
            EXPECT_TRUE(daemon_->tick());
        return reply.get();
    }

    void run_passes(int n) {
        for (int i = 0; i < n; ++i) {
            ASSERT_TRUE(daemon_->tick());
            std::this_thread::sleep_for(1s);
        }
    }

    std::unique_ptr<test::ContentionScenario> scenario_;
    std::vector<Decision> applied_;
    std::unique_ptr<Daemon> daemon_;
    std::unique_ptr<Exporter> exporter_;
};

TEST_F(ExporterTest, HealthReadinessAndMetricsDuringContention) {
    int port = exporter_->port();
    ASSERT_GT(port, 0);
    EXPECT_EQ(test::http_get(port, "/healthz").status, 200) << "alive while starting";
    EXPECT_EQ(test::http_get(port, "/readyz").status, 503) << "no sample yet";
    EXPECT_EQ(test::http_get(port, "/metrics").status, 503) << "no pass within the scrape's wait";
    EXPECT_EQ(test::http_get(port, "/").status, 404);

    run_passes(4);
    EXPECT_EQ(test::http_get(port, "/healthz").status, 200);
    EXPECT_EQ(test::http_get(port, "/readyz").status, 200);
    test::HttpResponse scrape = scrape_next_pass();
    ASSERT_EQ(scrape.status, 200) << scrape.body;
    const std::string victim = "cgroup=\"" + scenario_->victim.path() + "\",class=\"critical\"";
    const std::string hog = "cgroup=\"" + scenario_->hog.path() + "\",class=\"best-effort\"";
    for (const std::string &series : {
             "cgwarden_cpu_runqueue_delay_seconds_bucket{" + victim + ",le=\"+Inf\"}",
             "cgwarden_slo_breach{" + victim + ",slo=\"cpu_delay_p99\"} 1",
             "cgwarden_cpu_preemption_delay_seconds_total{" + victim + ",by_cgroup=\"" +
                 scenario_->hog.path() + "\"}",
             "cgwarden_actions_total{" + hog + ",knob=\"cpu_weight\",direction=\"down\"",
             "cgwarden_knob_original_value{" + hog + ",knob=\"cpu_weight\"} 100",
             std::string("cgwarden_build_info{version=\"test\""),
         })
        EXPECT_NE(scrape.body.find(series), std::string::npos) << series;
    // BPF_ENABLE_STATS is held by the exporter: the programs' run time counts.
    EXPECT_EQ(scrape.body.find(
                  "cgwarden_bpf_program_run_seconds_total{program=\"btf_sched_switch\"} 0\n"),
              std::string::npos);
}

TEST_F(ExporterTest, PromtoolChecksAScrapeTakenDuringContention) {
    run_passes(3);
    test::HttpResponse scrape = scrape_next_pass();
    ASSERT_EQ(scrape.status, 200) << scrape.body;
    test::CommandResult check = test::promtool_check_metrics(scrape.body);
    EXPECT_EQ(check.status, 0) << check.output;
    EXPECT_EQ(check.output, "") << "promtool's lint findings";
    EXPECT_NE(scrape.body.find("cgwarden_cpu_runqueue_delay_seconds_bucket"), std::string::npos);
}

// The decision history the daemon keeps is what /decisions serves, and what
// `cgwarden decisions` shows an on-call engineer.
TEST_F(ExporterTest, DecisionsEndpointAndCliShowWhatTheDaemonDid) {
    int port = exporter_->port();
    test::HttpResponse empty = test::http_get(port, "/decisions");
    ASSERT_EQ(empty.status, 200) << empty.body;
    auto none = parse_decision_document(empty.body);
    ASSERT_TRUE(none) << none.error().message << "\n" << empty.body;
    EXPECT_EQ(none->mode, Mode::Enforce);
    EXPECT_EQ(none->total, 0u);

    run_passes(4);
    ASSERT_FALSE(applied_.empty()) << "the hog preempts the victim far beyond its SLO";
    test::HttpResponse served = test::http_get(port, "/decisions");
    ASSERT_EQ(served.status, 200) << served.body;
    auto document = parse_decision_document(served.body);
    ASSERT_TRUE(document) << document.error().message << "\n" << served.body;
    EXPECT_EQ(document->total, applied_.size());
    ASSERT_EQ(document->decisions.size(), applied_.size());
    for (size_t i = 0; i < applied_.size(); ++i) {
        const DecisionRecord &r = document->decisions[i];
        EXPECT_TRUE(r.applied) << r.error;
        EXPECT_EQ(r.decision.cgroup, applied_[i].cgroup);
        EXPECT_EQ(r.decision.knob, applied_[i].knob);
        EXPECT_EQ(r.decision.old_value, applied_[i].old_value);
        EXPECT_EQ(r.decision.new_value, applied_[i].new_value);
        ASSERT_TRUE(r.decision.evidence);
        EXPECT_EQ(r.decision.evidence->victim, scenario_->victim.path());
    }

    const std::string address = " --address 127.0.0.1:" + std::to_string(port);
    test::CommandResult table = test::run_cgwarden("decisions" + address);
    ASSERT_EQ(table.status, 0) << table.output;
    const Decision &first = applied_.front();
    EXPECT_NE(table.output.find(knob_value_text(first.knob, first.old_value) + " -> " +
                                knob_value_text(first.knob, first.new_value)),
              std::string::npos)
        << table.output;
    EXPECT_NE(table.output.find(scenario_->hog.path()), std::string::npos) << table.output;
    EXPECT_NE(table.output.find(scenario_->victim.path() + " cpu_delay_p99"), std::string::npos)
        << table.output;

    test::CommandResult mine =
        test::run_cgwarden("decisions --json --cgroup " + scenario_->victim.path() + address);
    ASSERT_EQ(mine.status, 0) << mine.output;
    auto filtered = parse_decision_document(mine.output);
    ASSERT_TRUE(filtered) << filtered.error().message;
    EXPECT_EQ(filtered->decisions.size(), applied_.size()) << "all were made for the victim";
    test::CommandResult others =
        test::run_cgwarden("decisions --json --cgroup /no/such/cgroup" + address);
    ASSERT_EQ(others.status, 0) << others.output;
    EXPECT_TRUE(parse_decision_document(others.output)->decisions.empty());

    test::CommandResult nobody = test::run_cgwarden(
        "decisions --address 127.0.0.1:" + std::to_string(test::free_port()) + " 2>&1");
    EXPECT_NE(nobody.status, 0);
    EXPECT_NE(nobody.output.find("is `cgwarden run` running?"), std::string::npos) << nobody.output;
}

}  // namespace
}  // namespace cgw
