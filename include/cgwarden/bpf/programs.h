// The programs of one BPF object: picking an attach flavour, attaching what
// was loaded, and what each program costs.
#pragma once

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cgwarden/bpf/handles.h"
#include "cgwarden/bpf/probe.h"
#include "cgwarden/common/result.h"

namespace cgw {

// Cost of one BPF program, from the kernel's bpf_stats.
struct ProgramStats {
    std::string name;
    uint64_t run_count = 0;
    uint64_t run_time_ns = 0;
};

// Program names carry their flavour: btf_* are tp_btf, raw_* are raw_tp.
// Only the programs of `mode` are loaded.
void load_only_flavour(bpf_object *obj, AttachMode mode);

// Loads the object with `load` (its skeleton's NAME__load, which returns a
// negative errno) and attaches every loaded program; the links detach when
// destroyed. `what` names the programs in errors ("CPU", "IO").
Result<std::vector<BpfLink>> load_and_attach_programs(bpf_object *obj, AttachMode mode,
                                                      std::string_view what,
                                                      const std::function<int()> &load);

std::vector<ProgramStats> loaded_program_stats(const bpf_object *obj);

// Runs load(mode); when that was picked by the probe (not forced) and a tp_btf
// load fails anyway, warns and tries raw_tp.
template <class T>
Result<T> load_with_fallback(AttachMode mode, bool forced, bool raw_tp,
                             const std::function<Result<T>(AttachMode)> &load) {
    Result<T> loaded = load(mode);
    if (!loaded && !forced && mode == AttachMode::TpBtf && raw_tp) {
        spdlog::warn("{}; falling back to raw_tp", loaded.error().message);
        loaded = load(AttachMode::RawTp);
    }
    return loaded;
}

}  // namespace cgw
