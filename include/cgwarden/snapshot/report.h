// `cgwarden snapshot` output: signals joined with cgroup paths, as JSON (a
// contract other tools depend on) or as a table for people.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/cgroup/tree.h"
#include "cgwarden/model/pass_model.h"
#include "cgwarden/signals/cpu_signals.h"
#include "cgwarden/snapshot/net_report.h"
#include "cgwarden/snapshot/io_report.h"

namespace cgw {

struct PreemptorReport {
    std::string path;
    CpuCgroupId id;
    double delay_s = 0;
    uint64_t count = 0;
};

struct CgroupReport {
    std::string path;  // relative to the hierarchy root
    CpuCgroupId id;    // 0 when the path is not in the cpu hierarchy
    CgroupCpuSignals cpu;
    std::vector<PreemptorReport> preempted_by;
    std::optional<CgroupNetReport> net = std::nullopt;  // absent when no network sensor ran
    std::optional<CgroupIoReport> io = std::nullopt;    // absent without the IO sensor
};

struct SnapshotReport {
    double duration_s = 0;
    CgroupMode cgroup_mode = CgroupMode::V2;
    AttachMode attach_mode = AttachMode::TpBtf;
    std::vector<CgroupReport> cgroups;  // most contended first
    std::array<uint64_t, CGW_CPU_DROP_COUNT> lost_events{};
    NetReport net;
    std::optional<IoSummary> io;  // absent when the IO sensor could not run:
    std::string io_unavailable;   // why
};

// The model's cgroups with any CPU activity, or exactly the cgroups in
// `only` (relative paths, found in `cpu_tree`) when it is not empty. A
// preemptor the model cannot name any more (removed) is "(removed)". The IO
// and network parts are added by add_io_report and add_net_to_report, from
// the same model.
SnapshotReport build_snapshot_report(const PassModel &model, CgroupMode mode, AttachMode attach,
                                     const CpuCgroupTree &cpu_tree,
                                     const std::vector<std::string> &only);

nlohmann::json to_json(const SnapshotReport &report);
std::string to_table(const SnapshotReport &report);

}  // namespace cgw
