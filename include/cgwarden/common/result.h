// Errors as values: every failure carries the context of what was being done.
#pragma once

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace cgw {

struct Error {
    std::string message;
    // The errno of the system call that failed; 0 where none did (a parse
    // error, a value out of range). Callers tell "gone" (ENOENT, ENODEV)
    // from "not allowed" (EACCES, EPERM) by it, never by the words.
    int code = 0;

    // Prefixes what was being attempted: "reading /x/cpu.stat: No such file".
    // The code stays.
    Error context(const std::string &what) const { return Error{what + ": " + message, code}; }

    static Error from_errno(const std::string &what, int err = errno) {
        return Error{what + ": " + std::strerror(err), err};
    }
};

template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<0>(v_); }
    const T &value() const & { return std::get<0>(v_); }
    T &&value() && { return std::get<0>(std::move(v_)); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }

    const Error &error() const { return std::get<1>(v_); }

  private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : error_(std::move(error)) {}

    bool ok() const { return !error_; }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return *error_; }

  private:
    std::optional<Error> error_;
};

using Status = Result<void>;

}  // namespace cgw
