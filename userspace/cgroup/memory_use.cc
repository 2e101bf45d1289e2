#include "cgwarden/cgroup/memory_use.h"

#include "cgwarden/cgroup/cpu_stat.h"
#include "cgwarden/cgroup/files.h"
#include "cgwarden/common/file.h"

namespace cgw {

bool memory_on_cgroup2(const CgroupLayout &layout) {
    return layout.unified && layout.mount_for("memory") == layout.unified;
}

std::optional<MemoryUse> read_memory_use(const CgroupLayout &layout,
                                         const std::string &relative_path, OpenFiles *files) {
    if (!memory_on_cgroup2(layout))
        return std::nullopt;
    auto current = read_file(in_hierarchy(*layout.unified, relative_path, "memory.current"), files);
    auto pressure =
        read_file(in_hierarchy(*layout.unified, relative_path, "memory.pressure"), files);
    if (!current || !pressure)
        return std::nullopt;
    auto psi = parse_psi(*pressure);
    if (!psi)
        return std::nullopt;
    return MemoryUse{to_u64(*current), psi->some_total_us};
}

}  // namespace cgw
