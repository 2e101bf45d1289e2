// Which class a cgroup belongs to. The identity of a cgroup (systemd unit,
// Kubernetes pod and container) is read from its path alone, so it works the
// same for cgroups cgwarden sees for the first time and for recorded data.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "cgwarden/policy/policy.h"

namespace cgw {

struct CgroupIdentity {
    // The last component that is a systemd unit (*.service, *.scope, *.slice).
    std::optional<std::string> systemd_unit;
    // Kubernetes, from kubepods paths of the systemd and cgroupfs drivers.
    std::optional<QosClass> qos_class;
    std::optional<std::string> pod_uid;       // with dashes, as the API server writes it
    std::optional<std::string> container_id;  // the runtime's id (64 hex digits)
};

// `path` is relative to the hierarchy root: "/kubepods.slice/...".
CgroupIdentity identify(std::string_view path);

// Index in policy.classes of the class the cgroup belongs to: the matching
// class with the highest priority (the first in the file on a tie), else the
// default class, else nothing.
std::optional<size_t> classify(const Policy &policy, std::string_view path);

}  // namespace cgw
