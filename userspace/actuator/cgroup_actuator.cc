#include "cgwarden/actuator/cgroup_actuator.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cgwarden/actuator/restore.h"

namespace cgw {

std::map<KnobSlot, double> CgroupActuator::read(const std::string &path, const ClassPolicy &cls,
                                                const std::vector<std::string> &devices) {
    std::map<KnobSlot, double> values;
    for (const auto &[knob, bounds] : cls.knobs) {
        std::vector<std::string> slots{""};
        if (io_.needs_device(knob))
            slots = devices;
        for (const std::string &device : slots) {
            auto value = read_one({path, knob, device});
            if (value)
                values.emplace(KnobSlot{knob, device}, *value);
            else if (unreadable_.insert({cls.name, knob}).second)
                spdlog::warn("class {}: {} cannot be read ({}); cgwarden leaves it alone", cls.name,
                             to_string(knob), value.error().message);
        }
    }
    return values;
}

Result<double> CgroupActuator::read_one(const KnobTarget &target) const {
    if (target.knob != Knob::NetEgressRate)
        return io_.read(target);
    if (!egress_)
        return Error{"the network sensor is not running"};
    return egress_->rate(target.cgroup);
}

Status CgroupActuator::apply(const Decision &decision) {
    if (decision.knob == Knob::NetEgressRate) {
        if (!egress_)
            return Error{"net_egress_rate of cgroup " + decision.cgroup +
                         ": the network sensor is not running"};
        return egress_->set_rate(decision.cgroup, decision.new_value);
    }
    auto s = io_.write(decision.target(), decision.new_value);
    if (s)
        written_.insert(decision.target());
    return s;
}

std::set<KnobTarget> CgroupActuator::take_changed_externally() {
    std::set<KnobTarget> changed;
    for (const KnobTarget &target : written_) {
        auto is_changed = io_.changed_externally(target);
        if (!is_changed || !*is_changed)
            continue;
        if (auto s = io_.adopt(target); !s) {
            spdlog::warn("{}", s.error().message);
            continue;
        }
        changed.insert(target);
    }
    for (const auto &c : changed)
        written_.erase(c);
    return changed;
}

Status CgroupActuator::restore_all() {
    RestoreReport report = cgw::restore_all(journal_, io_.layout());
    written_.clear();
    std::string failures;
    if (egress_)
        if (Status s = egress_->clear_all(); !s)
            failures = s.error().message;
    for (const RestoreOutcome &o : report.outcomes) {
        if (o.result == RestoreOutcome::Result::Restored)
            spdlog::info("restored {}{} = '{}'", o.key.file,
                         o.key.device.empty() ? "" : " (" + o.key.device + ")", o.text);
        else if (o.result == RestoreOutcome::Result::Failed)
            failures += (failures.empty() ? "" : "; ") + o.error;
    }
    if (!report.journal_error.empty())
        failures += (failures.empty() ? "" : "; ") + report.journal_error;
    if (!failures.empty())
        return Error{"restoring knobs: " + failures};
    return {};
}

Status CgroupActuator::restore_left_over() {
    Status s = restore_all();
    for (const JournalEntry &entry : journal_.entries())
        journal_.hold(entry.key);
    return s;
}

}  // namespace cgw
