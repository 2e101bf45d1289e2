#include "cgwarden/sensor/io_sensor.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <string>

#include "cgwarden/bpf/handles.h"
#include "cgwarden/bpf/libbpf_log.h"
#include "cgwarden/bpf/maps.h"
#include "io.skel.h"

namespace cgw {

using IoSkeleton = SkeletonPtr<io_bpf, io_bpf__destroy>;

struct IoSensor::Impl {
    IoSkeleton skel;
    AttachMode mode;
    IoSensorOptions options;
    std::vector<BpfLink> links;
};

namespace {

Result<std::unique_ptr<IoSensor::Impl>> load_and_attach(AttachMode mode,
                                                        const IoSensorOptions &options) {
    auto impl = std::make_unique<IoSensor::Impl>();
    impl->mode = mode;
    impl->options = options;
    impl->skel.reset(io_bpf__open());
    if (!impl->skel)
        return Error::from_errno("opening the IO BPF object");
    load_only_flavour(impl->skel->obj, mode);
    impl->skel->rodata->outlier_threshold_ns = options.outlier_threshold_ns;
    impl->skel->rodata->outlier_limit_per_cpu_s = options.outlier_limit_per_cpu_s;
    auto links = load_and_attach_programs(impl->skel->obj, mode, "IO",
                                          [&] { return io_bpf__load(impl->skel.get()); });
    if (!links)
        return links.error();
    impl->links = std::move(links).value();
    return impl;
}

void add_op(IoOpCounters &c, const cgw_io_stats &s) {
    c.ops += s.ops;
    c.bytes += s.bytes;
    c.device_max_ns = std::max<uint64_t>(c.device_max_ns, s.device_max_ns);
    c.queue_max_ns = std::max<uint64_t>(c.queue_max_ns, s.queue_max_ns);
    c.device_ns += s.device_ns;
    c.queue_ns += s.queue_ns;
    c.device_hist.add(s.device_hist);
    c.queue_hist.add(s.queue_hist);
}

}  // namespace

std::string_view to_string(IoAttribution attribution) {
    return attribution == IoAttribution::BioBlkcg ? "bio blkcg" : "submitting task";
}

IoAttribution io_attribution(const KernelFeatures &features) {
    return features.bio_blkcg ? IoAttribution::BioBlkcg : IoAttribution::Task;
}

std::optional<std::filesystem::path> io_cgroup_mount(const CgroupLayout &layout,
                                                     IoAttribution attribution) {
    if (attribution == IoAttribution::BioBlkcg) {
        if (auto it = layout.v1.find("blkio"); it != layout.v1.end())
            return it->second;
    }
    return layout.unified;
}

IoSensor::IoSensor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IoSensor::~IoSensor() = default;

Result<std::unique_ptr<IoSensor>> IoSensor::open(const KernelFeatures &features,
                                                 const IoSensorOptions &options,
                                                 std::optional<AttachMode> force) {
    route_libbpf_log_to_spdlog();
    auto picked = force ? Result<AttachMode>(*force) : features.io_attach_mode();
    if (!picked)
        return picked.error();
    auto impl = load_with_fallback<std::unique_ptr<Impl>>(
        *picked, force.has_value(), features.raw_tp,
        [&](AttachMode mode) { return load_and_attach(mode, options); });
    if (!impl)
        return impl.error();
    spdlog::info("IO sensor attached with {}", to_string(impl.value()->mode));
    return std::unique_ptr<IoSensor>(new IoSensor(std::move(impl).value()));
}

AttachMode IoSensor::attach_mode() const {
    return impl_->mode;
}

const IoSensorOptions &IoSensor::options() const {
    return impl_->options;
}

Result<IoCounters> IoSensor::read() const {
    auto ncpus = possible_cpus();
    if (!ncpus)
        return ncpus.error();
    const size_t n = *ncpus;
    const auto &maps = impl_->skel->maps;
    IoCounters out;

    for_each_entry<cgw_io_key, cgw_io_stats>(
        maps.io_stats, sizeof(cgw_io_stats) * n,
        [&](const cgw_io_key &key, const cgw_io_stats *per_cpu) {
            IoOpCounters &c =
                out.stats[{IoCgroupId(key.cgroup), BlockDevice::from_kernel(key.dev), key.op}];
            for (size_t cpu = 0; cpu < n; ++cpu)
                add_op(c, per_cpu[cpu]);
        });

    for_each_entry<cgw_io_behind_key, cgw_io_behind_value>(
        maps.queued_behind, sizeof(cgw_io_behind_value),
        [&](const cgw_io_behind_key &key, const cgw_io_behind_value *v) {
            out.queued_behind[{IoCgroupId(key.waiter_cgroup), IoCgroupId(key.ahead_cgroup),
                               BlockDevice::from_kernel(key.dev)}] = {v->delay_ns, v->count};
        });

    if (auto drops = add_percpu_counters(maps.io_drops, out.drops.data(), CGW_IO_DROP_COUNT);
        !drops)
        return drops.error().context("reading the IO drop counters");
    return out;
}

std::vector<ProgramStats> IoSensor::program_stats() const {
    return loaded_program_stats(impl_->skel->obj);
}

Result<std::unique_ptr<RingBuffer>> IoSensor::outliers(
    std::function<void(const IoOutlier &)> on_outlier) const {
    return RingBuffer::open(
        bpf_map__fd(impl_->skel->maps.io_outliers),
        [on_outlier = std::move(on_outlier)](std::span<const std::byte> event) {
            cgw_io_outlier e;
            if (event.size() < sizeof e)
                return;
            std::memcpy(&e, event.data(), sizeof e);
            on_outlier({e.completed_ns, IoCgroupId(e.cgroup), BlockDevice::from_kernel(e.dev), e.op,
                        e.queue_ns, e.device_ns, e.bytes});
        });
}

}  // namespace cgw
