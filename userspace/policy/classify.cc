#include "cgwarden/policy/classify.h"

#include <algorithm>
#include <span>

#include "cgwarden/common/strings.h"
#include "cgwarden/policy/glob.h"

namespace cgw {

namespace {

bool is_unit(std::string_view name) {
    return name.ends_with(".service") || name.ends_with(".scope") || name.ends_with(".slice");
}

// "kubepods-burstable-pod1b2c_..._ab.slice" (systemd driver) or
// "pod1b2c-...-ab" (cgroupfs driver) -> "1b2c-...-ab".
std::optional<std::string> pod_uid_of(std::string_view component) {
    if (component.ends_with(".slice"))
        component.remove_suffix(6);
    size_t pod = component.rfind("pod");
    if (pod == std::string_view::npos || (pod != 0 && component[pod - 1] != '-'))
        return std::nullopt;
    std::string uid(component.substr(pod + 3));
    if (uid.empty())
        return std::nullopt;
    // systemd forbids '-' inside a slice name's own part, so kubelet writes
    // the uid with '_'.
    std::replace(uid.begin(), uid.end(), '_', '-');
    return uid;
}

// "cri-containerd-<id>.scope", "docker-<id>.scope", "crio-<id>.scope"
// (systemd driver) or a bare "<id>" (cgroupfs driver).
std::optional<std::string> container_id_of(std::string_view component) {
    if (component.ends_with(".scope")) {
        component.remove_suffix(6);
        // CRI-O's conmon monitors a container but is not one.
        if (component.starts_with("crio-conmon-"))
            return std::nullopt;
        size_t dash = component.rfind('-');
        if (dash == std::string_view::npos)
            return std::nullopt;
        component = component.substr(dash + 1);
    }
    bool hex = !component.empty() && std::all_of(component.begin(), component.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
    return hex ? std::optional<std::string>(component) : std::nullopt;
}

// The QoS level named by the component below the kubepods root, if any:
// "burstable" (cgroupfs driver) or, under "kubepods.slice",
// "kubepods-burstable.slice" (systemd driver: child slices repeat the parent's name).
std::optional<QosClass> qos_level_of(std::string_view component, std::string_view root) {
    if (root.ends_with(".slice")) {
        root.remove_suffix(6);
        if (!component.ends_with(".slice") || !component.starts_with(root) ||
            component.substr(root.size()).front() != '-')
            return std::nullopt;
        component = component.substr(root.size() + 1, component.size() - root.size() - 7);
    }
    if (component == "burstable")
        return QosClass::Burstable;
    if (component == "besteffort")
        return QosClass::BestEffort;
    return std::nullopt;
}

bool is_kubepods_root(std::string_view component) {
    // kubelet's --cgroup-root may nest it: "/kubelet.slice/kubelet-kubepods.slice".
    return component == "kubepods" || component == "kubepods.slice" ||
           component.ends_with("-kubepods.slice");
}

// Fills the Kubernetes fields from the components after the kubepods root:
// [qos level], pod, [container]. Pods directly under the root are Guaranteed.
void identify_kubernetes(std::string_view root, std::span<const std::string_view> below,
                         CgroupIdentity &id) {
    if (below.empty())
        return;
    if (auto qos = qos_level_of(below.front(), root)) {
        id.qos_class = qos;
        below = below.subspan(1);
    }
    if (below.empty())
        return;
    id.pod_uid = pod_uid_of(below.front());
    if (!id.pod_uid)
        return;
    if (!id.qos_class)
        id.qos_class = QosClass::Guaranteed;
    if (below.size() > 1)
        id.container_id = container_id_of(below[1]);
}

template <class T>
bool contains(const std::vector<T> &list, const std::optional<T> &value) {
    return value && std::find(list.begin(), list.end(), *value) != list.end();
}

bool matches(const MatchRule &rule, std::string_view path, const CgroupIdentity &id) {
    return std::any_of(rule.path_globs.begin(), rule.path_globs.end(),
                       [&](const std::string &glob) { return glob_match(glob, path); }) ||
           contains(rule.systemd_units, id.systemd_unit) || contains(rule.k8s_qos, id.qos_class) ||
           contains(rule.pod_uids, id.pod_uid);
}

}  // namespace

CgroupIdentity identify(std::string_view path) {
    CgroupIdentity id;
    auto parts = split_nonempty(path, '/');
    for (auto it = parts.rbegin(); it != parts.rend() && !id.systemd_unit; ++it)
        if (is_unit(*it))
            id.systemd_unit = std::string(*it);
    auto root = std::find_if(parts.begin(), parts.end(), is_kubepods_root);
    if (root != parts.end())
        identify_kubernetes(*root, std::span(parts).subspan(root - parts.begin() + 1), id);
    return id;
}

std::optional<size_t> classify(const Policy &policy, std::string_view path) {
    CgroupIdentity id = identify(path);
    std::optional<size_t> best;
    for (size_t i = 0; i < policy.classes.size(); ++i) {
        const ClassPolicy &c = policy.classes[i];
        if ((!best || c.priority > policy.classes[*best].priority) && matches(c.match, path, id))
            best = i;
    }
    if (best || !policy.default_class)
        return best;
    for (size_t i = 0; i < policy.classes.size(); ++i)
        if (policy.classes[i].name == *policy.default_class)
            return i;
    return std::nullopt;
}

}  // namespace cgw
