// Loads and attaches bpf/io.bpf.c, reads its maps and streams its outliers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/bpf/programs.h"
#include "cgwarden/bpf/ring_buffer.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/common/result.h"
#include "cgwarden/sensor/io_counters.h"

namespace cgw {

// Whose cgroup an IO is charged to.
enum class IoAttribution {
    BioBlkcg,  // the blkcg of the request's bio: right for writeback by kworkers
    Task,      // the submitting task's cgroup2 cgroup (kernels without bio->bi_blkg)
};

std::string_view to_string(IoAttribution attribution);
IoAttribution io_attribution(const KernelFeatures &features);

// The hierarchy whose ids the IO counters carry: the v1 blkio hierarchy when
// it is mounted and IO is charged to blkcgs, else cgroup2.
std::optional<std::filesystem::path> io_cgroup_mount(const CgroupLayout &layout,
                                                     IoAttribution attribution);

struct IoSensorOptions {
    uint64_t outlier_threshold_ns = 50'000'000;
    uint32_t outlier_limit_per_cpu_s = 64;
};

class IoSensor {
  public:
    // Picks tp_btf or raw_tp from the probed features unless forced; a tp_btf
    // load that fails anyway falls back to raw_tp with a warning.
    static Result<std::unique_ptr<IoSensor>> open(const KernelFeatures &features,
                                                  const IoSensorOptions &options = {},
                                                  std::optional<AttachMode> force = std::nullopt);
    ~IoSensor();
    IoSensor(const IoSensor &) = delete;
    IoSensor &operator=(const IoSensor &) = delete;

    AttachMode attach_mode() const;
    const IoSensorOptions &options() const;
    Result<IoCounters> read() const;
    std::vector<ProgramStats> program_stats() const;

    // Outlier events, handed to on_outlier inside the ring buffer's poll().
    Result<std::unique_ptr<RingBuffer>> outliers(
        std::function<void(const IoOutlier &)> on_outlier) const;

    // Defined in io_sensor.cc: keeps the skeleton out of this header.
    struct Impl;

  private:
    explicit IoSensor(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace cgw
