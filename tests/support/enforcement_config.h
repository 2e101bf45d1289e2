// The config file of an enforcement test's `cgwarden run`: the loop every
// 500 ms in enforce mode, and a policy of two classes, a critical cgroup
// with an SLO and a best-effort antagonist whose knobs the daemon may step.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "process.h"

namespace cgw::test {

struct EnforcementPolicy {
    std::string critical;            // the protected cgroup's path
    std::string slo;                 // its SLO, e.g. "cpu_delay_p99: 200us"
    std::string best_effort;         // the antagonist's path
    std::vector<std::string> knobs;  // its knob bounds, e.g. "cpu_weight: {floor: 10, ...}"
    std::vector<std::string> heartbeats = {};  // optional flows: "{name: hb, proto: udp, ...}"
    std::vector<std::string> disks = {};       // optional: "{device: vdb, io_cost: {...}}"
};

// Where a test's daemon keeps its files, all in one directory.
struct EnforcementConfig {
    std::string file;                 // cgwarden.yaml, for `cgwarden run --config`
    std::filesystem::path log;        // daemon.log, for DaemonProcess
    std::filesystem::path state_dir;  // state/, the journal (`cgwarden restore --state-dir`)
    int port = 0;                     // of /metrics and /decisions, on 127.0.0.1
};

// Writes `dir`/cgwarden.yaml: state in `dir`/state, metrics on a free
// loopback port, then `policy`.
EnforcementConfig write_enforcement_config(const TempDir &dir, const EnforcementPolicy &policy);

}  // namespace cgw::test
