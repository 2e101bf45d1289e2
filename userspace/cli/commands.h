// Each subcommand registers its options and its action on the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/common/result.h"

namespace cgw::cli {

void add_snapshot_command(CLI::App &app);
void add_probe_command(CLI::App &app);
void add_check_config_command(CLI::App &app);
void add_restore_command(CLI::App &app);
void add_run_command(CLI::App &app);
void add_decisions_command(CLI::App &app);

// Thrown by an action to end the program with a message and an exit code.
struct Failure {
    std::string message;
    int exit_code = 1;
};

// The value, or a Failure naming what was being done.
template <class T>
T or_fail(Result<T> r, const std::string &what) {
    if (!r)
        throw Failure{r.error().context(what).message};
    return std::move(r).value();
}

// --attach auto|tp_btf|raw_tp: the flavour to force, none for auto.
inline std::optional<AttachMode> forced_attach(const std::string &attach) {
    if (attach == "tp_btf")
        return AttachMode::TpBtf;
    if (attach == "raw_tp")
        return AttachMode::RawTp;
    return std::nullopt;
}

}  // namespace cgw::cli
