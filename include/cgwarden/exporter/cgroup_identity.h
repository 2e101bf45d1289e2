// What a cgroup's path says about the workload in it: the systemd unit, and
// for Kubernetes pods (systemd and cgroupfs cgroup drivers) the pod's UID, its
// QoS class and the container's id. Exported as labels so dashboards join
// cgwarden's series with kube-state-metrics and systemd's.
//
// identify_from_path is deliberately minimal; the exporter takes any
// IdentifyCgroup, so a fuller parser (policy classification's own) replaces
// it without touching the exporter.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace cgw {

struct CgroupIdentity {
    std::string unit;          // "kubelet.service"; the innermost unit of the path
    std::string pod_uid;       // "1f0c...-..."; dashes, as the API server spells it
    std::string container_id;  // runtime's id without prefix or suffix
    std::string qos_class;     // "Guaranteed", "Burstable", "BestEffort" (kube-state-metrics)
};

using IdentifyCgroup = std::function<CgroupIdentity(const std::string &path)>;

CgroupIdentity identify_from_path(std::string_view path);

}  // namespace cgw
