// The IO part of `cgwarden snapshot`: IO signals joined with cgroup paths and
// device names, merged into the CPU report by relative path (on hybrid nodes
// the CPU figures are keyed by the cpu hierarchy's ids, IO by blkio's).
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/cgroup/tree.h"
#include "cgwarden/model/pass_model.h"
#include "cgwarden/sensor/io_sensor.h"
#include "cgwarden/signals/io_signals.h"

namespace cgw {

struct SnapshotReport;

struct QueuedBehindReport {
    std::string path;
    IoCgroupId id;
    double delay_s = 0;
    uint64_t count = 0;
};

struct DeviceIoReport {
    std::string device;  // "MAJ:MIN"
    std::string name;    // "vda"; empty when the device is gone
    DeviceIoSignals signals;
    std::vector<QueuedBehindReport> queued_behind;
};

struct CgroupIoReport {
    IoCgroupId id;  // 0 when the path is not in the IO hierarchy
    CgroupIoSignals signals;
    std::vector<DeviceIoReport> devices;
    std::vector<QueuedBehindReport> queued_behind;
    uint64_t outliers = 0;  // outlier events received for this cgroup
};

struct IoOutlierReport {
    std::string path;
    std::string device;
    std::string op;
    double queue_s = 0;
    double device_s = 0;
    uint64_t bytes = 0;
};

struct IoSummary {
    AttachMode attach_mode = AttachMode::TpBtf;
    IoAttribution attribution = IoAttribution::BioBlkcg;
    std::string hierarchy;  // mount whose ids the IO figures carry
    double outlier_threshold_s = 0;
    uint64_t outliers_received = 0;
    std::vector<IoOutlierReport> worst_outliers;  // slowest first
    std::array<uint64_t, CGW_IO_DROP_COUNT> lost_events{};
};

// "MAJ:MIN" -> device name; injected so tests need no sysfs.
using DeviceNamer = std::function<std::string(const std::string &maj_min)>;

std::string_view io_op_name(uint32_t op);

// Gives every cgroup of the report its IO figures from the model (zero when
// idle) and adds the cgroups that did IO but are not in it yet: all the
// model's active ones, or those of `only` (relative paths) when it is not
// empty. The trees give the ids of the cgroups by path.
void add_io_report(SnapshotReport &report, IoSummary summary, const PassModel &model,
                   const std::vector<IoOutlier> &outliers, const IoCgroupTree &io_tree,
                   const CpuCgroupTree &cpu_tree, const std::vector<std::string> &only,
                   const DeviceNamer &name_of);

struct CgroupReport;

// A cgroup's "io" in the snapshot JSON; null without the IO sensor.
nlohmann::json cgroup_io_json(const CgroupReport &cgroup);
// The top-level "io"; null when the IO sensor could not run (the report's
// io_unavailable says why).
nlohmann::json io_summary_json(const SnapshotReport &report);

// The IO table, or the reason it is missing; empty when no cgroup did IO.
std::string io_table(const SnapshotReport &report);

}  // namespace cgw
