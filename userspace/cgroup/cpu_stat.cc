#include "cgwarden/cgroup/cpu_stat.h"

#include <charconv>
#include <sstream>

#include "cgwarden/cgroup/files.h"
#include "cgwarden/common/file.h"
#include "cgwarden/common/strings.h"

namespace cgw {

// Read for every cgroup that waited or ran, every pass: views of the text,
// no stream or copy per line.
CpuStat parse_cpu_stat(std::string_view text) {
    CpuStat stat;
    for (std::string_view line : split_nonempty(text, '\n')) {
        size_t space = line.find(' ');
        if (space == std::string_view::npos)
            continue;
        std::string_view key = line.substr(0, space);
        uint64_t v = to_u64(line.substr(space + 1));
        if (key == "usage_usec")
            stat.usage_ns = v * 1000;
        else if (key == "nr_periods")
            stat.nr_periods = v;
        else if (key == "nr_throttled")
            stat.nr_throttled = v;
        else if (key == "throttled_usec")
            stat.throttled_ns = v * 1000;
        else if (key == "throttled_time")
            stat.throttled_ns = v;
    }
    return stat;
}

Result<Psi> parse_psi(std::string_view text) {
    Psi psi;
    bool saw_some = false;
    std::istringstream lines{std::string(text)};
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string kind;
        fields >> kind;
        std::string field;
        while (fields >> field) {
            auto eq = field.find('=');
            if (eq == std::string::npos)
                return Error{"malformed PSI field '" + field + "'"};
            std::string_view name(field.data(), eq);
            std::string_view value(field.data() + eq + 1, field.size() - eq - 1);
            if (kind == "some" && name == "avg10") {
                // from_chars: a bad value is an error of this read, never an
                // exception on the loop thread.
                auto [end, ec] =
                    std::from_chars(value.data(), value.data() + value.size(), psi.some_avg10);
                if (ec != std::errc() || end != value.data() + value.size())
                    return Error{"malformed PSI field '" + field + "'"};
            } else if (kind == "some" && name == "total")
                psi.some_total_us = to_u64(value);
            else if (kind == "full" && name == "total")
                psi.full_total_us = to_u64(value);
        }
        saw_some |= kind == "some";
    }
    if (!saw_some)
        return Error{"PSI text has no 'some' line"};
    return psi;
}

Result<CpuStat> read_cpu_stat(const CgroupLayout &layout, const std::string &relative_path,
                              OpenFiles *files) {
    auto cpu_mount = layout.mount_for("cpu");
    if (!cpu_mount)
        return Error{"no hierarchy holds the cpu controller"};
    auto path = in_hierarchy(*cpu_mount, relative_path, "cpu.stat");
    auto text = read_file(path, files);
    if (!text)
        return text.error();
    CpuStat stat = parse_cpu_stat(*text);
    if (layout.mode == CgroupMode::V2)
        return stat;
    // v1 cpu.stat has no usage: it lives in cpuacct, often a separate mount.
    if (auto cpuacct = layout.mount_for("cpuacct")) {
        if (auto usage = read_file(in_hierarchy(*cpuacct, relative_path, "cpuacct.usage"), files))
            stat.usage_ns = to_u64(*usage);
    }
    return stat;
}

std::optional<Psi> read_cpu_pressure(const CgroupLayout &layout, const std::string &relative_path) {
    if (!layout.unified)
        return std::nullopt;
    auto text = read_file(in_hierarchy(*layout.unified, relative_path, "cpu.pressure"));
    if (!text)
        return std::nullopt;
    auto psi = parse_psi(*text);
    if (!psi)
        return std::nullopt;
    return *psi;
}

}  // namespace cgw
