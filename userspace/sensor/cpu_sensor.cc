#include "cgwarden/sensor/cpu_sensor.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "cgwarden/bpf/handles.h"
#include "cgwarden/bpf/libbpf_log.h"
#include "cgwarden/bpf/maps.h"
#include "cgwarden/bpf/programs.h"
#include "cgwarden/sensor/cpu_slots.h"
#include "cpu.skel.h"

namespace cgw {

using CpuSkeleton = SkeletonPtr<cpu_bpf, cpu_bpf__destroy>;

struct CpuSensor::Impl {
    Impl(AttachMode flavour, uint32_t slot_count, size_t cpus)
        : mode(flavour), slots(slot_count), ncpus(cpus) {}

    CpuSkeleton skel;
    AttachMode mode;
    std::vector<BpfLink> links;
    CpuSlots slots;
    size_t ncpus;
    // The hash entries of cgroups that hold a slot now, summed over CPUs.
    std::map<CpuCgroupId, cgw_cpu_stats> folded;
    // Ids in the maps that the tree did not list at the last pass: a cgroup
    // made after the tree was brought up to date, or one made and removed
    // between two passes. Still unlisted a pass later, it is gone.
    std::set<CpuCgroupId> unlisted;
    bool said_slots_full = false;
};

namespace {

// The wakeup programs note waits that begin in a throttled group, which only
// kernels that throttle whole groups have (see on_wakeup in cpu.bpf.c).
bool needs_wakeup_programs(const KernelFeatures &features) {
    return features.cfs_throttle_count && !features.cfs_task_throttle;
}

Result<std::unique_ptr<CpuSensor::Impl>> load_and_attach(AttachMode mode, uint32_t slot_count,
                                                         size_t ncpus, bool wakeups) {
    auto impl = std::make_unique<CpuSensor::Impl>(mode, slot_count, ncpus);
    impl->skel.reset(cpu_bpf__open());
    if (!impl->skel)
        return Error::from_errno("opening the CPU BPF object");
    load_only_flavour(impl->skel->obj, mode);
    if (!wakeups) {
        const auto &progs = impl->skel->progs;
        for (bpf_program *prog : {progs.btf_sched_wakeup, progs.btf_sched_wakeup_new,
                                  progs.raw_sched_wakeup, progs.raw_sched_wakeup_new})
            bpf_program__set_autoload(prog, false);
    }
    bpf_map__set_max_entries(impl->skel->maps.wait_records,
                             static_cast<uint32_t>(ncpus) * CGW_CPU_WAIT_RECORDS);
    bpf_map__set_max_entries(impl->skel->maps.slot_stats, slot_count);
    bpf_map__set_max_entries(impl->skel->maps.slot_of_cgroup, slot_count);

    auto links = load_and_attach_programs(impl->skel->obj, mode, "CPU",
                                          [&] { return cpu_bpf__load(impl->skel.get()); });
    if (!links)
        return links.error();
    impl->links = std::move(links).value();
    return impl;
}

// Adds the per-CPU copies of a cgroup's stats into one: sums, and the longest
// wait of any CPU.
void add_stats(cgw_cpu_stats &sum, const cgw_cpu_stats *per_cpu, size_t ncpus) {
    for (size_t cpu = 0; cpu < ncpus; ++cpu) {
        const cgw_cpu_stats &s = per_cpu[cpu];
        sum.runq_delay_ns += s.runq_delay_ns;
        sum.runq_events += s.runq_events;
        sum.runq_max_ns = std::max(sum.runq_max_ns, s.runq_max_ns);
        sum.throttled_ns += s.throttled_ns;
        sum.throttled_events += s.throttled_events;
        sum.self_preempt_delay_ns += s.self_preempt_delay_ns;
        sum.self_preempt_count += s.self_preempt_count;
        for (size_t b = 0; b < CGW_HIST_BUCKETS; ++b)
            sum.hist[b] += s.hist[b];
    }
}

// Cgroups come in increasing id order.
void add_counters(CpuCounters &out, std::vector<PreemptPairs::value_type> &pairs,
                  CpuCgroupId cgroup, const cgw_cpu_stats &s) {
    CgroupCpuCounters &c = out.by_cgroup.append(cgroup, CgroupCpuCounters{});
    c.runq_delay_ns = s.runq_delay_ns;
    c.runq_events = s.runq_events;
    c.runq_max_ns = s.runq_max_ns;
    c.throttled_ns = s.throttled_ns;
    c.throttled_events = s.throttled_events;
    c.runq_hist.add(s.hist);
    // The BPF side keeps the (id, id) pair with the cgroup's stats, not in
    // the pair map; readers see one pair map either way.
    if (s.self_preempt_count)
        pairs.push_back({{cgroup, cgroup}, {s.self_preempt_delay_ns, s.self_preempt_count}});
}

template <class Key>
Status delete_key(const bpf_map *map, const Key &key) {
    if (bpf_map__delete_elem(map, &key, sizeof key, 0) != 0 && errno != ENOENT)
        return Error::from_errno(std::string("deleting an entry of ") + bpf_map__name(map));
    return {};
}

// Zeroes every CPU's copy of the slot and makes `owner` (0: nobody) the cgroup
// the programs may charge in it.
Status write_slot(const CpuSensor::Impl &m, uint32_t slot, CpuCgroupId owner) {
    std::vector<cgw_cpu_stats> per_cpu(m.ncpus);
    for (cgw_cpu_stats &s : per_cpu)
        s.cgroup_id = owner.value;
    if (bpf_map__update_elem(m.skel->maps.slot_stats, &slot, sizeof slot, per_cpu.data(),
                             per_cpu.size() * sizeof(cgw_cpu_stats), 0) != 0)
        return Error::from_errno("writing CPU stats slot " + std::to_string(slot));
    return {};
}

Status give_slot(CpuSensor::Impl &m, CpuCgroupId cgroup) {
    auto slot = m.slots.give(cgroup);
    if (!slot) {
        if (!std::exchange(m.said_slots_full, true))
            spdlog::info(
                "all CPU stats slots are held: cgroups beyond them are counted in the "
                "per-CPU hash, at a higher cost per context switch");
        return {};
    }
    // The owner first: the programs find the slot through slot_of_cgroup.
    Status s = write_slot(m, *slot, cgroup);
    if (s && bpf_map__update_elem(m.skel->maps.slot_of_cgroup, &cgroup, sizeof cgroup, &*slot,
                                  sizeof *slot, BPF_ANY) != 0)
        s = Error::from_errno("giving a CPU stats slot to cgroup " + std::to_string(cgroup.value));
    if (!s)
        m.slots.take_back(cgroup);
    return s;
}

// The cgroup's hash entry no longer changes (its waits go to its slot): its
// counts move into the sensor's own.
Status fold_hash_entry(CpuSensor::Impl &m, CpuCgroupId cgroup) {
    const bpf_map *hash = m.skel->maps.cpu_stats;
    std::vector<cgw_cpu_stats> per_cpu(m.ncpus);
    if (bpf_map__lookup_elem(hash, &cgroup, sizeof cgroup, per_cpu.data(),
                             per_cpu.size() * sizeof(cgw_cpu_stats), 0) != 0)
        return errno == ENOENT ? Status{} : Error::from_errno("reading the CPU stats hash");
    // Deleted first, so that a failure never counts it twice.
    if (Status s = delete_key(hash, cgroup); !s)
        return s;
    add_stats(m.folded[cgroup], per_cpu.data(), m.ncpus);
    return {};
}

// The cgroup is gone: its slot goes back (owner 0 first, so no cached copy
// of it is written again) and its counters with it.
Status forget(CpuSensor::Impl &m, CpuCgroupId cgroup) {
    Status s;
    if (auto slot = m.slots.slot_of(cgroup)) {
        s = delete_key(m.skel->maps.slot_of_cgroup, cgroup);
        if (Status w = write_slot(m, *slot, CpuCgroupId{}); s && !w)
            s = w;
        m.slots.take_back(cgroup);
    }
    if (Status d = delete_key(m.skel->maps.cpu_stats, cgroup); s && !d)
        s = d;
    m.folded.erase(cgroup);
    return s;
}

// Preemption pairs naming a cgroup that is gone, on either side, go too:
// else they stay until the map is full and new pairs are dropped. `gone`:
// whether an id is gone, given whether the tree lists it. The pairs are
// those of the last read, not a second walk of the map: a pair made since
// is found at the next pass.
// Thousands of pairs name a few hundred cgroups: each is judged once.
template <class Gone>
Status forget_pairs(CpuSensor::Impl &m, const CpuCounters &last_read, const Gone &gone) {
    std::unordered_map<CpuCgroupId, bool> judged;
    auto is_gone = [&](CpuCgroupId cgroup) {
        auto [it, added] = judged.try_emplace(cgroup, false);
        if (added)
            it->second = gone(cgroup);
        return it->second;
    };
    Status first;
    for (const auto &[pair, counters] : last_read.preempt) {
        if (!is_gone(pair.first) && !is_gone(pair.second))
            continue;
        cgw_preempt_key key{.victim_cgroup = pair.first.value,
                            .antagonist_cgroup = pair.second.value};
        if (Status s = delete_key(m.skel->maps.preempt_pairs, key); first && !s)
            first = std::move(s);
    }
    return first;
}

// Every CPU's copy of slots 0 up to the highest held (slots are given from
// 0 up), slot after slot: in batches of the array where the kernel reads
// them (5.6+), a system call for hundreds of slots instead of one each.
Result<std::vector<cgw_cpu_stats>> read_held_slots(const CpuSensor::Impl &m) {
    const bpf_map *map = m.skel->maps.slot_stats;
    uint32_t count = 0;
    for (const auto &[cgroup, slot] : m.slots.held())
        count = std::max(count, slot + 1);
    std::vector<cgw_cpu_stats> out(static_cast<size_t>(count) * m.ncpus);
    std::vector<uint32_t> keys(count);
    BatchCursor cursor;
    uint32_t read = 0;
    while (read < count && !cursor.done) {
        auto n = lookup_batch(map, cursor, &keys[read], &out[read * m.ncpus], count - read);
        if (!n)
            break;
        read += *n;
    }
    if (read == count)
        return out;
    // No batches here (or an error after the first): the held ones one by one.
    for (const auto &[cgroup, slot] : m.slots.held())
        if (bpf_map__lookup_elem(map, &slot, sizeof slot, &out[slot * m.ncpus],
                                 m.ncpus * sizeof(cgw_cpu_stats), 0) != 0)
            return Error::from_errno("reading CPU stats slot " + std::to_string(slot));
    return out;
}

}  // namespace

CpuSensor::CpuSensor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CpuSensor::~CpuSensor() = default;

Result<std::unique_ptr<CpuSensor>> CpuSensor::open(const KernelFeatures &features,
                                                   const CpuCgroupTree &cpu_tree,
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
    auto ncpus = possible_cpus();
    if (!ncpus)
        return ncpus.error();
    size_t in_use = count_cgroups_with_tasks(cpu_tree);
    uint32_t slot_count = cpu_slot_count(in_use);
    auto impl = load_with_fallback<std::unique_ptr<Impl>>(
        mode, force.has_value(), features.raw_tp, [&](AttachMode m) {
            return load_and_attach(m, slot_count, *ncpus, needs_wakeup_programs(features));
        });
    if (!impl)
        return impl.error();
    spdlog::info(
        "CPU sensor attached with {}; {} stats slots for {} cgroups with tasks ({} KiB on {} "
        "CPUs)",
        to_string(impl.value()->mode), slot_count, in_use,
        slot_count * sizeof(cgw_cpu_stats) * *ncpus / 1024, *ncpus);
    return std::unique_ptr<CpuSensor>(new CpuSensor(std::move(impl).value()));
}

AttachMode CpuSensor::attach_mode() const {
    return impl_->mode;
}

Result<CpuCounters> CpuSensor::read() const {
    const Impl &m = *impl_;
    const auto &maps = m.skel->maps;
    const size_t n = m.ncpus;
    // A cgroup's counts may be in three parts: folded from its hash entry,
    // in its hash entry still (the programs had not seen its slot yet), and
    // in its slot. Each part summed over CPUs, then the parts by cgroup.
    std::vector<std::pair<CpuCgroupId, cgw_cpu_stats>> parts(m.folded.begin(), m.folded.end());
    parts.reserve(m.folded.size() + m.slots.held().size() + 64);
    auto add_part = [&](CpuCgroupId cgroup, const cgw_cpu_stats *per_cpu) {
        add_stats(parts.emplace_back(cgroup, cgw_cpu_stats{}).second, per_cpu, n);
    };
    for_each_entry<CpuCgroupId, cgw_cpu_stats>(maps.cpu_stats, sizeof(cgw_cpu_stats) * n, add_part);
    auto slots = read_held_slots(m);
    if (!slots)
        return slots.error();
    for (const auto &[cgroup, slot] : m.slots.held())
        add_part(cgroup, &(*slots)[slot * n]);
    std::ranges::sort(parts, {}, &std::pair<CpuCgroupId, cgw_cpu_stats>::first);
    CpuCounters out;
    out.by_cgroup.reserve(parts.size());
    std::vector<PreemptPairs::value_type> pairs;
    for (auto part = parts.begin(); part != parts.end();) {
        cgw_cpu_stats total = part->second;
        auto next = part + 1;
        for (; next != parts.end() && next->first == part->first; ++next)
            add_stats(total, &next->second, 1);
        add_counters(out, pairs, part->first, total);
        part = next;
    }
    for_each_entry<cgw_preempt_key, cgw_preempt_value>(
        maps.preempt_pairs, sizeof(cgw_preempt_value),
        [&](const cgw_preempt_key &key, const cgw_preempt_value *v) {
            pairs.push_back({{CpuCgroupId(key.victim_cgroup), CpuCgroupId(key.antagonist_cgroup)},
                             {v->delay_ns, v->count}});
        });
    out.preempt = PreemptPairs(std::move(pairs));

    if (auto drops = add_percpu_counters(maps.cpu_drops, out.drops.data(), CGW_CPU_DROP_COUNT);
        !drops)
        return drops.error().context("reading the CPU drop counters");
    return out;
}

Status CpuSensor::update_slots(const CpuCgroupTree &cpu_tree, const CpuCounters &last_read) {
    Impl &m = *impl_;
    const auto &now = cpu_tree.paths_by_id();
    // Carries on after a failure, so that one bad cgroup does not hold up the
    // others; the first failure is returned.
    Status first;
    auto keep = [&](Status s) {
        if (first && !s)
            first = std::move(s);
    };
    for (CpuCgroupId cgroup : m.slots.new_pass())
        keep(fold_hash_entry(m, cgroup));
    // A cgroup that left the tree, or that the tree has not listed for two
    // passes running (it lived less than a pass), is forgotten with its
    // pairs. Only those the sensor keeps something of are looked at (a
    // slot, folded counters, a hash entry: the tree's thousands of idle
    // cgroups have none).
    std::set<CpuCgroupId> gone;
    for (const auto &[cgroup, slot] : m.slots.held())
        if (!now.contains(cgroup))
            gone.insert(cgroup);
    for (const auto &[cgroup, stats] : m.folded)
        if (!now.contains(cgroup))
            gone.insert(cgroup);
    std::set<CpuCgroupId> unlisted;
    for (CpuCgroupId cgroup : map_keys<CpuCgroupId>(m.skel->maps.cpu_stats)) {
        if (now.contains(cgroup)) {
            if (!m.slots.slot_of(cgroup))
                keep(give_slot(m, cgroup));
        } else if (m.unlisted.contains(cgroup)) {
            gone.insert(cgroup);
        } else {
            unlisted.insert(cgroup);
        }
    }
    for (CpuCgroupId cgroup : gone)
        keep(forget(m, cgroup));
    keep(forget_pairs(m, last_read, [&](CpuCgroupId cgroup) {
        if (now.contains(cgroup))
            return false;
        if (gone.contains(cgroup) || m.unlisted.contains(cgroup))
            return true;
        unlisted.insert(cgroup);
        return false;
    }));
    m.unlisted = std::move(unlisted);
    return first;
}

std::vector<ProgramStats> CpuSensor::program_stats() const {
    return loaded_program_stats(impl_->skel->obj);
}

}  // namespace cgw
