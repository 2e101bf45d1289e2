#include "cgwarden/sensor/cpu_sensor.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <string>

#include "cgwarden/bpf/handles.h"
#include "cgwarden/bpf/libbpf_log.h"
#include "cgwarden/bpf/maps.h"
#include "cgwarden/bpf/programs.h"
#include "cpu.skel.h"

namespace cgw {

using CpuSkeleton = SkeletonPtr<cpu_bpf, cpu_bpf__destroy>;

struct CpuSensor::Impl {
    CpuSkeleton skel;
    AttachMode mode;
    std::vector<BpfLink> links;
};

namespace {

Result<std::unique_ptr<CpuSensor::Impl>> load_and_attach(AttachMode mode) {
    auto impl = std::make_unique<CpuSensor::Impl>();
    impl->mode = mode;
    impl->skel.reset(cpu_bpf__open());
    if (!impl->skel)
        return Error::from_errno("opening the CPU BPF object");
    load_only_flavour(impl->skel->obj, mode);
    // Each flavour keeps wait starts in its own map; the other is not created,
    // so kernels without task storage can still run raw_tp.
    bpf_map__set_autocreate(impl->skel->maps.queued_by_task, mode == AttachMode::TpBtf);
    bpf_map__set_autocreate(impl->skel->maps.queued_by_pid, mode == AttachMode::RawTp);

    auto links = load_and_attach_programs(impl->skel->obj, mode, "CPU",
                                          [&] { return cpu_bpf__load(impl->skel.get()); });
    if (!links)
        return links.error();
    impl->links = std::move(links).value();
    return impl;
}

}  // namespace

CpuSensor::CpuSensor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CpuSensor::~CpuSensor() = default;

Result<std::unique_ptr<CpuSensor>> CpuSensor::open(const KernelFeatures &features,
                                                   std::optional<AttachMode> force) {
    route_libbpf_log_to_spdlog();
    AttachMode mode;
    if (force) {
        mode = *force;
    } else {
        auto picked = features.cpu_attach_mode();
        if (!picked)
            return picked.error();
        mode = *picked;
    }
    auto impl = load_with_fallback<std::unique_ptr<Impl>>(mode, force.has_value(), features.raw_tp,
                                                          load_and_attach);
    if (!impl)
        return impl.error();
    spdlog::info("CPU sensor attached with {}", to_string(impl.value()->mode));
    return std::unique_ptr<CpuSensor>(new CpuSensor(std::move(impl).value()));
}

AttachMode CpuSensor::attach_mode() const {
    return impl_->mode;
}

Result<CpuCounters> CpuSensor::read() const {
    auto ncpus = possible_cpus();
    if (!ncpus)
        return ncpus.error();
    const size_t n = *ncpus;
    const auto &maps = impl_->skel->maps;
    CpuCounters out;

    auto add_cgroup = [&](uint64_t cgroup, const cgw_cpu_stats *per_cpu) {
        CgroupCpuCounters &c = out.by_cgroup[cgroup];
        PreemptCounters self;
        for (size_t cpu = 0; cpu < n; ++cpu) {
            const cgw_cpu_stats &s = per_cpu[cpu];
            c.runq_delay_ns += s.runq_delay_ns;
            c.runq_events += s.runq_events;
            c.runq_max_ns = std::max<uint64_t>(c.runq_max_ns, s.runq_max_ns);
            c.throttled_ns += s.throttled_ns;
            c.throttled_events += s.throttled_events;
            c.runq_hist.add(s.hist);
            self.delay_ns += s.self_preempt_delay_ns;
            self.count += s.self_preempt_count;
        }
        // The BPF side keeps the (id, id) pair with the cgroup's stats, not in
        // the pair map; readers see one pair map either way.
        if (self.count)
            out.preempt[{cgroup, cgroup}] = self;
    };
    for_each_entry<uint64_t, cgw_cpu_stats>(maps.cpu_stats, sizeof(cgw_cpu_stats) * n, add_cgroup);

    for_each_entry<cgw_preempt_key, cgw_preempt_value>(
        maps.preempt_pairs, sizeof(cgw_preempt_value),
        [&](const cgw_preempt_key &key, const cgw_preempt_value *v) {
            out.preempt[{key.victim_cgroup, key.antagonist_cgroup}] = {v->delay_ns, v->count};
        });

    if (auto drops = add_percpu_counters(maps.cpu_drops, out.drops.data(), CGW_CPU_DROP_COUNT);
        !drops)
        return drops.error().context("reading the CPU drop counters");
    return out;
}

std::vector<ProgramStats> CpuSensor::program_stats() const {
    return loaded_program_stats(impl_->skel->obj);
}

}  // namespace cgw
