#include "cgwarden/sensor/net_sensor.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <set>

#include "cgwarden/bpf/handles.h"
#include "cgwarden/bpf/libbpf_log.h"
#include "cgwarden/bpf/maps.h"
#include "cgwarden/bpf/programs.h"
#include "cgwarden/bpf/ring_buffer.h"
#include "cgwarden/cgroup/tree.h"
#include "cgwarden/common/unique_fd.h"
#include "cgwarden/sensor/sample.h"
#include "net.skel.h"

namespace cgw {

using NetSkeleton = SkeletonPtr<net_bpf, net_bpf__destroy>;

struct NetSensor::Impl {
    NetSkeleton skel;
    AttachMode mode = AttachMode::TpBtf;
    std::vector<HeartbeatFlow> flows;
    // Each flow's config in the flows map; sender_cgroup follows the
    // declared sender's cgroup (follow_senders).
    std::vector<cgw_flow_config> configs;
    std::vector<std::string> degraded;
    std::vector<BpfLink> links;
    std::unique_ptr<RingBuffer> events;
    std::function<void(const NetEvent &)> on_event;
};

namespace {

// The cap keeps elapsed × rate within 64 bits in the kernel (elapsed ≤ 1 s).
constexpr uint64_t kMaxRateBytesPerS = 16'000'000'000ULL;
// A TCP segmentation-offload packet is up to 64 KiB at cgroup_skb/egress: a
// smaller bucket could never let one through.
constexpr uint64_t kMinBurstBytes = 64 * 1024;

bool is_tracepoint_of(const bpf_program *prog, AttachMode mode) {
    std::string_view name = bpf_program__name(prog);
    return name.starts_with(mode == AttachMode::TpBtf ? "btf_" : "raw_");
}

bool is_tracepoint(const bpf_program *prog) {
    return is_tracepoint_of(prog, AttachMode::TpBtf) || is_tracepoint_of(prog, AttachMode::RawTp);
}

// Which tracepoint programs this kernel can run, with the reason for the
// others (the drop and retransmit signals are then missing, nothing else).
std::set<std::string> wanted_tracepoints(const KernelFeatures &f,
                                         std::vector<std::string> &degraded) {
    std::set<std::string> wanted;
    if (f.kfree_skb_tp) {
        wanted.insert("kfree_skb");
        if (!f.kfree_skb_reason)
            degraded.push_back(
                "packet drops are counted without reasons: skb:kfree_skb passes no reason before "
                "Linux 5.17");
    } else {
        degraded.push_back("packet drops: the kernel's BTF has no skb:kfree_skb tracepoint");
    }
    if (f.tcp_retransmit_tp)
        wanted.insert("tcp_retransmit_skb");
    else
        degraded.push_back(
            "TCP retransmits: the kernel's BTF has no tcp:tcp_retransmit_skb tracepoint");
    return wanted;
}

Result<std::unique_ptr<NetSensor::Impl>> load(const KernelFeatures &f, AttachMode mode) {
    auto impl = std::make_unique<NetSensor::Impl>();
    impl->mode = mode;
    impl->skel.reset(net_bpf__open());
    if (!impl->skel)
        return Error::from_errno("opening the network BPF object");
    std::set<std::string> wanted = wanted_tracepoints(f, impl->degraded);
    bpf_program *prog;
    bpf_object__for_each_program(prog, impl->skel->obj) {
        if (!is_tracepoint(prog))
            continue;
        std::string_view name = bpf_program__name(prog);
        bool load = is_tracepoint_of(prog, mode) && wanted.count(std::string(name.substr(4)));
        bpf_program__set_autoload(prog, load);
    }
    impl->skel->rodata->kfree_skb_has_reason = f.kfree_skb_reason;
    impl->skel->rodata->kfree_skb_has_rx_sk = f.kfree_skb_rx_sk;
    impl->skel->rodata->tcp_retransmit_has_err = f.tcp_retransmit_err;
    if (int err = net_bpf__load(impl->skel.get()))
        return Error::from_errno(fmt::format("loading the network programs ({}); the verifier "
                                             "log, if any, is logged above",
                                             to_string(mode)),
                                 -err);
    return impl;
}

cgw_flow_key flow_key(const HeartbeatFlow &flow) {
    cgw_flow_key key{};
    key.port = flow.port;
    key.proto = flow.proto == "tcp" ? CGW_NET_PROTO_TCP : CGW_NET_PROTO_UDP;
    return key;
}

Status declare_flows(NetSensor::Impl &impl, const CgroupLayout &layout) {
    if (impl.flows.size() > CGW_NET_MAX_FLOWS)
        return Error{fmt::format("{} heartbeat flows declared; at most {} are supported",
                                 impl.flows.size(), static_cast<int>(CGW_NET_MAX_FLOWS))};
    for (uint32_t i = 0; i < impl.flows.size(); ++i) {
        const HeartbeatFlow &flow = impl.flows[i];
        cgw_flow_key key = flow_key(flow);
        cgw_flow_config config{};
        config.index = i;
        if (flow.interval)
            config.gap_limit_ns = static_cast<uint64_t>(
                static_cast<double>(flow.interval->count()) * kHeartbeatGapFactor);
        if (flow.cgroup) {
            // Sockets belong to cgroup2 cgroups: the sender is named there.
            // Missing now, it may start later (follow_senders finds it).
            std::optional<NetCgroupId> id;
            if (layout.unified)
                id = NetCgroupTree(*layout.unified).id_of(*flow.cgroup);
            if (!id)
                spdlog::warn(
                    "heartbeat {}: no cgroup {} in the cgroup2 hierarchy yet; its sends count "
                    "once it exists",
                    flow.name, *flow.cgroup);
            config.sender_cgroup = id ? id->value : CGW_NET_NO_SENDER;
        }
        if (bpf_map__update_elem(impl.skel->maps.flows, &key, sizeof key, &config, sizeof config,
                                 BPF_NOEXIST) != 0)
            return Error::from_errno(fmt::format(
                "heartbeat {}: declaring {}:{}{}", flow.name, flow.proto, flow.port,
                errno == EEXIST ? " (another heartbeat has the same protocol and port)" : ""));
        impl.configs.push_back(config);
    }
    return {};
}

// cgroup_skb on the cgroup2 root sees the sockets of every cgroup below it.
void attach_cgroup_skb(NetSensor::Impl &impl, const CgroupLayout &layout) {
    const char *lost = "traffic per cgroup and heartbeat sends/receives";
    if (!layout.unified) {
        impl.degraded.push_back(fmt::format("{}: no cgroup2 hierarchy is mounted", lost));
        return;
    }
    UniqueFd root(::open(layout.unified->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) {
        impl.degraded.push_back(fmt::format("{}: opening {}: {}", lost, layout.unified->string(),
                                            std::strerror(errno)));
        return;
    }
    for (bpf_program *prog : {impl.skel->progs.skb_egress, impl.skel->progs.skb_ingress}) {
        BpfLink link(bpf_program__attach_cgroup(prog, root.get()));
        if (!link) {
            impl.degraded.push_back(fmt::format("{}: attaching {} to {}: {}", lost,
                                                bpf_program__name(prog), layout.unified->string(),
                                                std::strerror(errno)));
            continue;
        }
        impl.links.push_back(std::move(link));
    }
}

void attach_tracepoints(NetSensor::Impl &impl) {
    bpf_program *prog;
    bpf_object__for_each_program(prog, impl.skel->obj) {
        if (!is_tracepoint(prog) || !bpf_program__autoload(prog))
            continue;
        BpfLink link(bpf_program__attach(prog));
        if (!link) {
            impl.degraded.push_back(
                fmt::format("attaching {}: {}", bpf_program__name(prog), std::strerror(errno)));
            continue;
        }
        impl.links.push_back(std::move(link));
    }
}

NetEvent decode(const cgw_net_event &e) {
    NetEvent out;
    out.kind = e.kind == CGW_NET_EVENT_GAP ? NetEvent::Kind::Gap : NetEvent::Kind::Drop;
    out.flow_index = e.flow_index;
    out.time_ns = e.time_ns;
    out.cgroup_id = NetCgroupId(e.cgroup_id);
    out.reason = e.reason;
    out.gap_ns = e.gap_ns;
    return out;
}

Status open_events(NetSensor::Impl &impl) {
    NetSensor::Impl *self = &impl;
    auto rb = RingBuffer::open(bpf_map__fd(impl.skel->maps.events),
                               [self](std::span<const std::byte> record) {
                                   cgw_net_event e{};
                                   if (record.size() < sizeof e || !self->on_event)
                                       return;
                                   std::memcpy(&e, record.data(), sizeof e);
                                   self->on_event(decode(e));
                               });
    if (!rb)
        return rb.error();
    impl.events = std::move(rb).value();
    return {};
}

// slot(owner) is where the owner's drops go, or null to skip them.
void read_drops(const bpf_map *map, const std::function<DropsByReason *(uint64_t)> &slot) {
    for_each_entry<cgw_drop_key, uint64_t>(map, sizeof(uint64_t),
                                           [&](const cgw_drop_key &key, const uint64_t *n) {
                                               if (DropsByReason *drops = slot(key.owner))
                                                   (*drops)[key.reason] = *n;
                                           });
}

}  // namespace

NetSensor::NetSensor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NetSensor::~NetSensor() = default;

Result<std::unique_ptr<NetSensor>> NetSensor::open(const KernelFeatures &features,
                                                   const CgroupLayout &layout,
                                                   NetSensorOptions options) {
    route_libbpf_log_to_spdlog();
    AttachMode mode =
        options.force.value_or(features.tp_btf ? AttachMode::TpBtf : AttachMode::RawTp);
    auto impl = load(features, mode);
    if (!impl && !options.force && mode == AttachMode::TpBtf && features.raw_tp) {
        spdlog::warn("{}; falling back to raw_tp", impl.error().message);
        impl = load(features, AttachMode::RawTp);
    }
    if (!impl)
        return impl.error();
    std::unique_ptr<Impl> &ready = impl.value();
    ready->flows = std::move(options.flows);
    if (auto s = declare_flows(*ready, layout); !s)
        return s.error();
    if (auto s = open_events(*ready); !s)
        return s.error().context("network events");
    if (options.attach) {
        attach_cgroup_skb(*ready, layout);
        attach_tracepoints(*ready);
    }
    for (const std::string &what : ready->degraded)
        spdlog::warn("network signal unavailable: {}", what);
    spdlog::info("network sensor loaded with {}", to_string(ready->mode));
    return std::unique_ptr<NetSensor>(new NetSensor(std::move(impl).value()));
}

AttachMode NetSensor::attach_mode() const {
    return impl_->mode;
}

const std::vector<HeartbeatFlow> &NetSensor::flows() const {
    return impl_->flows;
}

const std::vector<std::string> &NetSensor::degraded() const {
    return impl_->degraded;
}

Status NetSensor::follow_senders(const NetCgroupTree &cgroup2) {
    Impl &m = *impl_;
    for (size_t i = 0; i < m.flows.size() && i < m.configs.size(); ++i) {
        const HeartbeatFlow &flow = m.flows[i];
        if (!flow.cgroup)
            continue;
        auto sender = cgroup2.id_of(*flow.cgroup);
        uint64_t id = sender ? sender->value : CGW_NET_NO_SENDER;
        cgw_flow_config &config = m.configs[i];
        if (id == config.sender_cgroup)
            continue;
        cgw_flow_config next = config;
        next.sender_cgroup = id;
        cgw_flow_key key = flow_key(flow);
        if (bpf_map__update_elem(m.skel->maps.flows, &key, sizeof key, &next, sizeof next,
                                 BPF_EXIST) != 0)
            return Error::from_errno(
                fmt::format("heartbeat {}: following its sender {}", flow.name, *flow.cgroup));
        config = next;
        if (id == CGW_NET_NO_SENDER)
            spdlog::warn(
                "heartbeat {}: its sender's cgroup {} is gone; its sends count again "
                "once it exists",
                flow.name, *flow.cgroup);
        else
            spdlog::info("heartbeat {}: sender cgroup {} is cgroup2 id {} now", flow.name,
                         *flow.cgroup, id);
    }
    return {};
}

Result<NetCounters> NetSensor::read() {
    int ncpus = libbpf_num_possible_cpus();
    if (ncpus <= 0)
        return Error::from_errno("counting possible CPUs", -ncpus);
    const auto n = static_cast<size_t>(ncpus);
    const auto &maps = impl_->skel->maps;
    NetCounters out;
    out.read_ns = monotonic_now_ns();

    for_each_entry<NetCgroupId, cgw_cgroup_net_stats>(
        maps.cgroup_net, sizeof(cgw_cgroup_net_stats) * n,
        [&](NetCgroupId cgroup, const cgw_cgroup_net_stats *per_cpu) {
            CgroupNetCounters &c = out.by_cgroup[cgroup];
            for (size_t cpu = 0; cpu < n; ++cpu) {
                c.tx_packets += per_cpu[cpu].tx_packets;
                c.tx_bytes += per_cpu[cpu].tx_bytes;
                c.rx_packets += per_cpu[cpu].rx_packets;
                c.rx_bytes += per_cpu[cpu].rx_bytes;
                c.retransmits += per_cpu[cpu].retransmits;
                c.tx_queue_drops += per_cpu[cpu].tx_queue_drops;
            }
        });
    read_drops(maps.cgroup_drops,
               [&](uint64_t cgroup) { return &out.by_cgroup[NetCgroupId(cgroup)].drops; });

    // The window of the longest gap ends here: read, then move the epoch.
    const uint64_t epoch = impl_->skel->bss->gap_epoch;
    out.flows.resize(impl_->flows.size());
    for (uint32_t i = 0; i < impl_->flows.size(); ++i) {
        cgw_flow_stats s{};
        if (bpf_map__lookup_elem(maps.flow_stats, &i, sizeof i, &s, sizeof s, 0) != 0)
            return Error::from_errno("reading heartbeat " + impl_->flows[i].name);
        FlowCounters &f = out.flows[i];
        f.sent = s.sent;
        f.received = s.received;
        f.dropped = s.dropped;
        f.retransmits = s.retransmits;
        f.last_send_ns = s.last_send_ns;
        f.window_max_gap_ns = s.gap_epoch_seen == epoch ? s.window_max_gap_ns : 0;
    }
    impl_->skel->bss->gap_epoch = epoch + 1;
    read_drops(maps.flow_drops, [&](uint64_t flow) {
        return flow < out.flows.size() ? &out.flows[flow].drops : nullptr;
    });

    for (uint32_t what = 0; what < CGW_NET_LOST_COUNT; ++what) {
        auto lost = sum_per_cpu_counter(maps.net_lost, what);
        if (!lost)
            return lost.error();
        out.lost[what] = *lost;
    }
    return out;
}

std::vector<ProgramStats> NetSensor::program_stats() const {
    return loaded_program_stats(impl_->skel->obj);
}

void NetSensor::on_event(std::function<void(const NetEvent &)> handler) {
    impl_->on_event = std::move(handler);
}

int NetSensor::event_fd() const {
    return impl_->events->fd();
}

Result<int> NetSensor::consume_events() {
    return impl_->events->consume();
}

Result<int> NetSensor::poll_events(std::chrono::milliseconds timeout) {
    return impl_->events->poll(timeout);
}

Status NetSensor::set_egress_rate(NetCgroupId cgroup, uint64_t bytes_per_s, uint64_t burst_bytes) {
    if (bytes_per_s == 0 || bytes_per_s > kMaxRateBytesPerS)
        return Error{fmt::format("egress rate {} B/s: must be from 1 to {} B/s", bytes_per_s,
                                 kMaxRateBytesPerS)};
    if (burst_bytes < kMinBurstBytes)
        return Error{
            fmt::format("egress burst {} B: must be at least {} B (one offloaded TCP "
                        "packet)",
                        burst_bytes, kMinBurstBytes)};
    cgw_rate_limit limit{};
    limit.rate_bytes_per_s = bytes_per_s;
    limit.burst_bytes = burst_bytes;  // last_ns 0: the program fills the bucket first
    if (bpf_map__update_elem(impl_->skel->maps.rate_limits, &cgroup.value, sizeof cgroup.value,
                             &limit, sizeof limit, BPF_F_LOCK) != 0)
        return Error::from_errno(fmt::format("setting the egress rate of cgroup {}", cgroup.value));
    return {};
}

Status NetSensor::clear_egress_rate(NetCgroupId cgroup) {
    if (bpf_map__delete_elem(impl_->skel->maps.rate_limits, &cgroup.value, sizeof cgroup.value,
                             0) != 0 &&
        errno != ENOENT)
        return Error::from_errno(
            fmt::format("clearing the egress rate of cgroup {}", cgroup.value));
    return {};
}

int NetSensor::program_fd(std::string_view name) const {
    bpf_program *prog;
    bpf_object__for_each_program(prog, impl_->skel->obj) {
        if (name == bpf_program__name(prog))
            return bpf_program__autoload(prog) ? bpf_program__fd(prog) : -1;
    }
    return -1;
}

}  // namespace cgw
