// Reading a loaded BPF object: every entry of a map, per-CPU counters summed,
// the programs' run statistics.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <vector>

#include "cgwarden/common/result.h"
#include "cgwarden/sensor/cpu_counters.h"

namespace cgw {

// Calls fn(key, value) for every entry; value points to value_size bytes (one
// value per possible CPU for per-CPU maps). An entry deleted between listing
// and lookup is skipped.
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

// Run count and time of every loaded program (kernel.bpf_stats_enabled).
std::vector<ProgramStats> loaded_program_stats(const bpf_object *obj);

}  // namespace cgw
