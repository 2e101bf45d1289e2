#include "cgwarden/decisions/text.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "cgwarden/snapshot/format.h"

namespace cgw {

namespace {

// What an SLO's values measure: a time, a count per interval, or a share of it.
enum class SloUnit { Seconds, Count, Share };

SloUnit unit_of(const std::string &slo) {
    if (slo == "heartbeat_drops")
        return SloUnit::Count;
    if (slo == "memory_stall")
        return SloUnit::Share;
    return SloUnit::Seconds;
}

// Readable: "4.10ms", "3", "9.2%".

std::string knob_text(const Decision &d) {
    return d.device.empty() ? to_string(d.knob) : fmt::format("{}@{}", to_string(d.knob), d.device);
}

// What a give-back answers, by its rule (controller.h).
const char *give_back_reason(const std::string &rule) {
    if (rule == "probe")
        return "its victims held for the hold-down: halfway back toward where they breached";
    if (rule == "recovered")
        return "its victims healthy for the hold-down";
    if (rule == "headroom")
        return "the node has idle CPU";
    if (rule == "antagonist-idle")
        return "it stopped doing what it was lowered for";
    if (rule == "victim-idle")
        return "no victim it was lowered for is active";
    return "";
}

std::string why_text(const DecisionRecord &r) {
    const Decision &d = r.decision;
    std::string why = give_back_reason(d.rule);
    if (d.evidence) {
        const Evidence &e = *d.evidence;
        std::string breach = fmt::format("{} {} > {}", e.slo, slo_value_text(e.slo, e.observed),
                                         slo_value_text(e.slo, e.target));
        if (!e.device.empty())
            breach += " on " + e.device;
        if (!e.flow.empty())
            breach += " flow " + e.flow;
        why = d.rule == "no-effect"
                  ? fmt::format("its steps did not make {} healthy ({}): undone", e.victim, breach)
                  : fmt::format("{} {}, {:.0f}% of it", e.victim, breach, e.antagonist_share * 100);
    }
    if (!r.error.empty())
        why += (why.empty() ? "" : "; ") + std::string("NOT APPLIED: ") + r.error;
    return why;
}

}  // namespace

std::string slo_value_text(const std::string &slo, double v) {
    switch (unit_of(slo)) {
        case SloUnit::Count:
            return fmt::format("{:g}", v);
        case SloUnit::Share:
            return fmt::format("{:.1f}%", v * 100);
        case SloUnit::Seconds:
            break;
    }
    return human_duration(v);
}

std::string slo_text(const std::string &slo, double observed, double target,
                     const std::string &device, const std::string &flow) {
    std::string text;
    switch (unit_of(slo)) {
        case SloUnit::Count:
            text = fmt::format("{}={:g} slo={:g}", slo, observed, target);
            break;
        case SloUnit::Share:
            text = fmt::format("{}={:.2f}% slo={:g}%", slo, observed * 100, target * 100);
            break;
        case SloUnit::Seconds:
            text = fmt::format("{}={:.6f}s slo={:.6f}s", slo, observed, target);
            break;
    }
    if (!device.empty())
        text += " device=" + device;
    if (!flow.empty())
        text += " flow=" + flow;
    return text;
}

std::string utc_time_text(uint64_t unix_time_ns, const char *seconds_format) {
    std::chrono::sys_seconds t{std::chrono::seconds(unix_time_ns / 1000000000)};
    return fmt::format(fmt::runtime("{:" + std::string(seconds_format) + "}.{:03}"), t,
                       unix_time_ns / 1000000 % 1000);
}

std::string value_text(double v) {
    return std::isinf(v) ? "max" : fmt::format("{}", v);
}

std::string knob_value_text(Knob knob, double v) {
    if (std::isinf(v))
        return "max";
    auto bytes = [v] { return human_bytes(static_cast<uint64_t>(std::llround(std::max(v, 0.0)))); };
    switch (knob) {
        case Knob::CpuMax:
            return fmt::format("{:g} CPUs", v);
        case Knob::IoMax:
        case Knob::NetEgressRate:
            return bytes() + "/s";
        case Knob::MemoryHigh:
            return bytes();
        case Knob::CpuIdle:
        case Knob::CpuWeight:
        case Knob::IoWeight:
            break;
    }
    return fmt::format("{:g}", v);
}

std::string decision_table(const DecisionDocument &document) {
    std::string out =
        fmt::format("cgwarden decisions: mode {}, {} shown of {} since start{}\n\n",
                    to_string(document.mode), document.decisions.size(), document.total,
                    document.mode == Mode::DryRun ? " (dry-run: none applied)" : "");
    if (document.decisions.empty())
        return out + "no decisions: no protected cgroup has breached its SLOs\n";
    struct Row {
        std::string time, cgroup, knob, change, rule, why;
    };
    std::vector<Row> rows;
    size_t cgroup_w = 6, knob_w = 4, change_w = 6;
    for (const DecisionRecord &r : document.decisions) {
        const Decision &d = r.decision;
        Row row{
            utc_time_text(r.unix_time_ns, "%m-%d %H:%M:%S"),
            d.cgroup,
            knob_text(d),
            knob_value_text(d.knob, d.old_value) + " -> " + knob_value_text(d.knob, d.new_value),
            d.rule,
            why_text(r)};
        cgroup_w = std::max(cgroup_w, row.cgroup.size());
        knob_w = std::max(knob_w, row.knob.size());
        change_w = std::max(change_w, row.change.size());
        rows.push_back(std::move(row));
    }
    auto line = [&](const Row &row) {
        return fmt::format("{:<18}  {:<{}}  {:<{}}  {:<{}}  {:<10}  {}\n", row.time, row.cgroup,
                           cgroup_w, row.knob, knob_w, row.change, change_w, row.rule, row.why);
    };
    out += line({"TIME (UTC)", "CGROUP", "KNOB", "CHANGE", "RULE", "WHY"});
    for (const Row &row : rows)
        out += line(row);
    return out;
}

}  // namespace cgw
