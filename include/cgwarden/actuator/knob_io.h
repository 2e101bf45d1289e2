// Reads and turns one knob of one cgroup, on whatever cgroup layout the node
// has, journaling every change so it can be undone (actuator/restore.h).
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "cgwarden/actuator/journal.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/common/result.h"
#include "cgwarden/policy/policy.h"

namespace cgw {

class KnobIo {
  public:
    // `sys` is where sysfs is mounted (tests point it at a fake).
    KnobIo(CgroupLayout layout, Journal &journal, std::filesystem::path sys = "/sys")
        : layout_(std::move(layout)), journal_(journal), sys_(std::move(sys)) {}

    const CgroupLayout &layout() const { return layout_; }

    // Whether the knob is per device on this layout (KnobSlot).
    bool needs_device(Knob knob) const;

    // The knob's value now, in its policy unit (policy.h); +infinity for "no limit".
    Result<double> read(const KnobTarget &target) const;

    // Sets the knob. Before a file is first changed, the write that restores
    // it is journaled (and fsync'd); after each write, what the file then
    // holds. A value the kernel refuses is an error naming file, value and
    // errno, and is not journaled as written.
    Status write(const KnobTarget &target, double value);

    // True when a file of the knob no longer holds what our last write left
    // in it: someone else (systemd, kubelet, an operator) changed it. False
    // when we have not written it.
    Result<bool> changed_externally(const KnobTarget &target) const;

    // Accepts the current value as the new original: restore will put it
    // back, and our earlier write is forgotten.
    Status adopt(const KnobTarget &target);

  private:
    struct Files;
    Result<Files> files_of(const KnobTarget &target) const;

    CgroupLayout layout_;
    Journal &journal_;
    std::filesystem::path sys_;
    // Files a write of another file of their knob changed (the weight that
    // setting cpu.idle overrides), with what they held before: what the
    // knob's codec puts back when it lets go of them.
    std::map<JournalKey, std::string> overridden_;
};

}  // namespace cgw
