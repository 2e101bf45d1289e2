#include <fmt/format.h>

#include <iostream>

#include "cgwarden/actuator/journal.h"
#include "cgwarden/actuator/restore.h"
#include "commands.h"

namespace cgw::cli {

namespace {

std::string describe(const JournalKey &key) {
    return key.device.empty() ? key.file : fmt::format("{} (device {})", key.file, key.device);
}

void run_restore(const std::string &state_dir) {
    auto journal = Journal::open(state_dir);
    if (!journal)
        throw Failure{journal.error().context("opening the journal").message};
    if (journal->dropped_lines() > 0)
        std::cerr << fmt::format(
            "cgwarden: warning: {} invalid line(s) in {} were ignored (a "
            "write torn by a crash, or damage)\n",
            journal->dropped_lines(), journal->path().string());
    RestoreReport report = restore_all(*journal);
    size_t failed = 0;
    for (const RestoreOutcome &o : report.outcomes) {
        switch (o.result) {
            case RestoreOutcome::Result::Restored:
                std::cout << fmt::format("restored {} = '{}'\n", describe(o.key), o.text);
                break;
            case RestoreOutcome::Result::Gone:
                std::cout << fmt::format("skipped  {}: the cgroup no longer exists\n",
                                         describe(o.key));
                break;
            case RestoreOutcome::Result::Failed:
                ++failed;
                std::cerr << fmt::format("FAILED   {}: {}\n", describe(o.key), o.error);
                break;
        }
    }
    if (report.outcomes.empty())
        std::cout << fmt::format("nothing to restore ({} has no changed knob)\n",
                                 journal->path().string());
    if (!report.journal_error.empty())
        throw Failure{report.journal_error};
    if (failed > 0)
        throw Failure{
            fmt::format("{} knob file(s) could not be restored; they stay in the journal "
                        "for the next attempt",
                        failed)};
}

}  // namespace

void add_restore_command(CLI::App &app) {
    auto state_dir = std::make_shared<std::string>("/var/lib/cgwarden");
    auto *cmd = app.add_subcommand(
        "restore",
        "Put back every cgroup knob cgwarden changed, from its journal in the state directory: "
        "what `cgwarden run` does on exit, for after a crash or a kill -9. Cgroups that no "
        "longer exist are skipped. Safe to run again; exit status 1 if a knob could not be "
        "restored (it stays in the journal).");
    cmd->add_option("--state-dir", *state_dir, "Directory of the journal")->capture_default_str();
    cmd->callback([state_dir] { run_restore(*state_dir); });
}

}  // namespace cgw::cli
