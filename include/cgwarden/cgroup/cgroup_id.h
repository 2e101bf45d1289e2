// A cgroup's id in one hierarchy: the inode number of its directory there,
// which is also the kernfs id the BPF programs read (`kn->id`).
//
// On a hybrid node one cgroup has up to three ids: the v1 cpu hierarchy's
// (the CPU sensor's key), the IO controller's (v1 blkio, or cgroup2) and
// cgroup2's (the network sensor's key). The same relative path is the same
// cgroup, so hierarchies are joined by path (cgroup/tree.h), never by id.
// Each space has its own type: using an IO id where a CPU id is meant does
// not compile. On a pure v2 node the three values are equal; the types stay
// apart so that code written there also runs on hybrid nodes.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <type_traits>

namespace cgw {

template <class Hierarchy>
struct CgroupId {
    uint64_t value = 0;

    constexpr CgroupId() = default;
    constexpr explicit CgroupId(uint64_t v) : value(v) {}
    constexpr auto operator<=>(const CgroupId &) const = default;
};

struct CpuHierarchy;  // the cpu controller's: v1 cpu, or cgroup2
struct IoHierarchy;   // the io controller's: v1 blkio, or cgroup2
struct NetHierarchy;  // cgroup2: sockets carry their cgroup2 cgroup

using CpuCgroupId = CgroupId<CpuHierarchy>;
using IoCgroupId = CgroupId<IoHierarchy>;
using NetCgroupId = CgroupId<NetHierarchy>;

// Read and written as BPF map keys in place of the kernel's u64.
static_assert(sizeof(CpuCgroupId) == sizeof(uint64_t) && std::is_trivially_copyable_v<CpuCgroupId>);

}  // namespace cgw

template <class Hierarchy>
struct std::hash<cgw::CgroupId<Hierarchy>> {
    size_t operator()(const cgw::CgroupId<Hierarchy> &id) const noexcept {
        return std::hash<uint64_t>{}(id.value);
    }
};
