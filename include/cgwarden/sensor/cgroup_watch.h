// Loads and attaches bpf/cgroup.bpf.c: the cgroups made, removed and renamed
// in every hierarchy, so the daemon's id -> path trees follow them without
// walking cgroupfs every pass (cgroup/tree.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/bpf/programs.h"
#include "cgwarden/cgroup/tree.h"
#include "cgwarden/common/result.h"

namespace cgw {

class CgroupWatch {
  public:
    // Needs CO-RE and a ring buffer; tp_btf, or raw_tp where it is missing.
    static Result<std::unique_ptr<CgroupWatch>> open(
        const KernelFeatures &features, std::optional<AttachMode> force = std::nullopt);
    ~CgroupWatch();
    CgroupWatch(const CgroupWatch &) = delete;
    CgroupWatch &operator=(const CgroupWatch &) = delete;

    AttachMode attach_mode() const;
    // Hands every event waiting in the ring to on_event, in order; returns
    // how many.
    Result<int> drain(const std::function<void(const CgroupEvent &)> &on_event);
    // Events the ring had no room for, since load: a tree that missed one
    // must walk again.
    Result<uint64_t> lost() const;
    std::vector<ProgramStats> program_stats() const;

    struct Impl;  // defined in cgroup_watch.cc: keeps the skeleton out of this header

  private:
    explicit CgroupWatch(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace cgw
