#include <fmt/format.h>

#include <iostream>

#include "cgwarden/actuator/journal.h"
#include "cgwarden/actuator/restore.h"
#include "cgwarden/cgroup/layout.h"
#include "commands.h"

namespace cgw::cli {

namespace {

struct RestoreArgs {
    std::string state_dir = "/var/lib/cgwarden";
    bool list = false;
    std::string forget;  // a file whose entries are dropped unrestored
    std::string device;  // only this device's entry of `forget`
};

Journal open_journal(const std::string &state_dir) {
    auto journal = Journal::open(state_dir);
    if (!journal)
        throw Failure{journal.error().context("opening the journal").message};
    if (journal->dropped_lines() > 0)
        std::cerr << fmt::format(
            "cgwarden: warning: {} invalid line(s) in {} were ignored (a "
            "write torn by a crash, or damage)\n",
            journal->dropped_lines(), journal->path().string());
    return std::move(journal).value();
}

// Read without taking the journal: works while the daemon runs.
void list_entries(const std::string &state_dir) {
    auto entries = Journal::peek(state_dir);
    if (!entries)
        throw Failure{entries.error().context("reading the journal").message};
    for (const JournalEntry &e : *entries)
        std::cout << fmt::format(
            "{}: restore writes '{}'{}\n", to_string(e.key), e.restore,
            e.written ? fmt::format("; cgwarden last wrote '{}'", *e.written) : std::string());
    if (entries->empty())
        std::cout << fmt::format("{}/journal has no changed knob\n", state_dir);
}

// Drops the entries of a file (one device's, with --device) unrestored:
// for a knob that can never be put back (its disk is gone for good).
void forget(Journal &journal, const RestoreArgs &args) {
    std::vector<JournalKey> keys;
    for (const JournalEntry &e : journal.entries())
        if (e.key.file == args.forget && (args.device.empty() || e.key.device == args.device))
            keys.push_back(e.key);
    if (keys.empty())
        throw Failure{fmt::format("{} has no entry for {}{} (`cgwarden restore --list` shows them)",
                                  journal.path().string(), args.forget,
                                  args.device.empty() ? "" : " device " + args.device)};
    for (const JournalKey &key : keys) {
        if (auto s = journal.record_restored(key); !s)
            throw Failure{s.error().message};
        std::cout << fmt::format("forgot   {}: left as it is\n", to_string(key));
    }
    if (auto s = journal.compact(); !s)
        throw Failure{s.error().message};
}

void run_restore(const RestoreArgs &args) {
    if (args.list)
        return list_entries(args.state_dir);
    Journal journal = open_journal(args.state_dir);
    if (!args.forget.empty())
        return forget(journal, args);
    CgroupLayout layout = or_fail(detect_cgroup_layout(), "cgroups");
    RestoreReport report = restore_all(journal, layout);
    size_t failed = 0;
    for (const RestoreOutcome &o : report.outcomes) {
        switch (o.result) {
            case RestoreOutcome::Result::Restored:
                std::cout << fmt::format("restored {} = '{}'\n", to_string(o.key), o.text);
                break;
            case RestoreOutcome::Result::Gone:
                std::cout << fmt::format("skipped  {}: the cgroup no longer exists\n",
                                         to_string(o.key));
                break;
            case RestoreOutcome::Result::Failed:
                ++failed;
                std::cerr << fmt::format("FAILED   {}: {}\n", to_string(o.key), o.error);
                break;
        }
    }
    if (report.outcomes.empty())
        std::cout << fmt::format("nothing to restore ({} has no changed knob)\n",
                                 journal.path().string());
    if (!report.journal_error.empty())
        throw Failure{report.journal_error};
    if (failed > 0)
        throw Failure{
            fmt::format("{} knob file(s) could not be restored; they stay in the journal "
                        "for the next attempt (--forget FILE drops one that never can)",
                        failed)};
}

}  // namespace

void add_restore_command(CLI::App &app) {
    auto args = std::make_shared<RestoreArgs>();
    auto *cmd = app.add_subcommand(
        "restore",
        "Put back every cgroup knob cgwarden changed, from its journal in the state directory: "
        "what `cgwarden run` does on exit, for after a crash or a kill -9. Cgroups that no "
        "longer exist are skipped. Safe to run again; exit status 1 if a knob could not be "
        "restored (it stays in the journal, and a daemon started meanwhile leaves it alone). "
        "--list shows what is journaled without writing anything; --forget FILE drops the "
        "entries of a file that can never be restored (a disk gone for good), leaving the "
        "file as it is.");
    cmd->add_option("--state-dir", args->state_dir, "Directory of the journal")
        ->capture_default_str();
    auto *list = cmd->add_flag("--list", args->list,
                               "Show every journaled knob: what restore would write back, and "
                               "what cgwarden last wrote");
    auto *forget = cmd->add_option("--forget", args->forget,
                                   "Drop the entries of this file (an absolute path as --list "
                                   "shows it) without restoring them")
                       ->excludes(list);
    cmd->add_option("--device", args->device,
                    "With --forget: only this device's entry (MAJ:MIN) of a per-device file")
        ->needs(forget);
    cmd->callback([args] { run_restore(*args); });
}

}  // namespace cgw::cli
