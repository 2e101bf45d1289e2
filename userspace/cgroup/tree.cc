#include "cgwarden/cgroup/tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "cgwarden/common/unique_fd.h"

namespace cgw {

namespace {

template <class Id = uint64_t>
std::optional<Id> inode_of(const std::filesystem::path &dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return std::nullopt;
    return Id(static_cast<uint64_t>(st.st_ino));
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

// Depth first, one open directory per level. Cgroups come and go during the
// walk: one that vanished (or cannot be opened) is skipped with its subtree.
template <class Id>
void walk(UniqueFd dir, std::string &path, std::map<Id, std::string> &paths) {
    DIR *stream = ::fdopendir(dir.get());
    if (!stream)
        return;
    int fd = dir.release();  // the stream owns it now
    const size_t length = path.size();
    while (const dirent *entry = ::readdir(stream)) {
        if ((entry->d_type != DT_DIR && entry->d_type != DT_UNKNOWN) ||
            std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0)
            continue;
        UniqueFd child(
            ::openat(fd, entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        struct stat st {};
        if (!child.valid() || ::fstat(child.get(), &st) != 0)
            continue;
        path.append(1, '/').append(entry->d_name);
        paths[Id(static_cast<uint64_t>(st.st_ino))] = path;
        walk(std::move(child), path, paths);
        path.resize(length);
    }
    ::closedir(stream);
}

}  // namespace

size_t count_cgroups_with_tasks(const CpuCgroupTree &tree) {
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

template <class Id>
CgroupTree<Id>::CgroupTree(std::filesystem::path mount) : mount_(std::move(mount)) {
    rescan();
}

template <class Id>
std::optional<std::string> CgroupTree<Id>::path_of(Id id) {
    if (auto it = paths_.find(id); it != paths_.end())
        return it->second;
    if (following_ && !stale_)
        return std::nullopt;
    if (missing_since_rescan_.count(id))
        return std::nullopt;
    rescan();
    if (auto it = paths_.find(id); it != paths_.end())
        return it->second;
    missing_since_rescan_.insert(id);
    return std::nullopt;
}

template <class Id>
std::optional<Id> CgroupTree<Id>::id_of(const std::string &relative_path) const {
    return inode_of<Id>(mount_ / std::filesystem::path(relative_path).relative_path());
}

template <class Id>
void CgroupTree<Id>::rescan() {
    ++generation_;
    paths_.clear();
    missing_since_rescan_.clear();
    stale_ = false;
    UniqueFd root(::open(mount_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct stat st {};
    if (!root.valid() || ::fstat(root.get(), &st) != 0)
        return;
    paths_.try_emplace(Id(static_cast<uint64_t>(st.st_ino)), 1, '/');
    std::string path;
    walk(std::move(root), path, paths_);
}

template <class Id>
void CgroupTree<Id>::apply(const CgroupEvent &event) {
    switch (event.kind) {
        case CgroupEvent::Kind::Made:
            // Only if it is this hierarchy's, and still there: a cgroup removed
            // since leaves an rmdir behind it, one made again at the path has an
            // event of its own.
            if (inode_of(mount_ / std::filesystem::path(event.path).relative_path()) == event.id) {
                paths_[Id(event.id)] = event.path;
                missing_since_rescan_.erase(Id(event.id));
                ++generation_;
            }
            break;
        case CgroupEvent::Kind::Removed:
            if (auto it = paths_.find(Id(event.id));
                it != paths_.end() && it->second == event.path) {
                paths_.erase(it);
                ++generation_;
            }
            break;
        case CgroupEvent::Kind::Renamed:
            stale_ = true;
            break;
    }
}

template <class Id>
void CgroupTree<Id>::refresh() {
    if (!following_ || stale_)
        rescan();
}

template class CgroupTree<CpuCgroupId>;
template class CgroupTree<IoCgroupId>;
template class CgroupTree<NetCgroupId>;

}  // namespace cgw
