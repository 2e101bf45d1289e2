// Loads and attaches bpf/cpu.bpf.c and reads its maps.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/common/result.h"
#include "cgwarden/sensor/cpu_counters.h"

namespace cgw {

class CpuSensor {
  public:
    // Picks tp_btf or raw_tp from the probed features unless forced; a tp_btf
    // load that fails anyway falls back to raw_tp with a warning.
    static Result<std::unique_ptr<CpuSensor>> open(const KernelFeatures &features,
                                                   std::optional<AttachMode> force = std::nullopt);
    ~CpuSensor();
    CpuSensor(const CpuSensor &) = delete;
    CpuSensor &operator=(const CpuSensor &) = delete;

    AttachMode attach_mode() const;
    Result<CpuCounters> read() const;
    std::vector<ProgramStats> program_stats() const;

    // Defined in cpu_sensor.cc: keeps the skeleton out of this header.
    struct Impl;

  private:
    explicit CpuSensor(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace cgw
