#include "enforcement_config.h"

#include <fstream>
#include <stdexcept>

#include "http_client.h"

namespace cgw::test {

EnforcementConfig write_enforcement_config(const TempDir &dir, const EnforcementPolicy &policy) {
    EnforcementConfig config{(dir / "cgwarden.yaml").string(), dir / "daemon.log", dir / "state",
                             free_port()};
    std::ofstream out(config.file);
    out << "interval: 500ms\nmode: enforce\nstate_dir: " << config.state_dir.string()
        << "\nlisten: 127.0.0.1:" << config.port << "\n";
    if (!policy.heartbeats.empty()) {
        out << "heartbeats:\n";
        for (const std::string &flow : policy.heartbeats)
            out << "  - " << flow << "\n";
    }
    if (!policy.disks.empty()) {
        out << "disks:\n";
        for (const std::string &disk : policy.disks)
            out << "  - " << disk << "\n";
    }
    out << "classes:\n"
           "  - name: critical\n"
           "    priority: 100\n"
           "    match: {paths: ['"
        << policy.critical
        << "']}\n"
           "    slo: {"
        << policy.slo
        << "}\n"
           "  - name: best-effort\n"
           "    priority: 0\n"
           "    match: {paths: ['"
        << policy.best_effort
        << "']}\n"
           "    knobs:\n";
    for (const std::string &knob : policy.knobs)
        out << "      " << knob << "\n";
    if (!out.flush())
        throw std::runtime_error("cannot write " + config.file);
    return config;
}

}  // namespace cgw::test
