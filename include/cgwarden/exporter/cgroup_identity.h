// What a cgroup's path says about the workload in it, as labels: the systemd
// unit, and for Kubernetes pods the pod's UID, its QoS class and the
// container's id, read by policy classification's identify(). Exported so
// dashboards join cgwarden's series with kube-state-metrics and systemd's.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cgwarden/policy/classify.h"

namespace cgw {

using IdentifyCgroup = std::function<CgroupIdentity(const std::string &path)>;

inline CgroupIdentity identify_by_path(const std::string &path) {
    return identify(path);
}

// (label, value) for each part of the identity the path gives, in the order
// unit, pod_uid, container_id, qos_class; the QoS class is spelt as
// kube-state-metrics spells it ("Burstable").
std::vector<std::pair<std::string, std::string>> identity_labels(const CgroupIdentity &id);

}  // namespace cgw
