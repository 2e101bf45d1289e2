#include "cgwarden/actuator/journal.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>

#include "cgwarden/common/file.h"
#include "cgwarden/common/strings.h"

namespace cgw {

namespace {

constexpr const char *kOriginal = "original";
constexpr const char *kWritten = "written";
constexpr const char *kRestored = "restored";

// Fields are separated by blanks and records by newlines, so both (and '%')
// are escaped as %XX; "-" stands for the empty string.
std::string escape(std::string_view s) {
    if (s.empty())
        return "-";
    if (s == "-")
        return "%2D";
    std::string out;
    for (unsigned char c : s) {
        if (c <= ' ' || c == '%' || c >= 0x7f)
            out += fmt::format("%{:02X}", c);
        else
            out.push_back(static_cast<char>(c));
    }
    return out;
}

std::optional<std::string> unescape(std::string_view s) {
    if (s == "-")
        return std::string();
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        unsigned value = 0;
        if (i + 2 >= s.size() ||
            std::sscanf(std::string(s.substr(i + 1, 2)).c_str(), "%2X", &value) != 1)
            return std::nullopt;
        out.push_back(static_cast<char>(value));
        i += 2;
    }
    return out;
}

uint32_t checksum(std::string_view body) {
    return static_cast<uint32_t>(
        ::crc32(0, reinterpret_cast<const Bytef *>(body.data()), static_cast<uInt>(body.size())));
}

// "<crc32> <op> <file> <device> <value>\n"; the checksum covers the rest.
std::string format_record(const std::string &op, const JournalKey &key, const std::string &value) {
    std::string body =
        fmt::format("{} {} {} {}", op, escape(key.file), escape(key.device), escape(value));
    return fmt::format("{:08x} {}\n", checksum(body), body);
}

struct Record {
    std::string op;
    JournalKey key;
    std::string value;
};

std::optional<Record> parse_record(std::string_view line) {
    if (line.size() < 10 || line[8] != ' ')
        return std::nullopt;
    std::string_view body = line.substr(9);
    unsigned crc = 0;
    if (std::sscanf(std::string(line.substr(0, 8)).c_str(), "%8x", &crc) != 1 ||
        crc != checksum(body))
        return std::nullopt;
    auto fields = split_nonempty(body, ' ');
    if (fields.size() != 4)
        return std::nullopt;
    auto file = unescape(fields[1]);
    auto device = unescape(fields[2]);
    auto value = unescape(fields[3]);
    if (!file || !device || !value)
        return std::nullopt;
    return Record{std::string(fields[0]), {*file, *device}, *value};
}

Status fsync_dir(const std::filesystem::path &dir) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid() || ::fsync(fd.get()) != 0)
        return Error::from_errno("syncing directory " + dir.string());
    return {};
}

Status write_all_synced(int fd, const std::string &text, const std::filesystem::path &path) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0)
        return Error::from_errno("appending to " + path.string());
    if (static_cast<size_t>(n) != text.size())
        return Error{"short write to " + path.string()};
    if (::fsync(fd) != 0)
        return Error::from_errno("syncing " + path.string());
    return {};
}

UniqueFd open_for_append(const std::filesystem::path &path) {
    return UniqueFd(
        ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
}

}  // namespace

namespace {

// The journal says what restore writes where: a state directory that
// another user can write to, or a symlink to one, would let them choose.
Status check_state_dir(const std::filesystem::path &dir) {
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0)
        return Error::from_errno("checking state directory " + dir.string());
    if (!S_ISDIR(st.st_mode))
        return Error{fmt::format(
            "state directory {} is not a directory (a symlink?): the journal says what restore "
            "writes where, so it must live in a directory of cgwarden's own",
            dir.string())};
    if (st.st_uid != ::geteuid())
        return Error{fmt::format(
            "state directory {} belongs to uid {}, not to cgwarden's uid {}: the journal says "
            "what restore writes where; chown {} {}",
            dir.string(), st.st_uid, ::geteuid(), ::geteuid(), dir.string())};
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return Error{fmt::format(
            "state directory {} is writable by group or others (mode {:04o}): the journal says "
            "what restore writes where; chmod go-w {}",
            dir.string(), st.st_mode & 07777, dir.string())};
    return {};
}

}  // namespace

Result<Journal> Journal::open(const std::filesystem::path &state_dir) {
    std::error_code ec;
    if (std::filesystem::create_directories(state_dir, ec)) {
        ::chmod(state_dir.c_str(), 0700);
        if (auto s = fsync_dir(state_dir.parent_path()); !s)
            return s.error();
    } else if (ec) {
        return Error{
            fmt::format("creating state directory {}: {}", state_dir.string(), ec.message())};
    }
    if (auto s = check_state_dir(state_dir); !s)
        return s.error();
    auto lock_path = state_dir / "journal.lock";
    UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!lock.valid())
        return Error::from_errno("opening " + lock_path.string());
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0)
        return errno == EWOULDBLOCK
                   ? Error{fmt::format("{} is in use by another cgwarden process (stop it "
                                       "first: the daemon restores its knobs on exit)",
                                       (state_dir / "journal").string())}
                   : Error::from_errno("locking " + lock_path.string());

    auto path = state_dir / "journal";
    bool existed = std::filesystem::exists(path);
    UniqueFd fd = open_for_append(path);
    if (!fd.valid())
        return Error::from_errno("opening " + path.string());
    if (!existed)
        if (auto s = fsync_dir(state_dir); !s)
            return s.error();
    auto text = read_file(path);
    if (!text)
        return text.error();

    Journal journal(path, std::move(fd), std::move(lock));
    size_t valid_end = journal.replay(*text);
    if (valid_end < text->size()) {
        if (::ftruncate(journal.fd_.get(), static_cast<off_t>(valid_end)) != 0 ||
            ::fsync(journal.fd_.get()) != 0)
            return Error::from_errno("cutting the torn end off " + path.string());
    }
    return journal;
}

size_t Journal::replay(const std::string &text) {
    size_t valid_end = 0;  // offset just after the last valid record
    size_t start = 0;
    while (start < text.size()) {
        size_t newline = text.find('\n', start);
        if (newline == std::string::npos)
            break;  // no newline: the last write was torn
        auto record = parse_record(std::string_view(text).substr(start, newline - start));
        if (record) {
            apply(record->op, record->key, record->value);
            valid_end = newline + 1;
        } else {
            ++dropped_lines_;
        }
        start = newline + 1;
    }
    if (start < text.size())
        ++dropped_lines_;  // the torn last line
    return valid_end;
}

Result<std::vector<JournalEntry>> Journal::peek(const std::filesystem::path &state_dir) {
    if (auto s = check_state_dir(state_dir); !s)
        return s.error();
    auto path = state_dir / "journal";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return std::vector<JournalEntry>{};
    auto text = read_file(path);
    if (!text)
        return text.error();
    Journal journal(path, UniqueFd(), UniqueFd());
    journal.replay(*text);
    return journal.entries_;
}

const JournalEntry *Journal::find(const JournalKey &key) const {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const JournalEntry &e) { return e.key == key; });
    return it == entries_.end() ? nullptr : &*it;
}

void Journal::apply(const std::string &op, const JournalKey &key, const std::string &value) {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const JournalEntry &e) { return e.key == key; });
    if (op == kOriginal) {
        if (it == entries_.end())
            entries_.push_back({key, value, std::nullopt});
        else
            *it = {key, value, std::nullopt};
    } else if (op == kWritten && it != entries_.end()) {
        it->written = value;
    } else if (op == kRestored && it != entries_.end()) {
        entries_.erase(it);
    }
}

std::string to_string(const JournalKey &key) {
    return key.device.empty() ? key.file : fmt::format("{} (device {})", key.file, key.device);
}

Error held_error(const JournalKey &key) {
    return Error{fmt::format(
        "{} was left changed by an earlier run and could not be restored: cgwarden leaves it "
        "alone until `cgwarden restore` puts it back (or `cgwarden restore --forget` drops it)",
        to_string(key))};
}

Status Journal::append(const std::string &op, const JournalKey &key, const std::string &value) {
    if (auto s = write_all_synced(fd_.get(), format_record(op, key, value), path_); !s)
        return s.error().context("journaling " + key.file);
    apply(op, key, value);
    return {};
}

Status Journal::record_original(const JournalKey &key, const std::string &restore) {
    return append(kOriginal, key, restore);
}

Status Journal::record_written(const JournalKey &key, const std::string &slice) {
    return append(kWritten, key, slice);
}

Status Journal::record_restored(const JournalKey &key) {
    if (auto s = append(kRestored, key, ""); !s)
        return s;
    held_.erase(key);
    return {};
}

Status Journal::compact() {
    std::string text;
    for (const JournalEntry &e : entries_) {
        text += format_record(kOriginal, e.key, e.restore);
        if (e.written)
            text += format_record(kWritten, e.key, *e.written);
    }
    auto tmp = path_;
    tmp += ".tmp";
    {
        UniqueFd fd(
            ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!fd.valid())
            return Error::from_errno("creating " + tmp.string());
        if (auto s = write_all_synced(fd.get(), text, tmp); !s)
            return s.error();
    }
    if (::rename(tmp.c_str(), path_.c_str()) != 0)
        return Error::from_errno("replacing " + path_.string());
    if (auto s = fsync_dir(path_.parent_path()); !s)
        return s.error();
    fd_ = open_for_append(path_);
    if (!fd_.valid())
        return Error::from_errno("reopening " + path_.string());
    return {};
}

}  // namespace cgw
