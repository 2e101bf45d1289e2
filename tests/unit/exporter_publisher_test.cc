#include "cgwarden/exporter/publisher.h"

#include <gtest/gtest.h>

#include "fake_pass.h"
#include "metric_families.h"

namespace cgw {
namespace {

using test::cgroups_of;
using test::FakePass;
using test::family;
using test::label;
using test::publisher;
using test::text_of;

TEST(ExporterPublisher, CardinalityIsTopContendedPlusProtectedPlusActedOn) {
    FakePass pass(200);
    pass.policy.series.contended = 5;
    auto families = publisher().build(pass.report());
    std::set<std::string> cgroups =
        cgroups_of(family(families, "cgwarden_cpu_throttled_seconds_total"));
    // 5 most contended (the root has none): /backup, whose IO waited longer
    // than any cgroup's CPU work, and /idle/199 .. /idle/196; plus the
    // protected victim and the hog cgwarden stepped down, though it is not in
    // the top 5. /backup is only in the blkio hierarchy: no CPU series.
    EXPECT_EQ(cgroups, (std::set<std::string>{"/idle/199", "/idle/198", "/idle/197", "/idle/196",
                                              "/system.slice/agent.service", "/batch/hog"}));
    EXPECT_EQ(cgroups_of(family(families, "cgwarden_io_ops_total")),
              (std::set<std::string>{"/backup", "/system.slice/agent.service", "/batch/hog"}));
}

// The /idle cgroups in a protected class of their own, "standard" (priority
// 50, an SLO), under the critical agent.
void protect_idle_cgroups(FakePass &pass) {
    ClassPolicy standard;
    standard.name = "standard";
    standard.priority = 50;
    standard.slo.cpu_delay_p99 = std::chrono::milliseconds(50);
    pass.policy.classes.push_back(standard);
    pass.classify = [](const std::string &path) -> std::optional<size_t> {
        if (path == "/system.slice/agent.service")
            return 0;
        if (path.starts_with("/batch"))
            return 1;
        return path.starts_with("/idle/") ? std::optional<size_t>(2) : std::nullopt;
    };
}

TEST(ExporterPublisher, ProtectedCgroupsOverTheirLimitAreLeftOutAndCounted) {
    FakePass pass(200);
    protect_idle_cgroups(pass);
    // /idle/5 and /idle/6 waited longer than the agent, as long as each other.
    pass.signals.by_cgroup[FakePass::idle_id(5)].runq_delay_total_s = 1.0;
    pass.signals.by_cgroup[FakePass::idle_id(6)].runq_delay_total_s = 1.0;
    pass.policy.series = {.protected_cgroups = 2, .contended = 0};
    auto families = publisher().build(pass.report());
    // The critical agent first; then the most contended of the standard
    // class, the path breaking the tie; the hog cgwarden acted on whatever
    // the limits say.
    EXPECT_EQ(cgroups_of(family(families, "cgwarden_cpu_throttled_seconds_total")),
              (std::set<std::string>{"/system.slice/agent.service", "/idle/5", "/batch/hog"}));
    // 199 idle cgroups of the standard class, and /backup (contended, unprotected).
    const auto &left_out = family(families, "cgwarden_exporter_cgroups_left_out");
    ASSERT_EQ(left_out.metric.size(), 1u);
    EXPECT_EQ(left_out.metric[0].gauge.value, 200);
}

// The scope's candidates (every path's class and cpu id) are worked out
// again only when a tree changes; what the cgroups did is the pass's own.
TEST(ExporterPublisher, WhileTheTreesStayTheSameTheScopeFollowsEachPass) {
    FakePass pass(50);
    protect_idle_cgroups(pass);
    pass.policy.series = {.protected_cgroups = 2, .contended = 0};
    for (size_t i = 0; i < 50; ++i)  // all idle: the critical agent, then /idle/0
        pass.signals.by_cgroup.erase(FakePass::idle_id(i));
    MetricsPublisher p = publisher();
    auto series = [&](MetricsPublisher &publisher) {
        return cgroups_of(
            family(publisher.build(pass.report()), "cgwarden_cpu_throttled_seconds_total"));
    };
    EXPECT_EQ(series(p),
              (std::set<std::string>{"/system.slice/agent.service", "/idle/0", "/batch/hog"}));

    CgroupCpuSignals &busy = pass.signals.by_cgroup[FakePass::idle_id(42)];
    busy.runq_delay_total_s = 0.5;
    busy.runq_events = 9;
    EXPECT_EQ(series(p),
              (std::set<std::string>{"/system.slice/agent.service", "/idle/42", "/batch/hog"}))
        << "the contended one before the idle ones of its class";
    MetricsPublisher fresh = publisher();
    EXPECT_EQ(series(fresh), series(p));
}

TEST(ExporterPublisher, RemovedCgroupsLoseTheirSeries) {
    FakePass pass(3);
    MetricsPublisher p = publisher();
    auto before = p.build(pass.report());
    EXPECT_TRUE(cgroups_of(family(before, "cgwarden_actions_total")).count("/batch/hog"));
    pass.remove_cgroup(FakePass::kHog);
    pass.remove_cgroup(FakePass::idle_id(1));
    pass.decisions.clear();
    pass.input.cgroups.clear();
    pass.output.state.knobs.clear();
    pass.sample.cpu.preempt.clear();
    pass.signals.by_cgroup[FakePass::kVictim].preempted_by.clear();
    std::string text = text_of(p.build(pass.report()));
    EXPECT_EQ(text.find("/batch/hog"), std::string::npos) << text;
    EXPECT_EQ(text.find("/idle/1\""), std::string::npos) << text;
    EXPECT_NE(text.find("/idle/2\""), std::string::npos) << text;
}

// A cgroup name is any bytes but '/'; the scrape must stay UTF-8.
TEST(ExporterPublisher, ANameThatIsNotUtf8IsScrapedWithReplacementCharacters) {
    FakePass pass;
    pass.add_cgroup(CpuCgroupId(999), "/batch/caf\xe9-\xff", 0.5);  // Latin-1, then a stray byte
    std::string text = text_of(publisher().build(pass.report()));
    EXPECT_NE(text.find("cgroup=\"/batch/caf\xef\xbf\xbd-\xef\xbf\xbd\""), std::string::npos)
        << text;
    EXPECT_EQ(text.find("\xe9-"), std::string::npos);
}

TEST(ExporterPublisher, RunqueueHistogramInTextFormat) {
    FakePass pass;
    std::string text = text_of(publisher().build(pass.report()));
    EXPECT_NE(text.find("# TYPE cgwarden_cpu_runqueue_delay_seconds histogram"), std::string::npos);
    const std::string victim =
        "cgroup=\"/system.slice/agent.service\",class=\"critical\",unit=\"agent.service\"";
    EXPECT_NE(text.find("cgwarden_cpu_runqueue_delay_seconds_count{" + victim + "} 3"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("cgwarden_cpu_runqueue_delay_seconds_sum{" + victim + "} 0.003"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("cgwarden_cpu_runqueue_delay_seconds_bucket{" + victim + ",le=\"+Inf\"} 3"),
              std::string::npos)
        << text;
    EXPECT_NE(
        text.find("cgwarden_cpu_runqueue_delay_seconds_bucket{" + victim + ",le=\"0.0005\"} 2"),
        std::string::npos)
        << text;
}

TEST(ExporterPublisher, MemoryFamiliesWhereMemoryWasRead) {
    FakePass pass;
    std::string text = text_of(publisher().build(pass.report()));
    const std::string victim =
        "cgroup=\"/system.slice/agent.service\",class=\"critical\",unit=\"agent.service\"";
    EXPECT_NE(text.find("cgwarden_memory_stall_seconds_total{" + victim + "} 0.25"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("cgwarden_memory_bytes{" + victim + "} 67108864"), std::string::npos)
        << text;
    EXPECT_EQ(text.find("cgwarden_memory_bytes{cgroup=\"/batch/hog\""), std::string::npos)
        << "no memory read for it: no series";
}

TEST(ExporterPublisher, EnforcerFamilies) {
    FakePass pass;
    auto families = publisher().build(pass.report());
    const auto &breach = family(families, "cgwarden_slo_breach");
    ASSERT_EQ(breach.metric.size(), 1u) << "only the protected victim has an SLO";
    EXPECT_EQ(label(breach.metric[0], "slo"), "cpu_delay_p99");
    EXPECT_EQ(breach.metric[0].gauge.value, 1);
    EXPECT_DOUBLE_EQ(family(families, "cgwarden_slo_target_seconds").metric[0].gauge.value, 200e-6);

    const auto &value = family(families, "cgwarden_knob_value");
    ASSERT_EQ(value.metric.size(), 1u);
    EXPECT_EQ(label(value.metric[0], "knob"), "cpu_weight");
    EXPECT_EQ(value.metric[0].gauge.value, 70) << "the value this pass wrote";
    EXPECT_EQ(family(families, "cgwarden_knob_original_value").metric[0].gauge.value, 100);

    const auto &actions = family(families, "cgwarden_actions_total");
    ASSERT_EQ(actions.metric.size(), 1u);
    EXPECT_EQ(label(actions.metric[0], "direction"), "down");
    EXPECT_EQ(label(actions.metric[0], "rule"), "slo-breach");
    EXPECT_EQ(label(actions.metric[0], "class"), "best-effort");
    EXPECT_EQ(actions.metric[0].counter.value, 1);

    const auto &preemption = family(families, "cgwarden_cpu_preemption_delay_seconds_total");
    ASSERT_EQ(preemption.metric.size(), 1u);
    EXPECT_EQ(label(preemption.metric[0], "by_cgroup"), "/batch/hog");
    EXPECT_DOUBLE_EQ(preemption.metric[0].counter.value, 0.002);
}

TEST(ExporterPublisher, ActionsAndWriteErrorsAccumulateAcrossPasses) {
    FakePass pass;
    MetricsPublisher p = publisher();
    (void)p.build(pass.report());
    pass.decisions[0].applied = false;
    pass.decisions[0].error = "writing cpu.weight: Permission denied";
    auto families = p.build(pass.report());
    EXPECT_EQ(family(families, "cgwarden_actions_total").metric[0].counter.value, 2);
    EXPECT_EQ(family(families, "cgwarden_cgroup_write_errors_total").metric[0].counter.value, 1);
    EXPECT_EQ(family(families, "cgwarden_knob_value").metric[0].gauge.value, 100)
        << "a failed write leaves the value read";
}

TEST(ExporterPublisher, SelfFamilies) {
    FakePass pass;
    pass.sensor_read_errors["net"] = 2;
    std::string text = text_of(publisher().build(pass.report()));
    for (const char *line : {
             "cgwarden_bpf_program_runs_total{program=\"btf_sched_switch\"} 1000",
             "cgwarden_bpf_program_run_seconds_total{program=\"btf_sched_switch\"} 0.002",
             "cgwarden_lost_events_total{sensor=\"cpu\",reason=\"preempt_map_full\"} 4",
             "cgwarden_loop_duration_seconds 0.003",
             "cgwarden_sensor_read_errors_total{sensor=\"io\"} 0",
             "cgwarden_sensor_read_errors_total{sensor=\"net\"} 2",
         })
        EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
    EXPECT_NE(text.find("cgwarden_build_info{version=\"1.2.3\",kernel=\""), std::string::npos);
    EXPECT_NE(text.find("cgroup_mode=\"hybrid\",attach_mode=\"tp_btf\"} 1"), std::string::npos)
        << text;
}

}  // namespace
}  // namespace cgw
