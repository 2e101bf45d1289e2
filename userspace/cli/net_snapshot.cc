#include "net_snapshot.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <set>

#include "cgwarden/net/heartbeat_flag.h"
#include "commands.h"

namespace cgw::cli {

std::vector<HeartbeatFlow> parse_heartbeat_flags(const std::vector<std::string> &flags) {
    std::vector<HeartbeatFlow> flows;
    std::set<std::string> names;
    std::set<std::pair<std::string, uint16_t>> keys;
    for (const std::string &flag : flags) {
        auto flow = parse_heartbeat_flag(flag);
        if (!flow)
            throw Failure{flow.error().message, 2};
        if (!names.insert(flow->name).second)
            throw Failure{
                fmt::format("--heartbeat {}: the name {} is already used", flag, flow->name), 2};
        if (!keys.insert({flow->proto, flow->port}).second)
            throw Failure{fmt::format("--heartbeat {}: another heartbeat already watches {}:{}",
                                      flag, flow->proto, flow->port),
                          2};
        flows.push_back(std::move(flow).value());
    }
    return flows;
}

std::unique_ptr<NetSnapshot> NetSnapshot::start(const KernelFeatures &features,
                                                const CgroupLayout &layout,
                                                std::vector<HeartbeatFlow> flows,
                                                std::optional<AttachMode> force) {
    if (!layout.unified) {
        spdlog::warn(
            "no cgroup2 hierarchy is mounted: no network figures (cgroup_skb programs "
            "attach to cgroup2)");
        return nullptr;
    }
    auto sensor = NetSensor::open(features, layout, {std::move(flows), force, true});
    if (!sensor) {
        spdlog::warn("no network figures: {}", sensor.error().message);
        return nullptr;
    }
    return std::unique_ptr<NetSnapshot>(
        new NetSnapshot(std::move(sensor).value(), NetCgroupTree(*layout.unified)));
}

void NetSnapshot::begin() {
    auto counters = sensor_->read();
    if (!counters)
        throw Failure{counters.error().context("first network reading").message};
    before_ = std::move(counters).value();
}

NetSignals NetSnapshot::end() {
    auto after = sensor_->read();
    if (!after)
        throw Failure{after.error().context("last network reading").message};
    tree_.rescan();
    return compute_net_signals(before_, *after, sensor_->flows());
}

void NetSnapshot::add_to(SnapshotReport &report, const PassModel &model,
                         const CpuCgroupTree &cpu_tree,
                         const std::vector<std::string> &only) const {
    auto names = DropReasonNames::from_kernel();
    if (!names)
        spdlog::warn("{}", names.error().message);
    add_net_to_report(report, model, names ? *names : DropReasonNames{}, tree_, cpu_tree, only);
}

}  // namespace cgw::cli
