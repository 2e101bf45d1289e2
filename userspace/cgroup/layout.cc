#include "cgwarden/cgroup/layout.h"

#include <algorithm>
#include <sstream>

#include "cgwarden/common/file.h"
#include "cgwarden/common/strings.h"

namespace cgw {

namespace {

std::vector<std::string> split(std::string_view text, char sep) {
    auto parts = split_nonempty(text, sep);
    return {parts.begin(), parts.end()};
}

// mountinfo escapes blanks in paths as octal (\040).
std::string unescape_mount_path(std::string_view raw) {
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 3 < raw.size()) {
            out.push_back(static_cast<char>((raw[i + 1] - '0') * 64 + (raw[i + 2] - '0') * 8 +
                                            (raw[i + 3] - '0')));
            i += 3;
        } else {
            out.push_back(raw[i]);
        }
    }
    return out;
}

}  // namespace

std::string_view to_string(CgroupMode mode) {
    switch (mode) {
        case CgroupMode::V2:
            return "v2";
        case CgroupMode::Hybrid:
            return "hybrid";
        case CgroupMode::V1:
            return "v1";
    }
    return "unknown";
}

std::optional<std::filesystem::path> CgroupLayout::mount_for(const std::string &controller) const {
    if (auto it = v1.find(controller); it != v1.end())
        return it->second;
    if (unified && std::find(unified_controllers.begin(), unified_controllers.end(), controller) !=
                       unified_controllers.end())
        return unified;
    // The cpu controller always exists; unbound from v1 it belongs to cgroup2
    // even before any child enables it.
    if (unified && controller == "cpu" && mode == CgroupMode::V2)
        return unified;
    return std::nullopt;
}

std::filesystem::path CgroupLayout::cpu_ids_mount() const {
    return mount_for("cpu").value_or(unified.value_or("/sys/fs/cgroup"));
}

std::vector<std::filesystem::path> CgroupLayout::mounts() const {
    std::vector<std::filesystem::path> out;
    auto add = [&](const std::filesystem::path &p) {
        if (std::find(out.begin(), out.end(), p) == out.end())
            out.push_back(p);
    };
    if (auto cpu = mount_for("cpu"))
        add(*cpu);
    for (const auto &[controller, mount] : v1)
        add(mount);
    if (unified)
        add(*unified);
    return out;
}

Result<CgroupLayout> parse_cgroup_layout(
    std::string_view mountinfo,
    const std::function<std::string(const std::filesystem::path &)> &read_controllers) {
    CgroupLayout layout;
    std::istringstream lines{std::string(mountinfo)};
    std::string line;
    while (std::getline(lines, line)) {
        // "<id> <parent> <maj:min> <root> <mount point> <opts> [optional...] - <fstype> <source>
        // <superopts>"
        auto fields = split(line, ' ');
        auto dash = std::find(fields.begin(), fields.end(), "-");
        if (fields.size() < 5 || dash == fields.end() || std::distance(dash, fields.end()) < 4)
            continue;
        const std::string &fstype = *(dash + 1);
        std::filesystem::path mount = unescape_mount_path(fields[4]);
        if (fstype == "cgroup2") {
            if (!layout.unified) {
                layout.unified = mount;
                layout.unified_controllers = split(read_controllers(mount), ' ');
                for (auto &c : layout.unified_controllers)
                    c.erase(std::remove(c.begin(), c.end(), '\n'), c.end());
            }
        } else if (fstype == "cgroup") {
            for (const auto &opt : split(*(dash + 3), ',')) {
                // Named hierarchies (name=systemd) and mount flags hold no controller.
                if (opt == "rw" || opt == "ro" || opt.find('=') != std::string::npos ||
                    opt == "noprefix" || opt == "clone_children" || opt == "xattr" ||
                    opt == "cpuset_v2_mode" || opt == "favordynmods")
                    continue;
                layout.v1.emplace(opt, mount);
            }
        }
    }
    if (!layout.unified && layout.v1.empty())
        return Error{"no cgroup hierarchy is mounted (neither cgroup2 nor cgroup v1 controllers)"};
    layout.mode = layout.v1.empty() ? CgroupMode::V2
                  : layout.unified  ? CgroupMode::Hybrid
                                    : CgroupMode::V1;
    return layout;
}

Result<CgroupLayout> detect_cgroup_layout() {
    auto mountinfo = read_file("/proc/self/mountinfo");
    if (!mountinfo)
        return mountinfo.error().context("detecting the cgroup layout");
    return parse_cgroup_layout(*mountinfo, [](const std::filesystem::path &mount) {
        auto text = read_file(mount / "cgroup.controllers");
        return text ? *text : std::string{};
    });
}

}  // namespace cgw
