// The exporter on the real kernel: the daemon runs the contention scenario
// and publishes into a real HTTP server, which is scraped like Prometheus
// would, and checked with Prometheus' own promtool.
#include "cgwarden/exporter/exporter.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "contention_scenario.h"
#include "http_client.h"
#include "promtool.h"

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
        auto exporter = Exporter::start(options);
        ASSERT_TRUE(exporter) << exporter.error().message;
        exporter_ = std::move(exporter).value();
        daemon_->set_metrics_sink(exporter_->sink());
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
    EXPECT_EQ(test::http_get(port, "/metrics").status, 503);
    EXPECT_EQ(test::http_get(port, "/").status, 404);

    run_passes(4);
    EXPECT_EQ(test::http_get(port, "/healthz").status, 200);
    EXPECT_EQ(test::http_get(port, "/readyz").status, 200);
    test::HttpResponse scrape = test::http_get(port, "/metrics");
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
    test::HttpResponse scrape = test::http_get(exporter_->port(), "/metrics");
    ASSERT_EQ(scrape.status, 200) << scrape.body;
    test::CommandResult check = test::promtool_check_metrics(scrape.body);
    EXPECT_EQ(check.status, 0) << check.output;
    EXPECT_EQ(check.output, "") << "promtool's lint findings";
    EXPECT_NE(scrape.body.find("cgwarden_cpu_runqueue_delay_seconds_bucket"), std::string::npos);
}

}  // namespace
}  // namespace cgw
