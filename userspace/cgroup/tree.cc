#include "cgwarden/cgroup/tree.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "cgwarden/common/unique_fd.h"

namespace cgw {

namespace {

std::optional<uint64_t> inode_of(const std::filesystem::path &dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return std::nullopt;
    return static_cast<uint64_t>(st.st_ino);
}

bool has_tasks(const std::filesystem::path &dir) {
    for (const char *file : {"cgroup.threads", "tasks"}) {
        UniqueFd fd(::open((dir / file).c_str(), O_RDONLY | O_CLOEXEC));
        char c;
        if (fd.valid())
            return ::read(fd.get(), &c, 1) == 1;
    }
    return false;
}

}  // namespace

size_t count_cgroups_with_tasks(const CgroupTree &tree) {
    return std::ranges::count_if(tree.paths_by_id(), [&](const auto &entry) {
        return has_tasks(tree.mount() / std::filesystem::path(entry.second).relative_path());
    });
}

std::string relative_cgroup_path(const std::filesystem::path &mount,
                                 const std::filesystem::path &dir) {
    std::string rel = dir.lexically_relative(mount).generic_string();
    if (rel.empty() || rel == ".")
        return "/";
    return "/" + rel;
}

CgroupTree::CgroupTree(std::filesystem::path mount) : mount_(std::move(mount)) {
    rescan();
}

std::optional<std::string> CgroupTree::path_of(uint64_t id) {
    if (auto it = paths_.find(id); it != paths_.end())
        return it->second;
    if (missing_since_rescan_.count(id))
        return std::nullopt;
    rescan();
    if (auto it = paths_.find(id); it != paths_.end())
        return it->second;
    missing_since_rescan_.insert(id);
    return std::nullopt;
}

std::optional<uint64_t> CgroupTree::id_of(const std::string &relative_path) const {
    return inode_of(mount_ / std::filesystem::path(relative_path).relative_path());
}

void CgroupTree::rescan() {
    paths_.clear();
    missing_since_rescan_.clear();
    if (auto root = inode_of(mount_))
        paths_.try_emplace(*root, 1, '/');
    std::error_code ec;
    auto options = std::filesystem::directory_options::skip_permission_denied;
    for (auto it = std::filesystem::recursive_directory_iterator(mount_, options, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        // Cgroups come and go during the walk; a vanished one is simply skipped.
        if (!it->is_directory(ec) || it->is_symlink(ec))
            continue;
        if (auto id = inode_of(it->path()))
            paths_[*id] = relative_cgroup_path(mount_, it->path());
    }
}

}  // namespace cgw
