#include "cgwarden/bpf/maps.h"

namespace cgw {

Result<size_t> possible_cpus() {
    int n = libbpf_num_possible_cpus();
    if (n <= 0)
        return Error::from_errno("counting possible CPUs", -n);
    return static_cast<size_t>(n);
}

Status add_percpu_counters(const bpf_map *map, uint64_t *out, uint32_t entries) {
    auto ncpus = possible_cpus();
    if (!ncpus)
        return ncpus.error();
    std::vector<uint64_t> per_cpu(*ncpus);
    for (uint32_t i = 0; i < entries; ++i) {
        if (bpf_map__lookup_elem(map, &i, sizeof i, per_cpu.data(),
                                 per_cpu.size() * sizeof(uint64_t), 0) != 0)
            return Error::from_errno(std::string("reading ") + bpf_map__name(map));
        for (uint64_t v : per_cpu)
            out[i] += v;
    }
    return {};
}

}  // namespace cgw
