#include "cgwarden/net/drop_reasons.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <memory>
#include <string_view>

namespace cgw {

namespace {

constexpr std::string_view kPrefix = "SKB_DROP_REASON_";

struct BtfDeleter {
    void operator()(btf *b) const { btf__free(b); }
};

}  // namespace

Result<DropReasonNames> DropReasonNames::from_kernel() {
    std::unique_ptr<btf, BtfDeleter> vmlinux{btf__load_vmlinux_btf()};
    if (!vmlinux || libbpf_get_error(vmlinux.get()))
        return Error{"the kernel has no BTF (/sys/kernel/btf/vmlinux): drop reasons have no names"};
    return from_btf(vmlinux.get());
}

Result<DropReasonNames> DropReasonNames::from_btf(const btf *b) {
    int id = btf__find_by_name_kind(b, "skb_drop_reason", BTF_KIND_ENUM);
    if (id < 0)
        return Error{
            "the kernel's BTF has no enum skb_drop_reason (kernels before 5.17 give no "
            "drop reasons)"};
    const btf_type *t = btf__type_by_id(b, static_cast<uint32_t>(id));
    const struct btf_enum *e = btf_enum(t);
    DropReasonNames out;
    for (uint16_t i = 0; i < btf_vlen(t); ++i, ++e) {
        std::string_view name = btf__name_by_offset(b, e->name_off);
        if (name.starts_with(kPrefix))
            name.remove_prefix(kPrefix.size());
        out.names_[static_cast<uint32_t>(e->val)] = std::string(name);
    }
    return out;
}

std::string DropReasonNames::name(uint32_t reason) const {
    if (auto it = names_.find(reason); it != names_.end())
        return it->second;
    return "UNKNOWN_" + std::to_string(reason);
}

}  // namespace cgw
