// RAII owners for libbpf objects.
#pragma once

#include <bpf/libbpf.h>

#include <memory>

namespace cgw {

struct BpfLinkDeleter {
    void operator()(bpf_link *link) const { bpf_link__destroy(link); }
};
using BpfLink = std::unique_ptr<bpf_link, BpfLinkDeleter>;

// A bpftool skeleton, destroyed with its generated NAME__destroy.
template <class Skel, void (*Destroy)(Skel *)>
struct SkeletonDeleter {
    void operator()(Skel *skel) const { Destroy(skel); }
};
template <class Skel, void (*Destroy)(Skel *)>
using SkeletonPtr = std::unique_ptr<Skel, SkeletonDeleter<Skel, Destroy>>;

}  // namespace cgw
