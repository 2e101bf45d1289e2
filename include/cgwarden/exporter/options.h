// How the exporter is set up: where it listens and how many series it may make.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace cgw {

class DecisionHistory;

struct ExporterOptions {
    // host:port; loopback unless the operator opens it up. Port 0 picks a free one.
    std::string listen = "127.0.0.1:9477";
    // Antagonists exported per victim (cgwarden_cpu_preemption_delay_seconds_total).
    size_t top_antagonists = 5;
    // /healthz fails when the control loop has not completed a pass for this long.
    std::chrono::milliseconds stale_after{5000};
    // The longest a scrape waits for the next pass to build its snapshot
    // before it is served the latest one (snapshot_store.h): past a loop
    // interval, within Prometheus' 10 s scrape timeout.
    std::chrono::milliseconds scrape_wait{2000};
    // Turn the kernel's BPF run-time accounting on while the exporter runs
    // (BPF_ENABLE_STATS); without it cgwarden_bpf_program_run_seconds_total stays 0.
    bool enable_bpf_stats = false;
    // cgwarden_build_info{version}
    std::string version = "unknown";
    // Served as JSON on /decisions (`cgwarden decisions`); null: 404 there.
    std::shared_ptr<const DecisionHistory> decisions;
};

}  // namespace cgw
