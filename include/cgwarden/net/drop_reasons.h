// Names of the kernel's packet drop reasons (enum skb_drop_reason), read from
// the kernel's own BTF so they are right on every kernel: the numbers change
// between releases, a table in cgwarden would not.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "cgwarden/common/result.h"

struct btf;

namespace cgw {

class DropReasonNames {
  public:
    // Knows no names: every reason reads "UNKNOWN_<n>".
    DropReasonNames() = default;
    // From /sys/kernel/btf/vmlinux; an error when the kernel has no BTF or no
    // enum skb_drop_reason (before 5.17).
    static Result<DropReasonNames> from_kernel();
    // From any BTF (tests build one in memory).
    static Result<DropReasonNames> from_btf(const btf *b);

    // "QDISC_DROP" for SKB_DROP_REASON_QDISC_DROP; "UNKNOWN_<n>" for a value
    // the enum does not name (e.g. a subsystem's reason).
    std::string name(uint32_t reason) const;

  private:
    std::map<uint32_t, std::string> names_;
};

}  // namespace cgw
