#include "cgwarden/exporter/cgroup_identity.h"

namespace cgw {

namespace {

const char *kube_state_metrics_name(QosClass qos) {
    switch (qos) {
        case QosClass::Guaranteed:
            return "Guaranteed";
        case QosClass::Burstable:
            return "Burstable";
        case QosClass::BestEffort:
            return "BestEffort";
    }
    return "";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> identity_labels(const CgroupIdentity &id) {
    std::vector<std::pair<std::string, std::string>> labels;
    if (id.systemd_unit)
        labels.emplace_back("unit", *id.systemd_unit);
    if (id.pod_uid)
        labels.emplace_back("pod_uid", *id.pod_uid);
    if (id.container_id)
        labels.emplace_back("container_id", *id.container_id);
    if (id.qos_class)
        labels.emplace_back("qos_class", kube_state_metrics_name(*id.qos_class));
    return labels;
}

}  // namespace cgw
