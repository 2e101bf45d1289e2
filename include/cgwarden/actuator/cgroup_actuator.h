// The daemon's Actuator (daemon/actuator.h) on real cgroup files: KnobIo
// over a journal it owns, so every decision it applies can be undone by
// restore_all here, at the next start-up, or by `cgwarden restore`.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <utility>

#include "cgwarden/actuator/egress_limiter.h"
#include "cgwarden/actuator/io_cost.h"
#include "cgwarden/actuator/journal.h"
#include "cgwarden/actuator/knob_io.h"
#include "cgwarden/daemon/actuator.h"

namespace cgw {

class CgroupActuator : public Actuator {
  public:
    CgroupActuator(CgroupLayout layout, Journal journal)
        : journal_(std::move(journal)), io_(std::move(layout), journal_) {}
    // io_ refers to journal_: the object stays where it was made.
    CgroupActuator(const CgroupActuator &) = delete;
    CgroupActuator &operator=(const CgroupActuator &) = delete;

    // Turns net_egress_rate; without one that knob cannot be read or set.
    void set_egress_limiter(std::unique_ptr<EgressLimiter> egress) { egress_ = std::move(egress); }

    // io.cost on a disk of the policy (actuator/io_cost.h), journaled with
    // the knobs and restored with them. Returns the disk's "MAJ:MIN".
    Result<std::string> set_io_cost(const DiskPolicy &disk, const std::filesystem::path &unified) {
        return cgw::set_io_cost(disk, unified, journal_);
    }

    std::map<KnobSlot, double> read(const std::string &path, const ClassPolicy &cls,
                                    const std::vector<std::string> &devices) override;
    Status apply(const Decision &decision) override;
    std::set<KnobTarget> take_changed_externally() override;
    Status restore_all() override;
    // At start-up, what an earlier run left changed goes back. An entry that
    // cannot be restored (a detached disk, a removed controller) stays in
    // the journal and is held: this run never touches its file. The error
    // lists them; the daemon starts anyway.
    Status restore_left_over();

  private:
    Result<double> read_one(const KnobTarget &target) const;

    Journal journal_;
    KnobIo io_;
    std::unique_ptr<EgressLimiter> egress_;
    std::set<KnobTarget> written_;  // by this process, not yet restored
    // (class, knob) that cannot be read here: said once, not every interval.
    std::set<std::pair<std::string, Knob>> unreadable_;
};

}  // namespace cgw
