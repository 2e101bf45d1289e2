// The decision history: kept bounded, served as JSON that reads back the
// same, filtered and shown as a table for on-call engineers.
#include <gtest/gtest.h>

#include "cgwarden/common/http_client.h"
#include "cgwarden/decisions/json.h"
#include "cgwarden/decisions/text.h"

namespace cgw {
namespace {

constexpr uint64_t kNoon =
    1795608000ULL * 1000000000ULL + 123456789;  // 2026-11-25 12:00:00.123 UTC

DecisionRecord step_down(std::string cgroup, Knob knob, double from, double to, std::string victim,
                         std::string device = {}) {
    Decision d{std::move(cgroup),
               knob,
               from,
               to,
               Direction::Down,
               "slo-breach",
               Evidence{std::move(victim), "cpu_delay_p99", device, "", 0.0041, 0.0002, 0.9, 0.93},
               std::move(device)};
    return {kNoon, d, true, {}};
}

DecisionRecord step_up(std::string cgroup, Knob knob, double from, double to, std::string rule) {
    return {
        kNoon + 5000000000ULL,
        Decision{
            std::move(cgroup), knob, from, to, Direction::Up, std::move(rule), std::nullopt, {}},
        true,
        {}};
}

DecisionDocument sample_document() {
    DecisionRecord failed =
        step_down("/batch/other", Knob::IoMax, kUnlimited, 4 << 20, "/critical/db", "8:0");
    failed.decision.evidence->slo = "io_latency_p99";
    failed.applied = false;
    failed.error = "writing io.max: Invalid argument";
    return {Mode::Enforce,
            7,
            {step_down("/batch/hog", Knob::CpuWeight, 100, 70, "/critical/web"),
             step_down("/batch/hog", Knob::CpuMax, kUnlimited, 1.5, "/critical/web"), failed,
             step_up("/batch/hog", Knob::CpuMax, 1.5, kUnlimited, "recovered")}};
}

TEST(DecisionHistory, KeepsTheMostRecentAndCountsAll) {
    DecisionHistory history(Mode::DryRun, 2);
    for (double v : {90.0, 80.0, 70.0})
        history.add(step_down("/hog", Knob::CpuWeight, v + 10, v, "/victim"));
    auto kept = history.records();
    ASSERT_EQ(kept.size(), 2u);
    EXPECT_EQ(kept[0].decision.new_value, 80);
    EXPECT_EQ(kept[1].decision.new_value, 70);
    EXPECT_EQ(history.total(), 3u);
    EXPECT_EQ(history.mode(), Mode::DryRun);
}

TEST(DecisionJson, ReadsBackWhatItWrites) {
    DecisionDocument original = sample_document();
    std::string text = to_json(original);
    EXPECT_NE(text.find("\"time\": \"2026-11-25T12:00:00.123Z\""), std::string::npos) << text;
    EXPECT_NE(text.find("\"old\": \"max\""), std::string::npos) << "unlimited is not a number";
    auto back = parse_decision_document(text);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->mode, Mode::Enforce);
    EXPECT_EQ(back->total, 7u);
    ASSERT_EQ(back->decisions.size(), original.decisions.size());
    for (size_t i = 0; i < original.decisions.size(); ++i) {
        const DecisionRecord &a = original.decisions[i], &b = back->decisions[i];
        EXPECT_EQ(b.unix_time_ns, a.unix_time_ns);
        EXPECT_EQ(b.applied, a.applied);
        EXPECT_EQ(b.error, a.error);
        EXPECT_EQ(b.decision.target(), a.decision.target());
        EXPECT_EQ(b.decision.old_value, a.decision.old_value);
        EXPECT_EQ(b.decision.new_value, a.decision.new_value);
        EXPECT_EQ(b.decision.direction, a.decision.direction);
        EXPECT_EQ(b.decision.rule, a.decision.rule);
        ASSERT_EQ(b.decision.evidence.has_value(), a.decision.evidence.has_value());
        if (a.decision.evidence) {
            EXPECT_EQ(b.decision.evidence->victim, a.decision.evidence->victim);
            EXPECT_EQ(b.decision.evidence->slo, a.decision.evidence->slo);
            EXPECT_EQ(b.decision.evidence->device, a.decision.evidence->device);
            EXPECT_DOUBLE_EQ(b.decision.evidence->observed, a.decision.evidence->observed);
            EXPECT_DOUBLE_EQ(b.decision.evidence->antagonist_share,
                             a.decision.evidence->antagonist_share);
        }
    }
}

// Once a throw in an HTTP thread (std::terminate, nothing restored).
TEST(DecisionJson, ANameThatIsNotUtf8IsWrittenWithReplacementCharacters) {
    DecisionDocument document = sample_document();
    document.decisions[0].decision.cgroup = "/batch/\xff\xfe";
    std::string text;
    ASSERT_NO_THROW(text = to_json(document));
    auto back = parse_decision_document(text);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->decisions[0].decision.cgroup, "/batch/\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(DecisionJson, RefusesWhatItCannotRead) {
    EXPECT_FALSE(parse_decision_document("<html>"));
    EXPECT_FALSE(parse_decision_document("[]"));
    EXPECT_EQ(
        parse_decision_document(R"({"mode": "fast", "total": 0, "decisions": []})").error().message,
        "unknown mode \"fast\"");
    std::string text = to_json(sample_document());
    text.replace(text.rfind("\"cpu_max\""), 9, "\"cpu_turbo\"");
    auto bad = parse_decision_document(text);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "decision 3: unknown knob \"cpu_turbo\"");
}

TEST(SelectDecisions, ByMovedCgroupOrVictimWithDescendantsThenTheLast) {
    auto paths = [](const DecisionDocument &d) {
        std::vector<std::string> out;
        for (const DecisionRecord &r : d.decisions)
            out.push_back(r.decision.cgroup + ":" + to_string(r.decision.knob));
        return out;
    };
    EXPECT_EQ(paths(select_decisions(sample_document(), {}, 2)),
              (std::vector<std::string>{"/batch/other:io_max", "/batch/hog:cpu_max"}));
    EXPECT_EQ(paths(select_decisions(sample_document(), {"/critical/db"}, 30)),
              (std::vector<std::string>{"/batch/other:io_max"}))
        << "made for the victim";
    EXPECT_EQ(select_decisions(sample_document(), {"/batch"}, 30).decisions.size(), 4u)
        << "a path covers its descendants";
    EXPECT_TRUE(select_decisions(sample_document(), {"/bat"}, 30).decisions.empty())
        << "not a prefix of a name";
    EXPECT_EQ(
        select_decisions(sample_document(), {"/critical/web", "/batch/other"}, 30).decisions.size(),
        3u);
    EXPECT_EQ(select_decisions(sample_document(), {}, 2).total, 7u);
}

TEST(DecisionTable, SaysWhatMovedHowFarAndWhy) {
    std::string table = decision_table(sample_document());
    EXPECT_NE(table.find("mode enforce, 4 shown of 7 since start"), std::string::npos) << table;
    EXPECT_NE(table.find("11-25 12:00:00.123"), std::string::npos) << table;
    EXPECT_NE(table.find("100 -> 70"), std::string::npos) << table;
    EXPECT_NE(table.find("max -> 1.5 CPUs"), std::string::npos) << table;
    EXPECT_NE(table.find("io_max@8:0"), std::string::npos) << table;
    EXPECT_NE(table.find("max -> 4.0MiB/s"), std::string::npos) << table;
    EXPECT_NE(table.find("/critical/web cpu_delay_p99 4.10ms > 200.0us, 93% of it"),
              std::string::npos)
        << table;
    EXPECT_NE(table.find("on 8:0, 93% of it; NOT APPLIED: writing io.max: Invalid argument"),
              std::string::npos)
        << table;
    EXPECT_NE(table.find("recovered   its victims healthy for the hold-down"), std::string::npos)
        << table;

    DecisionRecord undone = step_down("/batch/hog", Knob::CpuMax, 0.5, kUnlimited, "/critical/web");
    undone.decision.direction = Direction::Up;
    undone.decision.rule = "no-effect";
    DecisionDocument give_backs{Mode::Enforce,
                                3,
                                {undone, step_up("/batch/hog", Knob::CpuWeight, 10, 55, "probe"),
                                 step_up("/batch/hog", Knob::CpuIdle, 1, 0, "antagonist-idle")}};
    std::string reasons = decision_table(give_backs);
    EXPECT_NE(reasons.find("its steps did not make /critical/web healthy (cpu_delay_p99 4.10ms > "
                           "200.0us): undone"),
              std::string::npos)
        << reasons;
    EXPECT_NE(reasons.find("halfway back toward where they breached"), std::string::npos)
        << reasons;
    EXPECT_NE(reasons.find("it stopped doing what it was lowered for"), std::string::npos)
        << reasons;

    DecisionDocument dry{Mode::DryRun, 0, {}};
    EXPECT_NE(decision_table(dry).find("dry-run: none applied"), std::string::npos);
    EXPECT_NE(decision_table(dry).find("no decisions"), std::string::npos);
}

TEST(DecisionText, EachSloInItsUnit) {
    EXPECT_EQ(slo_text("cpu_delay_p99", 0.0041, 0.0002, "", ""),
              "cpu_delay_p99=0.004100s slo=0.000200s");
    EXPECT_EQ(slo_text("heartbeat_drops", 3, 0, "", "hb"), "heartbeat_drops=3 slo=0 flow=hb");
    EXPECT_EQ(slo_text("memory_stall", 0.0923, 0.01, "", ""), "memory_stall=9.23% slo=1%");
    DecisionRecord r = step_down("/batch/job", Knob::MemoryHigh, kUnlimited, 96 << 20, "/web");
    r.decision.evidence->slo = "memory_stall";
    r.decision.evidence->observed = 0.0923;
    r.decision.evidence->target = 0.01;
    std::string table = decision_table({Mode::Enforce, 1, {r}});
    EXPECT_NE(table.find("max -> 96.0MiB"), std::string::npos) << table;
    EXPECT_NE(table.find("/web memory_stall 9.2% > 1.0%"), std::string::npos) << table;
}

TEST(ConnectAddress, ListenAddressesReachTheDaemon) {
    auto a = connect_address("127.0.0.1:9477");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "127.0.0.1");
    EXPECT_EQ(a->port, 9477);
    EXPECT_EQ(connect_address("[::1]:9000")->host, "::1");
    EXPECT_EQ(connect_address("0.0.0.0:9477")->host, "127.0.0.1") << "a wildcard: loopback";
    EXPECT_EQ(connect_address("[::]:9477")->host, "::1");
    EXPECT_EQ(connect_address("node-a:80")->host, "node-a");
    for (const char *bad : {"9477", ":9477", "host:", "host:0", "host:70000", "host:12ab"})
        EXPECT_FALSE(connect_address(bad)) << bad;
}

}  // namespace
}  // namespace cgw
