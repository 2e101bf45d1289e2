// Kernel ground truth for run-queue delay: /proc/<pid>/task/<tid>/schedstat.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace cgw::test {

// Sum of the 2nd schedstat field (ns spent waiting on a run queue) over every
// thread of the given processes.
uint64_t run_delay_ns(const std::vector<pid_t> &pids);

}  // namespace cgw::test
