#include "command.h"

#include <sys/wait.h>

#include <cstdio>

namespace cgw::test {

CommandResult run_command(const std::string &command_line) {
    CommandResult result;
    FILE *pipe = ::popen(command_line.c_str(), "r");
    if (!pipe)
        return result;
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, pipe))
        result.output.append(buf, n);
    int status = ::pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

}  // namespace cgw::test
