// Reading BPF maps from user space: iteration and per-CPU sums.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <vector>

#include "cgwarden/common/result.h"

namespace cgw {

// Every key of a hash map, collected before anything is done with them: a
// walk whose current key is deleted starts over.
template <class Key>
std::vector<Key> map_keys(const bpf_map *map) {
    std::vector<Key> keys;
    Key next{};
    while (bpf_map__get_next_key(map, keys.empty() ? nullptr : &keys.back(), &next, sizeof next) ==
           0)
        keys.push_back(next);
    return keys;
}

// Calls fn(key, value) for every entry; value_size covers all CPUs for
// per-CPU maps. An entry deleted between the walk and its lookup is skipped.
template <class Key, class Value, class Fn>
void for_each_entry(const bpf_map *map, size_t value_size, Fn &&fn) {
    std::vector<unsigned char> buf(value_size);
    for (const Key &key : map_keys<Key>(map)) {
        if (bpf_map__lookup_elem(map, &key, sizeof key, buf.data(), buf.size(), 0) == 0)
            fn(key, reinterpret_cast<const Value *>(buf.data()));
    }
}

// Element `index` of a per-CPU array of u64 counters, summed over the CPUs.
Result<uint64_t> sum_per_cpu_counter(const bpf_map *map, uint32_t index);

// Number of possible CPUs: the number of copies in a per-CPU map value.
Result<size_t> possible_cpus();

// out[i] += the sum over CPUs of entry i of a per-CPU array of u64 counters.
Status add_percpu_counters(const bpf_map *map, uint64_t *out, uint32_t entries);

}  // namespace cgw
