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

RestoreReport restore_all(Journal &journal) {
    RestoreReport report;
    // Copied: recording a restore removes the entry from the journal's list.
    std::vector<JournalEntry> entries = journal.entries();
    for (const JournalEntry &entry : entries) {
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
        report.outcomes.push_back(std::move(outcome));
    }
    if (auto s = journal.compact(); !s)
        report.journal_error = s.error().message;
    return report;
}

}  // namespace cgw
