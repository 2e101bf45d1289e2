// Reading BPF maps from user space: iteration and per-CPU sums.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <vector>

#include "cgwarden/common/result.h"

namespace cgw {

// Calls fn(key, value) for every entry; value_size covers all CPUs for
// per-CPU maps. An entry deleted between get_next_key and lookup is skipped.
template <class Key, class Value, class Fn>
void for_each_entry(const bpf_map *map, size_t value_size, Fn &&fn) {
    Key key{};
    Key next{};
    std::vector<unsigned char> buf(value_size);
    const Key *cursor = nullptr;
    while (bpf_map__get_next_key(map, cursor, &next, sizeof next) == 0) {
        if (bpf_map__lookup_elem(map, &next, sizeof next, buf.data(), buf.size(), 0) == 0)
            fn(next, reinterpret_cast<const Value *>(buf.data()));
        key = next;
        cursor = &key;
    }
}

// Element `index` of a per-CPU array of u64 counters, summed over the CPUs.
Result<uint64_t> sum_per_cpu_counter(const bpf_map *map, uint32_t index);

// Number of possible CPUs: the number of copies in a per-CPU map value.
Result<size_t> possible_cpus();

// out[i] += the sum over CPUs of entry i of a per-CPU array of u64 counters.
Status add_percpu_counters(const bpf_map *map, uint64_t *out, uint32_t entries);

}  // namespace cgw
