// The kernel's BPF run-time accounting (run_time_ns, run_cnt per program) is
// off by default: it costs two clock reads per program run. BPF_ENABLE_STATS
// turns it on for as long as the returned descriptor is open, and off again
// when the last holder closes it, whatever happens to this process.
#pragma once

#include "cgwarden/common/result.h"
#include "cgwarden/common/unique_fd.h"

namespace cgw {

Result<UniqueFd> enable_bpf_run_time_stats();

}  // namespace cgw
