// Puts every journaled cgroup file back the way it was before cgwarden
// changed it: on shutdown, on `cgwarden restore`, and at start-up after a
// crash. Idempotent: what is restored leaves the journal.
#pragma once

#include <string>
#include <vector>

#include "cgwarden/actuator/journal.h"
#include "cgwarden/cgroup/layout.h"

namespace cgw {

struct RestoreOutcome {
    enum class Result {
        Restored,  // the original is back
        Gone,      // the cgroup no longer exists: nothing to restore, forgotten
        Failed,    // still changed; kept in the journal for the next attempt
    };
    JournalKey key;
    std::string text;  // what was (or should have been) written back
    Result result = Result::Restored;
    std::string error;  // why, when Failed
};

struct RestoreReport {
    std::vector<RestoreOutcome> outcomes;  // in journal order
    std::string journal_error;             // compaction failed (the restores still count)

    bool ok() const;
};

// Writes each original back in the order the files were first changed (so
// a v1 CFS period goes back before its quota); one failure never stops the
// rest, and each failed file is tried once more after all the others (a
// weight refused while cpu.idle was still set). Then compacts the journal.
// Only files inside one of `layout`'s cgroup mounts are written: an entry
// naming any other path (a journal someone edited) fails, with why, and is
// kept for the operator to look at (`cgwarden restore --list`).
RestoreReport restore_all(Journal &journal, const CgroupLayout &layout);

}  // namespace cgw
