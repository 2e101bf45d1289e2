#include "cgwarden/actuator/restore.h"

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

RestoreOutcome restore_one(Journal &journal, const JournalEntry &entry) {
    RestoreOutcome outcome{entry.key, entry.restore, RestoreOutcome::Result::Restored, {}};
    std::filesystem::path file(entry.key.file);
    std::error_code ec;
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

RestoreReport restore_all(Journal &journal) {
    RestoreReport report;
    // Copied: recording a restore removes the entry from the journal's list.
    std::vector<JournalEntry> entries = journal.entries();
    std::vector<size_t> failed;
    for (const JournalEntry &entry : entries) {
        report.outcomes.push_back(restore_one(journal, entry));
        if (report.outcomes.back().result == RestoreOutcome::Result::Failed)
            failed.push_back(report.outcomes.size() - 1);
    }
    // A file the kernel refused may accept its original once the others are
    // back: a weight written while cpu.idle was still set, when the weight
    // was journaled first.
    for (size_t i : failed)
        report.outcomes[i] = restore_one(journal, entries[i]);
    if (auto s = journal.compact(); !s)
        report.journal_error = s.error().message;
    return report;
}

}  // namespace cgw
