#include "cgwarden/common/file.h"

#include <fcntl.h>
#include <unistd.h>

#include "cgwarden/common/unique_fd.h"

namespace cgw {

Result<std::string> read_file(const std::filesystem::path &path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0)
        return Error::from_errno("opening " + path.string());
    std::string text;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return Error::from_errno("reading " + path.string());
        }
        if (n == 0)
            break;
        text.append(buf, static_cast<size_t>(n));
    }
    return text;
}

Status write_file(const std::filesystem::path &path, const std::string &text) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0)
        return Error::from_errno("opening " + path.string() + " for writing");
    ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n < 0)
        return Error::from_errno("writing '" + text + "' to " + path.string());
    if (static_cast<size_t>(n) != text.size())
        return Error{"short write of '" + text + "' to " + path.string()};
    return {};
}

}  // namespace cgw
