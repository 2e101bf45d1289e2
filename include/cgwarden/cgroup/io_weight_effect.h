// Whether a disk's IO scheduling reads the io_weight knob. cgwarden writes
// io_weight to v2 `io.weight`, which only io.cost reads (enabled per disk in
// the root's io.cost.qos), and to v1 `blkio.bfq.weight`, which only the BFQ
// scheduler reads. On any other disk a weight does nothing, so the IO
// ladder starts at io_max there instead of spending intervals on a step
// that cannot help.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include "cgwarden/cgroup/layout.h"

namespace cgw {

class IoWeightEffect {
  public:
    // `sys` is where sysfs is mounted (tests pass a directory of their own).
    explicit IoWeightEffect(const CgroupLayout &layout, std::filesystem::path sys = "/sys");

    // Whether io_weight acts on the disk "MAJ:MIN". Read again at most once
    // a minute (an operator may enable io.cost or switch schedulers); a
    // change is logged once, with what the disk lacks.
    bool acts_on(const std::string &device, std::chrono::steady_clock::time_point now);

  private:
    struct Known {
        bool acts = false;
        std::chrono::steady_clock::time_point read_at;
    };
    // Empty when the weight acts on the disk, else why it does not.
    std::string why_not(const std::string &device) const;

    CgroupLayout layout_;
    std::filesystem::path sys_;
    std::map<std::string, Known> known_;
};

}  // namespace cgw
