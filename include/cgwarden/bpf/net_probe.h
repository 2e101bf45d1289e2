// Probes for the network programs' hooks, found by trying or in the kernel's
// BTF, never assumed from the kernel version.
#pragma once

#include <filesystem>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/common/result.h"

struct btf;

namespace cgw {

// Fills the kfree_skb_* and tcp_retransmit_* fields from the tracepoints'
// prototypes in the kernel's BTF (btf_trace_<name>).
void probe_net_tracepoints(const btf *vmlinux, KernelFeatures &f);

// Loads a pass-everything cgroup_skb program and attaches it to the cgroup2
// root for an instant (a link, closed at once): the error says why not.
Status probe_cgroup_skb_attach(const std::filesystem::path &cgroup2_root);

}  // namespace cgw
