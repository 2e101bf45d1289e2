#include "cgwarden/bpf/probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <filesystem>
#include <memory>
#include <sstream>

#include "cgwarden/bpf/net_probe.h"
#include "cgwarden/common/file.h"
#include "cgwarden/common/unique_fd.h"

namespace cgw {

namespace {

struct BtfDeleter {
    void operator()(btf *b) const { btf__free(b); }
};

bool btf_has_member(const btf *b, const char *type_name, const char *member) {
    int id = btf__find_by_name_kind(b, type_name, BTF_KIND_STRUCT);
    if (id < 0)
        return false;
    const btf_type *t = btf__type_by_id(b, static_cast<__u32>(id));
    const btf_member *m = btf_members(t);
    for (unsigned short i = 0; i < btf_vlen(t); ++i, ++m) {
        const char *name = btf__name_by_offset(b, m->name_off);
        if (name && std::string_view(name) == member)
            return true;
    }
    return false;
}

// Loads "return 0" as a BTF-typed tracepoint program on sched_switch: the
// only reliable test that tp_btf works (some kernels have the BTF but refuse
// the program type, e.g. under lockdown).
bool tp_btf_loads(const btf *vmlinux) {
    int id = btf__find_by_name_kind(vmlinux, "btf_trace_sched_switch", BTF_KIND_TYPEDEF);
    if (id < 0)
        return false;
    const bpf_insn insns[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K,
         .dst_reg = BPF_REG_0,
         .src_reg = 0,
         .off = 0,
         .imm = 0},
        {.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},
    };
    LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP,
                .attach_btf_id = static_cast<__u32>(id));
    UniqueFd fd(bpf_prog_load(BPF_PROG_TYPE_TRACING, "cgw_probe", "GPL", insns, 2, &opts));
    return fd.valid();
}

// Arguments of a tracepoint after the context, from the kernel's BTF typedef
// btf_trace_<name> (a pointer to a function prototype); -1 when absent.
int tracepoint_arg_count(const btf *vmlinux, const std::string &name) {
    int id = btf__find_by_name_kind(vmlinux, ("btf_trace_" + name).c_str(), BTF_KIND_TYPEDEF);
    if (id < 0)
        return -1;
    const btf_type *t = btf__type_by_id(vmlinux, btf__resolve_type(vmlinux, id));
    if (!t || !btf_is_ptr(t))
        return -1;
    t = btf__type_by_id(vmlinux, t->type);
    if (!t || !btf_is_func_proto(t))
        return -1;
    return btf_vlen(t) - 1;
}

std::string tracefs_mount() {
    auto mountinfo = read_file("/proc/self/mountinfo");
    if (!mountinfo)
        return {};
    std::istringstream lines(*mountinfo);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.find(" - tracefs ") == std::string::npos)
            continue;
        std::istringstream fields(line);
        std::string field;
        for (int i = 0; i < 5 && fields >> field; ++i) {
        }
        return field;
    }
    return {};
}

}  // namespace

std::string_view to_string(AttachMode mode) {
    return mode == AttachMode::TpBtf ? "tp_btf" : "raw_tp";
}

Result<AttachMode> KernelFeatures::cpu_attach_mode() const {
    if (!sched_info)
        return Error{
            "the kernel keeps no per-task run-queue wait stamps (struct sched_info with "
            "last_queued, CONFIG_SCHED_INFO) or no cfs_rq -> rq link "
            "(CONFIG_FAIR_GROUP_SCHED) in its BTF: run-queue delay cannot be measured"};
    if (tp_btf)
        return AttachMode::TpBtf;
    if (raw_tp)
        return AttachMode::RawTp;
    return Error{
        "the kernel loads neither tp_btf nor raw_tp programs: "
        "is this process root (CAP_BPF and CAP_PERFMON)?"};
}

Result<AttachMode> KernelFeatures::io_attach_mode() const {
    if (!btf_vmlinux)
        return Error{"the kernel has no BTF (/sys/kernel/btf/vmlinux): the IO programs need CO-RE"};
    if (!block_rq_request_only)
        return Error{
            "the kernel's block_rq_insert/block_rq_issue tracepoints take the queue as well "
            "(kernel before 5.11): the IO programs do not support them"};
    if (!ringbuf)
        return Error{"the kernel has no BPF ring buffer (5.8+) for IO outlier events"};
    if (tp_btf)
        return AttachMode::TpBtf;
    if (raw_tp)
        return AttachMode::RawTp;
    return cpu_attach_mode();
}

KernelFeatures probe_kernel_features() {
    KernelFeatures f;
    utsname uts{};
    if (::uname(&uts) == 0)
        f.kernel_release = uts.release;
    f.btf_vmlinux = std::filesystem::exists("/sys/kernel/btf/vmlinux");
    if (std::unique_ptr<btf, BtfDeleter> vmlinux{btf__load_vmlinux_btf()};
        vmlinux && libbpf_get_error(vmlinux.get()) == 0) {
        f.tp_btf = tp_btf_loads(vmlinux.get());
        f.cfs_throttle_count = btf_has_member(vmlinux.get(), "cfs_rq", "throttle_count");
        f.cfs_task_throttle = btf_has_member(vmlinux.get(), "cfs_rq", "throttled_limbo_list");
        f.sched_info = btf_has_member(vmlinux.get(), "task_struct", "sched_info") &&
                       btf_has_member(vmlinux.get(), "sched_info", "last_queued") &&
                       btf_has_member(vmlinux.get(), "sched_info", "last_arrival") &&
                       btf_has_member(vmlinux.get(), "cfs_rq", "rq");
        probe_net_tracepoints(vmlinux.get(), f);
        // Before 5.11 insert and issue also took the queue first.
        f.block_rq_request_only = tracepoint_arg_count(vmlinux.get(), "block_rq_issue") == 1 &&
                                  tracepoint_arg_count(vmlinux.get(), "block_rq_insert") == 1;
        f.bio_blkcg = btf_has_member(vmlinux.get(), "bio", "bi_blkg");
    }
    f.raw_tp = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_RAW_TRACEPOINT, nullptr) == 1;
    f.ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) == 1;
    f.cgroup_skb = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_CGROUP_SKB, nullptr) == 1;
    if (auto stats = read_file("/proc/sys/kernel/bpf_stats_enabled"))
        f.bpf_stats_enabled = !stats->empty() && (*stats)[0] == '1';
    f.tracefs = tracefs_mount();
    return f;
}

Result<std::string> ensure_tracefs() {
    if (auto mounted = tracefs_mount(); !mounted.empty())
        return mounted;
    const char *target = "/sys/kernel/tracing";
    if (::mount("tracefs", target, "tracefs", 0, nullptr) != 0)
        return Error::from_errno(std::string("mounting tracefs at ") + target);
    return std::string(target);
}

}  // namespace cgw
