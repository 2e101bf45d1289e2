// Crash-safe record of every cgroup file cgwarden changed: the write that
// restores the file, recorded (and fsync'd) BEFORE the first change, and
// what the file held after our last change, to notice when someone else
// changes it. Append-only text lines, each with a CRC-32, so a line torn by
// a crash is recognised and dropped; rewritten compactly when knobs are
// restored. One process at a time holds it (flock).
#pragma once

#include <compare>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cgwarden/common/result.h"
#include "cgwarden/common/unique_fd.h"

namespace cgw {

// One knob's part of one cgroup file.
struct JournalKey {
    std::string file;    // absolute path: restore needs no cgroup layout
    std::string device;  // "MAJ:MIN" for a per-device line, "" for the file
    auto operator<=>(const JournalKey &) const = default;
};

// "/sys/fs/cgroup/a/io.max (device 8:0)", for messages.
std::string to_string(const JournalKey &key);

// Why a held entry's file is not touched (Journal::hold), for messages.
Error held_error(const JournalKey &key);

struct JournalEntry {
    JournalKey key;
    std::string restore;                 // written back by restore
    std::optional<std::string> written;  // the file's slice after our last write
};

class Journal {
  public:
    // Opens <state_dir>/journal (creating both) and replays it. Lines after
    // the last valid one (a write torn by a crash) are cut off, so new
    // records start on a clean line.
    static Result<Journal> open(const std::filesystem::path &state_dir);

    // The live entries of the journal in `state_dir`, read without taking
    // it (a running daemon holds it): for `cgwarden restore --list`.
    static Result<std::vector<JournalEntry>> peek(const std::filesystem::path &state_dir);

    const std::filesystem::path &path() const { return path_; }
    // Entries not yet restored, in the order they were first journaled.
    const std::vector<JournalEntry> &entries() const { return entries_; }
    const JournalEntry *find(const JournalKey &key) const;
    // Invalid lines skipped when the journal was opened.
    size_t dropped_lines() const { return dropped_lines_; }

    // Sets what restore writes back and forgets any write of ours (also how
    // an external change is adopted as the new original).
    Status record_original(const JournalKey &key, const std::string &restore);
    Status record_written(const JournalKey &key, const std::string &slice);
    // The file is back to its original (or gone): the entry is done. Also
    // how `cgwarden restore --forget` drops an entry that can never apply.
    Status record_restored(const JournalKey &key);

    // An entry an earlier run left that could not be restored: the file's
    // state is unknown and its original is the journal's, so no write of
    // this process may touch it (KnobIo and io.cost refuse) until it is
    // restored or forgotten. In memory: each start judges afresh.
    void hold(const JournalKey &key) { held_.insert(key); }
    bool held(const JournalKey &key) const { return held_.count(key) > 0; }

    // Rewrites the file with the live entries only (empty when all are
    // restored), atomically: temporary file, fsync, rename, fsync directory.
    Status compact();

  private:
    Journal(std::filesystem::path path, UniqueFd fd, UniqueFd lock)
        : path_(std::move(path)), fd_(std::move(fd)), lock_(std::move(lock)) {}
    Status append(const std::string &op, const JournalKey &key, const std::string &value);
    // Applies the text's valid records; returns the offset after the last.
    size_t replay(const std::string &text);
    void apply(const std::string &op, const JournalKey &key, const std::string &value);

    std::filesystem::path path_;
    UniqueFd fd_;
    UniqueFd lock_;  // <state_dir>/journal.lock, flock'd while open
    std::vector<JournalEntry> entries_;
    std::set<JournalKey> held_;
    size_t dropped_lines_ = 0;
};

}  // namespace cgw
