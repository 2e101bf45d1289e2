// Which cgroup hierarchies this node mounts, and which one holds each controller.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cgwarden/common/result.h"

namespace cgw {

enum class CgroupMode { V2, Hybrid, V1 };

std::string_view to_string(CgroupMode mode);

struct CgroupLayout {
    CgroupMode mode = CgroupMode::V2;
    // The cgroup2 mount, if any (on hybrid nodes usually /sys/fs/cgroup/unified).
    std::optional<std::filesystem::path> unified;
    // Controllers enabled at the cgroup2 root (cgroup.controllers).
    std::vector<std::string> unified_controllers;
    // v1 controller -> mount point; co-mounted controllers share a mount.
    std::map<std::string, std::filesystem::path> v1;

    // Mount of the hierarchy that holds the controller, if it is mounted.
    std::optional<std::filesystem::path> mount_for(const std::string &controller) const;
    // The hierarchy whose ids the CPU figures carry: the cpu controller's,
    // else cgroup2 (kernels without it charge a task's cgroup2 cgroup).
    std::filesystem::path cpu_ids_mount() const;
    // Every distinct hierarchy mount, the cpu owner first: where the same
    // relative path names one logical cgroup on hybrid nodes.
    std::vector<std::filesystem::path> mounts() const;
};

// Parses /proc/self/mountinfo text. read_controllers returns the content of a
// cgroup2 mount's cgroup.controllers (injected so tests need no real cgroupfs).
Result<CgroupLayout> parse_cgroup_layout(
    std::string_view mountinfo,
    const std::function<std::string(const std::filesystem::path &)> &read_controllers);

// The running system's layout.
Result<CgroupLayout> detect_cgroup_layout();

}  // namespace cgw
