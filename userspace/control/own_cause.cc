#include "cgwarden/control/own_cause.h"

#include <fmt/format.h>

namespace cgw {

std::string own_cpu_cause(const std::string &path, const CgroupInput &cg) {
    double own = 0;
    double total = 0;
    for (const Antagonist &a : cg.cpu_antagonists) {
        total += a.weight;
        own += a.path == path ? a.weight : 0;
    }
    double others = total - own;
    if (cg.cpu_throttled_s > 0 && cg.cpu_throttled_s >= others)
        return fmt::format(
            "throttled by its own cpu.max: its tasks waited {:.3g}s throttled, {:.3g}s behind "
            "other cgroups",
            cg.cpu_throttled_s, others);
    if (total > 0 && own / total >= kOwnTasksShare)
        return fmt::format(
            "its own tasks: {:.0f}% of its run-queue delay was behind its own threads (more "
            "runnable threads than the CPUs it gets)",
            100 * own / total);
    return {};
}

}  // namespace cgw
