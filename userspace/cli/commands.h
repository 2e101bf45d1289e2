// Each subcommand registers its options and its action on the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

namespace cgw::cli {

void add_snapshot_command(CLI::App &app);
void add_probe_command(CLI::App &app);
void add_check_config_command(CLI::App &app);
void add_restore_command(CLI::App &app);
void add_run_command(CLI::App &app);

// Thrown by an action to end the program with a message and an exit code.
struct Failure {
    std::string message;
    int exit_code = 1;
};

}  // namespace cgw::cli
