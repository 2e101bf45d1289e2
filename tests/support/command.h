// Runs a shell command line for tests and keeps what it printed. Without a
// shell, throwing when the command fails: process.h's run_command(argv).
#pragma once

#include <string>

namespace cgw::test {

struct CommandResult {
    int status = -1;     // exit status; -1 when it did not exit normally
    std::string output;  // stdout (append " 2>&1" to the command for stderr too)
};

CommandResult run_command(const std::string &command_line);

}  // namespace cgw::test
