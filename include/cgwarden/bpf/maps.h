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

// Where a batched read of a map is (BPF_MAP_LOOKUP_BATCH, 5.6+).
struct BatchCursor {
    std::vector<unsigned char> in, out;  // the kernel's position tokens
    bool started = false;
    bool done = false;
};

// Up to `max` entries after the cursor into keys and values (value_size
// each); the number read, the cursor moved on (done after the last). An
// error when the kernel or the map type reads no batches.
Result<uint32_t> lookup_batch(const bpf_map *map, BatchCursor &cursor, void *keys, void *values,
                              uint32_t max);

// Calls fn(key, value) for every entry; value_size covers all CPUs for
// per-CPU maps. In batches of 256 entries a system call where the kernel
// has them; else key by key, where an entry deleted between the walk and
// its lookup is skipped.
template <class Key, class Value, class Fn>
void for_each_entry(const bpf_map *map, size_t value_size, Fn &&fn) {
    constexpr uint32_t kBatch = 256;
    std::vector<Key> keys(kBatch);
    std::vector<unsigned char> values(kBatch * value_size);
    BatchCursor cursor;
    while (!cursor.done) {
        auto n = lookup_batch(map, cursor, keys.data(), values.data(), kBatch);
        if (!n)
            break;
        for (uint32_t i = 0; i < *n; ++i)
            fn(keys[i], reinterpret_cast<const Value *>(values.data() + i * value_size));
    }
    if (cursor.started)
        return;  // read in batches (an error after the first ends it there)
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
