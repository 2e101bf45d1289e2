#include "cgwarden/control/input.h"

namespace cgw {

ControllerInput build_controller_input(const CpuSignals &signals, Duration now,
                                       InputSources &sources) {
    ControllerInput in;
    in.now = now;
    in.cpus = sources.cpus;
    for (const auto &[id, cpu] : signals.by_cgroup) {
        auto path = sources.cpu_tree.path_of(id);
        if (!path)
            continue;  // removed since the sample
        if (*path == "/") {
            // The root's usage is the whole node's.
            double capacity = signals.window_s * sources.cpus;
            in.cpu_busy_fraction = capacity > 0 ? cpu.usage_s / capacity : 0;
        }
        CgroupInput cg;
        cg.class_index = sources.classify(*path);
        cg.cpu_delay_p99_s = cpu.runq_delay_p99_s;
        cg.cpu_waits = cpu.runq_events;
        for (const Preemptor &p : cpu.preempted_by) {
            if (auto antagonist = sources.cpu_tree.path_of(p.cgroup_id))
                cg.cpu_antagonists.push_back({*antagonist, p.delay_s});
        }
        if (cg.class_index)
            cg.knobs = sources.read_knobs(*path, sources.policy.classes.at(*cg.class_index));
        in.cgroups.emplace(*path, std::move(cg));
    }
    return in;
}

}  // namespace cgw
