#include "cgwarden/actuator/restore.h"

#include <fmt/format.h>

#include <algorithm>

#include "cgroup_file.h"

namespace cgw {

bool RestoreReport::ok() const {
    return journal_error.empty() &&
           std::none_of(outcomes.begin(), outcomes.end(), [](const RestoreOutcome &o) {
               return o.result == RestoreOutcome::Result::Failed;
           });
}

namespace {

// Whether `file` lies inside one of the cgroup mounts, lexically: a
// journal's path with ".." in it, or elsewhere, is no knob of cgwarden's.
bool in_cgroup_mount(const std::filesystem::path &file, const CgroupLayout &layout) {
    if (!file.is_absolute())
        return false;
    for (const auto &part : file)
        if (part == "..")
            return false;
    for (const std::filesystem::path &mount : layout.mounts()) {
        auto rel = file.lexically_relative(mount);
        if (!rel.empty() && *rel.begin() != ".." && rel != ".")
            return true;
    }
    return false;
}

RestoreOutcome restore_one(Journal &journal, const JournalEntry &entry,
                           const CgroupLayout &layout) {
    RestoreOutcome outcome{entry.key, entry.restore, RestoreOutcome::Result::Restored, {}};
    std::filesystem::path file(entry.key.file);
    std::error_code ec;
    if (!in_cgroup_mount(file, layout)) {
        outcome.result = RestoreOutcome::Result::Failed;
        outcome.error = fmt::format(
            "{} is not inside a cgroup file system mounted here; cgwarden writes nothing else "
            "(was the journal edited?)",
            file.string());
        return outcome;
    }
    if (!std::filesystem::is_directory(file.parent_path(), ec)) {
        outcome.result = RestoreOutcome::Result::Gone;
    } else if (auto s = actuator::write_cgroup_file(file, entry.restore); !s) {
        outcome.result = RestoreOutcome::Result::Failed;
        outcome.error = s.error().message;
    }
    if (outcome.result != RestoreOutcome::Result::Failed) {
        if (auto s = journal.record_restored(entry.key); !s) {
            outcome.result = RestoreOutcome::Result::Failed;
            outcome.error = s.error().message;
        }
    }
    return outcome;
}

}  // namespace

RestoreReport restore_all(Journal &journal, const CgroupLayout &layout) {
    RestoreReport report;
    // Copied: recording a restore removes the entry from the journal's list.
    std::vector<JournalEntry> entries = journal.entries();
    std::vector<size_t> failed;
    for (const JournalEntry &entry : entries) {
        report.outcomes.push_back(restore_one(journal, entry, layout));
        if (report.outcomes.back().result == RestoreOutcome::Result::Failed)
            failed.push_back(report.outcomes.size() - 1);
    }
    // A file the kernel refused may accept its original once the others are
    // back: a weight written while cpu.idle was still set, when the weight
    // was journaled first.
    for (size_t i : failed)
        report.outcomes[i] = restore_one(journal, entries[i], layout);
    if (auto s = journal.compact(); !s)
        report.journal_error = s.error().message;
    return report;
}

}  // namespace cgw
