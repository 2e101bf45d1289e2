#include "cgwarden/actuator/knob_codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "cgwarden/common/strings.h"

namespace cgw {

namespace {

constexpr double kUnlimited = std::numeric_limits<double>::infinity();
// The kernel refuses CFS quotas under 1ms.
constexpr long long kMinQuotaUs = 1000;
constexpr long long kDefaultPeriodUs = 100000;

using Slices = std::vector<std::string>;

Result<long long> to_integer(std::string_view text, std::string_view what) {
    long long v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size())
        return Error{fmt::format("unexpected {} '{}'", what, text)};
    return v;
}

std::string integer_text(double value) {
    return std::to_string(std::llround(value));
}

Result<double> integer_value(std::string_view text, std::string_view what) {
    auto v = to_integer(text, what);
    if (!v)
        return v.error();
    return static_cast<double>(*v);
}

// "max" or an integer, in keyed files ("rbps=max") and memory.high.
Result<double> max_or_integer(std::string_view text, std::string_view what) {
    if (text == "max")
        return kUnlimited;
    return integer_value(text, what);
}

// "50000 100000" -> period 100000 (cpu.max); a missing period is the default.
long long period_of_cpu_max(std::string_view slice) {
    auto fields = split_nonempty(slice, ' ');
    if (fields.size() < 2)
        return kDefaultPeriodUs;
    auto p = to_integer(fields[1], "cpu.max period");
    return p ? *p : kDefaultPeriodUs;
}

long long quota_for(double cpus, long long period_us) {
    return std::max(kMinQuotaUs, std::llround(cpus * static_cast<double>(period_us)));
}

std::string same_as_slice(const std::string &slice, const std::string &) {
    return slice;
}

KnobCodec v2_cpu_weight() {
    return {
        "cpu",
        {{"cpu.weight"}},
        false,
        [](double value, const Slices &, const Slices &, const std::string &) -> Result<Slices> {
            return Slices{integer_text(std::clamp(value, 1.0, 10000.0))};
        },
        [](const Slices &s) -> Result<double> { return integer_value(s[0], "cpu.weight"); },
        same_as_slice};
}

KnobCodec v2_cpu_max() {
    return {"cpu",
            {{"cpu.max"}},
            false,
            [](double cpus, const Slices &current, const Slices &,
               const std::string &) -> Result<Slices> {
                long long period = period_of_cpu_max(current[0]);
                if (std::isinf(cpus))
                    return Slices{fmt::format("max {}", period)};
                return Slices{fmt::format("{} {}", quota_for(cpus, period), period)};
            },
            [](const Slices &s) -> Result<double> {
                auto fields = split_nonempty(s[0], ' ');
                if (fields.empty())
                    return Error{"empty cpu.max"};
                auto quota = max_or_integer(fields[0], "cpu.max quota");
                if (!quota)
                    return quota.error();
                return *quota / static_cast<double>(period_of_cpu_max(s[0]));
            },
            same_as_slice};
}

KnobCodec v2_io_weight() {
    return {
        "io",
        {{"io.weight", SliceOf::DefaultLine}},
        false,
        [](double value, const Slices &, const Slices &, const std::string &) -> Result<Slices> {
            return Slices{"default " + integer_text(std::clamp(value, 1.0, 10000.0))};
        },
        [](const Slices &s) -> Result<double> {
            auto fields = split_nonempty(s[0], ' ');
            if (fields.size() != 2)
                return Error{fmt::format("unexpected io.weight line '{}'", s[0])};
            return integer_value(fields[1], "io.weight");
        },
        same_as_slice};
}

KnobCodec v2_io_max() {
    return {"io",
            {{"io.max", SliceOf::DeviceLine}},
            true,
            // Each direction is capped at the lower of the rate and what the
            // operator had set (`before`: the line before cgwarden's first
            // write): a step never raises an operator's limit, and lifting
            // the cap puts theirs back. riops/wiops are not written: the
            // kernel keeps fields a write does not name.
            [](double rate, const Slices &, const Slices &before,
               const std::string &device) -> Result<Slices> {
                auto capped = [&](std::string_view key) {
                    auto limit = max_or_integer(keyed_value(before[0], key), "io.max");
                    double bps = std::min(rate, limit ? *limit : kUnlimited);
                    return std::isinf(bps) ? std::string("max") : integer_text(bps);
                };
                return Slices{
                    fmt::format("{} rbps={} wbps={}", device, capped("rbps"), capped("wbps"))};
            },
            [](const Slices &s) -> Result<double> {
                if (s[0].empty())
                    return kUnlimited;  // no line: no limit on this device
                return max_or_integer(keyed_value(s[0], "rbps"), "io.max rbps");
            },
            [](const std::string &slice, const std::string &device) {
                return slice.empty() ? device + " rbps=max wbps=max riops=max wiops=max" : slice;
            }};
}

KnobCodec v2_memory_high() {
    return {
        "memory",
        {{"memory.high"}},
        false,
        [](double bytes, const Slices &, const Slices &, const std::string &) -> Result<Slices> {
            return Slices{std::isinf(bytes) ? "max" : integer_text(bytes)};
        },
        [](const Slices &s) { return max_or_integer(s[0], "memory.high"); },
        same_as_slice};
}

// cpu.idle, with the weight file it overrides. Setting it makes the kernel
// set the group's weight to its minimum and refuse weight writes; clearing
// it resets the weight to the default. So the weight file is part of the
// knob: journaled before idle is set (restore clears idle, then puts the
// weight back), left alone while idle is set, and written back to what it
// held before idle was set right after idle is cleared.
KnobCodec cpu_idle(const char *weight_file) {
    return {"cpu",
            {{"cpu.idle"}, {weight_file}},
            false,
            [](double idle, const Slices &current, const Slices &before,
               const std::string &) -> Result<Slices> {
                if (idle != 0 && idle != 1)
                    return Error{fmt::format("cpu.idle is 0 or 1, not {}", idle)};
                if (idle == 1)
                    return Slices{"1", current[1]};
                return Slices{"0", before[1]};
            },
            [](const Slices &s) -> Result<double> {
                auto idle = integer_value(s[0], "cpu.idle");
                if (idle && *idle != 0 && *idle != 1)
                    return Error{fmt::format("unexpected cpu.idle '{}'", s[0])};
                return idle;
            },
            same_as_slice};
}

// cpu.shares = weight * 1024 / 100: the kernel's default 1024 is v2's 100.
KnobCodec v1_cpu_shares() {
    return {
        "cpu",
        {{"cpu.shares"}},
        false,
        [](double weight, const Slices &, const Slices &, const std::string &) -> Result<Slices> {
            return Slices{std::to_string(std::max(2LL, std::llround(weight * 1024 / 100)))};
        },
        [](const Slices &s) -> Result<double> {
            auto shares = integer_value(s[0], "cpu.shares");
            if (!shares)
                return shares;
            return *shares * 100 / 1024;
        },
        same_as_slice};
}

// The period is written (unchanged) before the quota, so that restore puts
// back a changed period before the quota that was checked against it.
KnobCodec v1_cfs_quota() {
    return {"cpu",
            {{"cpu.cfs_period_us"}, {"cpu.cfs_quota_us"}},
            false,
            [](double cpus, const Slices &current, const Slices &,
               const std::string &) -> Result<Slices> {
                auto period = to_integer(current[0], "cpu.cfs_period_us");
                if (!period)
                    return period.error();
                std::string quota =
                    std::isinf(cpus) ? "-1" : std::to_string(quota_for(cpus, *period));
                return Slices{current[0], quota};
            },
            [](const Slices &s) -> Result<double> {
                auto period = to_integer(s[0], "cpu.cfs_period_us");
                auto quota = to_integer(s[1], "cpu.cfs_quota_us");
                if (!period || !quota)
                    return period ? quota.error() : period.error();
                if (*quota < 0)
                    return kUnlimited;
                return static_cast<double>(*quota) / static_cast<double>(*period);
            },
            same_as_slice};
}

// BFQ's v1 weight is 1..1000, a tenth of the v2 scale.
KnobCodec v1_bfq_weight() {
    return {
        "blkio",
        {{"blkio.bfq.weight"}},
        true,
        [](double weight, const Slices &, const Slices &, const std::string &) -> Result<Slices> {
            return Slices{std::to_string(std::clamp(std::llround(weight / 10), 1LL, 1000LL))};
        },
        [](const Slices &s) -> Result<double> {
            auto w = integer_value(s[0], "blkio.bfq.weight");
            if (!w)
                return w;
            return *w * 10;
        },
        same_as_slice};
}

// Both directions get the same rate; "MAJ:MIN 0" removes the rule.
KnobCodec v1_throttle_bps() {
    return {"blkio",
            {{"blkio.throttle.read_bps_device", SliceOf::DeviceLine},
             {"blkio.throttle.write_bps_device", SliceOf::DeviceLine}},
            true,
            // As v2's io.max: each file at the lower of the rate and the
            // operator's own limit there ("0": none).
            [](double rate, const Slices &, const Slices &before,
               const std::string &device) -> Result<Slices> {
                Slices lines;
                for (const std::string &original : before) {
                    auto fields = split_nonempty(original, ' ');
                    auto limit = fields.size() == 2 ? integer_value(fields[1], "blkio.throttle")
                                                    : Result<double>(0.0);
                    double bps = limit && *limit > 0 ? std::min(rate, *limit) : rate;
                    lines.push_back(device + " " + (std::isinf(bps) ? "0" : integer_text(bps)));
                }
                return lines;
            },
            [](const Slices &s) -> Result<double> {
                auto fields = split_nonempty(s[0], ' ');
                if (fields.size() != 2)
                    return kUnlimited;  // no line: no limit on this device
                return integer_value(fields[1], "blkio.throttle.read_bps_device");
            },
            [](const std::string &slice, const std::string &device) {
                return slice.empty() ? device + " 0" : slice;
            }};
}

}  // namespace

std::string file_slice(std::string_view content, SliceOf slice, std::string_view device) {
    if (slice == SliceOf::Whole) {
        while (!content.empty() && (content.back() == '\n' || content.back() == ' '))
            content.remove_suffix(1);
        return std::string(content);
    }
    std::string_view key = slice == SliceOf::DefaultLine ? "default" : device;
    for (std::string_view line : split_nonempty(content, '\n'))
        if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ' ')
            return std::string(line);
    return {};
}

Result<KnobCodec> knob_codec(const CgroupLayout &layout, Knob knob) {
    bool v1_cpu = layout.v1.count("cpu") > 0;
    bool v1_blkio = layout.v1.count("blkio") > 0;
    switch (knob) {
        case Knob::CpuWeight:
            return v1_cpu ? v1_cpu_shares() : v2_cpu_weight();
        case Knob::CpuIdle:
            return cpu_idle(v1_cpu ? "cpu.shares" : "cpu.weight");
        case Knob::CpuMax:
            return v1_cpu ? v1_cfs_quota() : v2_cpu_max();
        case Knob::IoWeight:
            return v1_blkio ? v1_bfq_weight() : v2_io_weight();
        case Knob::IoMax:
            return v1_blkio ? v1_throttle_bps() : v2_io_max();
        case Knob::MemoryHigh:
            if (layout.v1.count("memory"))
                return Error{
                    "memory_high needs cgroup v2: the memory controller is mounted as v1, "
                    "which has no memory.high"};
            return v2_memory_high();
        case Knob::NetEgressRate:
            // A BPF token bucket (actuator/egress_limiter.h), not a cgroup file.
            return Error{"net_egress_rate is not a cgroup file"};
    }
    return Error{"unknown knob"};
}

}  // namespace cgw
