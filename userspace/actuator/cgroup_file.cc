#include "cgroup_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstring>

#include "cgwarden/common/unique_fd.h"

namespace cgw::actuator {

namespace {

// What an errno from a cgroup file usually means, for the operator.
std::string meaning(int err) {
    switch (err) {
        case EINVAL:
            return " (the kernel refused the value: out of range, or against a parent's limit)";
        case EBUSY:
            return " (the kernel is busy with this cgroup; try again)";
        case EACCES:
        case EPERM:
            return " (not allowed: cgwarden needs root or a delegated cgroup)";
        case ENOENT:
            return " (the cgroup or the file is gone, or the controller is not enabled for it)";
        case EROFS:
            return " (the cgroup file system is mounted read-only, e.g. in a container)";
        default:
            return "";
    }
}

Error failure(const std::string &what, int err) {
    return Error{fmt::format("{}: {}{}", what, std::strerror(err), meaning(err)), err};
}

}  // namespace

Status write_cgroup_file(const std::filesystem::path &path, const std::string &text) {
    // O_TRUNC as the shell's '>' does: cgroupfs ignores it, plain files (as in
    // tests) need it.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (!fd.valid())
        return failure(fmt::format("opening {} to write '{}'", path.string(), text), errno);
    ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n < 0)
        return failure(fmt::format("writing '{}' to {}", text, path.string()), errno);
    if (static_cast<size_t>(n) != text.size())
        return Error{fmt::format("short write of '{}' to {}", text, path.string())};
    return {};
}

}  // namespace cgw::actuator
