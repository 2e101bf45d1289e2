#include "cgwarden/sensor/cgroup_watch.h"

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <string>

#include "cgroup.skel.h"
#include "cgwarden/bpf/handles.h"
#include "cgwarden/bpf/libbpf_log.h"
#include "cgwarden/bpf/maps.h"
#include "cgwarden/bpf/ring_buffer.h"
#include "cgwarden/cgroup_abi.h"

namespace cgw {

using CgroupSkeleton = SkeletonPtr<cgroup_bpf, cgroup_bpf__destroy>;

struct CgroupWatch::Impl {
    CgroupSkeleton skel;
    AttachMode mode;
    std::vector<BpfLink> links;
    std::unique_ptr<RingBuffer> ring;
    // The handler of the drain under way (the ring's callback calls it).
    const std::function<void(const CgroupEvent &)> *on_event = nullptr;
};

namespace {

std::optional<CgroupEvent> decode(std::span<const std::byte> record) {
    cgw_cgroup_event e;
    if (record.size() < sizeof e)
        return std::nullopt;
    std::memcpy(&e, record.data(), sizeof e);
    e.path[sizeof e.path - 1] = '\0';
    CgroupEvent out{CgroupEvent::Kind::Made, e.id, e.path};
    switch (e.kind) {
        case CGW_CGROUP_MKDIR:
            return out;
        case CGW_CGROUP_RMDIR:
            out.kind = CgroupEvent::Kind::Removed;
            return out;
        case CGW_CGROUP_RENAME:
            out.kind = CgroupEvent::Kind::Renamed;
            return out;
    }
    return std::nullopt;
}

Result<std::unique_ptr<CgroupWatch::Impl>> load_and_attach(AttachMode mode) {
    auto impl = std::make_unique<CgroupWatch::Impl>();
    impl->mode = mode;
    impl->skel.reset(cgroup_bpf__open());
    if (!impl->skel)
        return Error::from_errno("opening the cgroup events BPF object");
    load_only_flavour(impl->skel->obj, mode);
    auto links = load_and_attach_programs(impl->skel->obj, mode, "cgroup events",
                                          [&] { return cgroup_bpf__load(impl->skel.get()); });
    if (!links)
        return links.error();
    impl->links = std::move(links).value();
    CgroupWatch::Impl *raw = impl.get();
    auto ring = RingBuffer::open(bpf_map__fd(impl->skel->maps.cgroup_events),
                                 [raw](std::span<const std::byte> record) {
                                     if (auto event = decode(record); event && raw->on_event)
                                         (*raw->on_event)(*event);
                                 });
    if (!ring)
        return ring.error().context("opening the cgroup events ring");
    impl->ring = std::move(ring).value();
    return impl;
}

}  // namespace

CgroupWatch::CgroupWatch(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CgroupWatch::~CgroupWatch() = default;

Result<std::unique_ptr<CgroupWatch>> CgroupWatch::open(const KernelFeatures &features,
                                                       std::optional<AttachMode> force) {
    route_libbpf_log_to_spdlog();
    if (!features.btf_vmlinux)
        return Error{"the kernel has no BTF (/sys/kernel/btf/vmlinux): the programs need CO-RE"};
    if (!features.ringbuf)
        return Error{"the kernel has no BPF ring buffer (5.8+)"};
    if (!force && !features.tp_btf && !features.raw_tp)
        return Error{"neither tp_btf nor raw_tp programs load on this kernel"};
    AttachMode picked = force ? *force : (features.tp_btf ? AttachMode::TpBtf : AttachMode::RawTp);
    auto impl = load_with_fallback<std::unique_ptr<Impl>>(picked, force.has_value(),
                                                          features.raw_tp, load_and_attach);
    if (!impl)
        return impl.error();
    return std::unique_ptr<CgroupWatch>(new CgroupWatch(std::move(impl).value()));
}

AttachMode CgroupWatch::attach_mode() const {
    return impl_->mode;
}

Result<int> CgroupWatch::drain(const std::function<void(const CgroupEvent &)> &on_event) {
    impl_->on_event = &on_event;
    auto n = impl_->ring->consume();
    impl_->on_event = nullptr;
    return n;
}

Result<uint64_t> CgroupWatch::lost() const {
    uint64_t lost = 0;
    if (Status s = add_percpu_counters(impl_->skel->maps.cgroup_events_lost, &lost, 1); !s)
        return s.error().context("reading the lost cgroup events");
    return lost;
}

std::vector<ProgramStats> CgroupWatch::program_stats() const {
    return loaded_program_stats(impl_->skel->obj);
}

}  // namespace cgw
