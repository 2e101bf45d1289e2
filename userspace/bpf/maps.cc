#include "cgwarden/bpf/maps.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>

namespace cgw {

Result<size_t> possible_cpus() {
    int n = libbpf_num_possible_cpus();
    if (n <= 0)
        return Error::from_errno("counting possible CPUs", -n);
    return static_cast<size_t>(n);
}

Result<uint64_t> sum_per_cpu_counter(const bpf_map *map, uint32_t index) {
    auto ncpus = possible_cpus();
    if (!ncpus)
        return ncpus.error();
    std::vector<uint64_t> per_cpu(*ncpus);
    if (bpf_map__lookup_elem(map, &index, sizeof index, per_cpu.data(),
                             per_cpu.size() * sizeof(uint64_t), 0) != 0)
        return Error::from_errno(std::string("reading ") + bpf_map__name(map));
    uint64_t sum = 0;
    for (uint64_t v : per_cpu)
        sum += v;
    return sum;
}

Result<uint32_t> lookup_batch(const bpf_map *map, BatchCursor &cursor, void *keys, void *values,
                              uint32_t max) {
    if (cursor.out.empty()) {
        // Hash maps' tokens are a bucket index, arrays' a key: room for either.
        size_t size = std::max<size_t>(bpf_map__key_size(map), sizeof(uint64_t));
        cursor.in.resize(size);
        cursor.out.resize(size);
    }
    uint32_t count = max;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    int rc = bpf_map_lookup_batch(bpf_map__fd(map), cursor.started ? cursor.in.data() : nullptr,
                                  cursor.out.data(), keys, values, &count, &opts);
    // ENOENT: the last batch, which may still hold entries.
    if (rc != 0 && errno != ENOENT)
        return Error::from_errno(std::string("reading ") + bpf_map__name(map) + " in batches");
    cursor.started = true;
    cursor.done = rc != 0;
    std::swap(cursor.in, cursor.out);
    return count;
}

Status add_percpu_counters(const bpf_map *map, uint64_t *out, uint32_t entries) {
    for (uint32_t i = 0; i < entries; ++i) {
        auto sum = sum_per_cpu_counter(map, i);
        if (!sum)
            return sum.error();
        out[i] += *sum;
    }
    return {};
}

}  // namespace cgw
