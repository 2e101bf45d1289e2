#include "cgwarden/bpf/stats.h"

#include <bpf/bpf.h>

namespace cgw {

Result<UniqueFd> enable_bpf_run_time_stats() {
    int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
    if (fd < 0)
        return Error::from_errno("enabling BPF run-time statistics (BPF_ENABLE_STATS)", -fd);
    return UniqueFd(fd);
}

}  // namespace cgw
