#include "cgwarden/exporter/cgroup_identity.h"

#include <algorithm>
#include <array>
#include <vector>

namespace cgw {

namespace {

std::vector<std::string_view> components(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
        size_t slash = path.find('/');
        std::string_view part = path.substr(0, slash);
        if (!part.empty())
            out.push_back(part);
        if (slash == std::string_view::npos)
            break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

std::string_view strip_suffix(std::string_view s, std::string_view suffix) {
    if (s.ends_with(suffix))
        s.remove_suffix(suffix.size());
    return s;
}

bool is_unit(std::string_view name) {
    constexpr std::array<std::string_view, 6> kUnitTypes = {".service", ".scope", ".slice",
                                                            ".socket",  ".mount", ".swap"};
    return std::any_of(kUnitTypes.begin(), kUnitTypes.end(),
                       [&](std::string_view type) { return name.ends_with(type); });
}

// "kubepods-burstable.slice" / "burstable" -> "Burstable"; empty when not a QoS level.
std::string qos_of(std::string_view name) {
    name = strip_suffix(name, ".slice");
    if (name.starts_with("kubepods-"))
        name.remove_prefix(std::string_view("kubepods-").size());
    if (name == "burstable")
        return "Burstable";
    if (name == "besteffort")
        return "BestEffort";
    return {};
}

// "kubepods-burstable-pod1f0c_ab.slice" (systemd) or "pod1f0c-ab" (cgroupfs) -> "1f0c-ab".
std::string pod_uid_of(std::string_view name) {
    name = strip_suffix(name, ".slice");
    size_t at = name.rfind("pod");
    if (at == std::string_view::npos || (at != 0 && name[at - 1] != '-'))
        return {};
    std::string uid(name.substr(at + 3));
    std::replace(uid.begin(), uid.end(), '_', '-');
    return uid;
}

// "cri-containerd-<id>.scope", "crio-<id>.scope", "docker-<id>.scope" or a
// bare "<id>" (cgroupfs driver) -> "<id>".
std::string container_id_of(std::string_view name) {
    name = strip_suffix(name, ".scope");
    if (size_t dash = name.rfind('-'); dash != std::string_view::npos)
        name.remove_prefix(dash + 1);
    return std::string(name);
}

}  // namespace

CgroupIdentity identify_from_path(std::string_view path) {
    CgroupIdentity id;
    std::vector<std::string_view> parts = components(path);
    for (std::string_view part : parts) {
        if (is_unit(part))
            id.unit = std::string(part);
    }
    auto kubepods = std::find_if(parts.begin(), parts.end(), [](std::string_view p) {
        return p == "kubepods" || p == "kubepods.slice" || p.ends_with("-kubepods.slice");
    });
    if (kubepods == parts.end())
        return id;
    auto next = std::next(kubepods);
    if (next != parts.end()) {
        if (std::string qos = qos_of(*next); !qos.empty()) {
            id.qos_class = std::move(qos);
            ++next;
        }
    }
    if (next == parts.end() || (id.pod_uid = pod_uid_of(*next)).empty())
        return id;
    if (id.qos_class.empty())
        id.qos_class = "Guaranteed";  // pods without a QoS level above them
    if (++next != parts.end())
        id.container_id = container_id_of(*next);
    return id;
}

}  // namespace cgw
