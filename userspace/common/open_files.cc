#include "cgwarden/common/open_files.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include "cgwarden/common/file.h"

namespace cgw {

namespace {

// The whole file from offset 0; errno set on failure. A read shorter than
// the buffer is the end: a cgroup file is formatted afresh on every read at
// a new offset, so asking again only to be told "end of file" costs a
// second formatting (a third of the read).
bool pread_all(int fd, std::string &text) {
    char buf[8192];
    for (off_t at = 0;;) {
        ssize_t n = ::pread(fd, buf, sizeof buf, at);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        text.append(buf, static_cast<size_t>(n));
        if (static_cast<size_t>(n) < sizeof buf)
            return true;
        at += n;
    }
}

}  // namespace

Result<std::string> OpenFiles::read(const std::filesystem::path &path) {
    auto [kept, added] = fds_.try_emplace(path.native());
    std::string text;
    if (!added) {
        if (pread_all(kept->second.get(), text))
            return text;
        text.clear();
    }
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        auto error = Error::from_errno("opening " + path.string());
        fds_.erase(kept);
        return error;
    }
    if (!pread_all(fd.get(), text)) {
        auto error = Error::from_errno("reading " + path.string());
        fds_.erase(kept);
        return error;
    }
    if (fds_.size() > capacity_) {
        fds_.clear();
        return text;
    }
    kept->second = std::move(fd);
    return text;
}

Result<std::string> read_file(const std::filesystem::path &path, OpenFiles *files) {
    return files ? files->read(path) : read_file(path);
}

size_t open_files_budget(size_t spare, size_t most) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 0;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max == RLIM_INFINITY
                              ? std::max<rlim_t>(limit.rlim_cur, most + spare)
                              : limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
            limit = raised;
    }
    if (limit.rlim_cur == RLIM_INFINITY)
        return most;
    return limit.rlim_cur > spare ? std::min<size_t>(most, limit.rlim_cur - spare) : 0;
}

}  // namespace cgw
