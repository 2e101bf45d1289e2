// Arithmetic shared by the signal computations: cumulative counters of two
// readings turned into what happened between them.
#pragma once

#include <cstdint>

namespace cgw {

constexpr double kNsPerS = 1e9;

// Counters restart from zero when a cgroup id is reused (or a map entry is
// recreated): then the newer value is the whole window.
inline uint64_t delta(uint64_t newer, uint64_t older) {
    return newer >= older ? newer - older : newer;
}

inline double seconds(uint64_t ns) {
    return static_cast<double>(ns) / kNsPerS;
}

// The value for key, or nullptr.
template <class Map>
const typename Map::mapped_type *find_or_null(const Map &map, const typename Map::key_type &key) {
    auto it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
}

}  // namespace cgw
