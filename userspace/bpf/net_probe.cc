#include "cgwarden/bpf/net_probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/bpf.h>

#include <string>
#include <vector>

#include "cgwarden/common/unique_fd.h"

namespace cgw {

namespace {

// The parameter types of tracepoint `name` (btf_trace_<name> is a pointer to
// a prototype whose first parameter is the context): empty when absent.
std::vector<const btf_type *> tracepoint_params(const btf *b, const std::string &name) {
    int id = btf__find_by_name_kind(b, ("btf_trace_" + name).c_str(), BTF_KIND_TYPEDEF);
    if (id < 0)
        return {};
    const btf_type *ptr = btf__type_by_id(b, btf__type_by_id(b, static_cast<__u32>(id))->type);
    if (!ptr || !btf_is_ptr(ptr))
        return {};
    const btf_type *proto = btf__type_by_id(b, ptr->type);
    if (!proto || !btf_is_func_proto(proto))
        return {};
    std::vector<const btf_type *> params;
    const btf_param *p = btf_params(proto);
    for (uint16_t i = 0; i < btf_vlen(proto); ++i, ++p)
        params.push_back(btf__type_by_id(b, p->type));
    return params;
}

bool is_enum_named(const btf *b, const btf_type *t, std::string_view name) {
    return t && (btf_is_enum(t) || btf_is_enum64(t)) && name == btf__name_by_offset(b, t->name_off);
}

}  // namespace

void probe_net_tracepoints(const btf *vmlinux, KernelFeatures &f) {
    // kfree_skb(ctx, skb, location[, enum skb_drop_reason reason[, sock *rx_sk]])
    auto kfree = tracepoint_params(vmlinux, "kfree_skb");
    f.kfree_skb_tp = kfree.size() >= 3;
    f.kfree_skb_reason = kfree.size() >= 4 && is_enum_named(vmlinux, kfree[3], "skb_drop_reason");
    f.kfree_skb_rx_sk = f.kfree_skb_reason && kfree.size() >= 5;
    // tcp_retransmit_skb(ctx, sk, skb[, int err]): with err, the kernel fires
    // it after every attempt, failed ones included (6.1 fired on success only).
    auto retransmit = tracepoint_params(vmlinux, "tcp_retransmit_skb");
    f.tcp_retransmit_tp = retransmit.size() >= 3;
    f.tcp_retransmit_err = retransmit.size() >= 4;
}

Status probe_cgroup_skb_attach(const std::filesystem::path &cgroup2_root) {
    const bpf_insn pass[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K,
         .dst_reg = BPF_REG_0,
         .src_reg = 0,
         .off = 0,
         .imm = 1},
        {.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},
    };
    LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_CGROUP_INET_EGRESS);
    UniqueFd prog(bpf_prog_load(BPF_PROG_TYPE_CGROUP_SKB, "cgw_probe", "GPL", pass, 2, &opts));
    if (!prog.valid())
        return Error::from_errno("loading a cgroup_skb program");
    UniqueFd cgroup(::open(cgroup2_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!cgroup.valid())
        return Error::from_errno("opening " + cgroup2_root.string());
    UniqueFd link(bpf_link_create(prog.get(), cgroup.get(), BPF_CGROUP_INET_EGRESS, nullptr));
    if (!link.valid())
        return Error::from_errno("attaching a cgroup_skb program to " + cgroup2_root.string());
    return {};
}

}  // namespace cgw
