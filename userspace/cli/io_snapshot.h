// The IO part of `cgwarden snapshot`: the IO sensor, its two readings and the
// outliers streamed in between. A kernel that cannot run it degrades only
// the IO figures: the snapshot says why and CPU keeps working.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/cgroup/tree.h"
#include "cgwarden/sensor/io_sensor.h"
#include "cgwarden/snapshot/report.h"

namespace cgw::cli {

class IoSnapshot {
  public:
    IoSnapshot(const KernelFeatures &features, const CgroupLayout &layout,
               const IoSensorOptions &options, std::optional<AttachMode> force);
    ~IoSnapshot();

    // First and last reading of the window; outliers are collected between.
    void begin();
    void end();

    // The window's IO figures and the tree their ids are in; none when the
    // IO sensor could not run.
    std::optional<IoSignals> signals() const;
    const IoCgroupTree *tree() const;
    // The IO part of the report, from the model of the window's signals.
    void add_to(SnapshotReport &report, const PassModel &model, const CpuCgroupTree &cpu_tree,
                const std::vector<std::string> &only);

  private:
    void fail(const Error &error);

    IoAttribution attribution_;
    std::optional<IoCgroupTree> io_tree_;
    std::unique_ptr<IoSensor> sensor_;
    std::optional<IoCounters> before_;
    std::optional<IoCounters> after_;
    // Filled by the polling thread only until end() joins it.
    std::vector<IoOutlier> outliers_;
    std::jthread poller_;
    std::string unavailable_;
};

}  // namespace cgw::cli
