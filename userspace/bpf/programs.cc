#include "cgwarden/bpf/programs.h"

#include <bpf/bpf.h>

#include <string_view>

namespace cgw {

void load_only_flavour(bpf_object *obj, AttachMode mode) {
    bpf_program *prog;
    bpf_object__for_each_program(prog, obj) {
        std::string_view name = bpf_program__name(prog);
        bpf_program__set_autoload(prog,
                                  name.starts_with(mode == AttachMode::TpBtf ? "btf_" : "raw_"));
    }
}

Result<std::vector<BpfLink>> load_and_attach_programs(bpf_object *obj, AttachMode mode,
                                                      std::string_view what,
                                                      const std::function<int()> &load) {
    if (int err = load())
        return Error::from_errno("loading the " + std::string(what) + " programs (" +
                                     std::string(to_string(mode)) +
                                     "); the verifier log, if any, is logged above",
                                 -err);
    std::vector<BpfLink> links;
    bpf_program *prog;
    bpf_object__for_each_program(prog, obj) {
        if (!bpf_program__autoload(prog))
            continue;
        BpfLink link(bpf_program__attach(prog));
        if (!link)
            return Error::from_errno(std::string("attaching ") + bpf_program__name(prog));
        links.push_back(std::move(link));
    }
    return links;
}

std::vector<ProgramStats> loaded_program_stats(const bpf_object *obj) {
    std::vector<ProgramStats> out;
    bpf_program *prog;
    bpf_object__for_each_program(prog, obj) {
        if (!bpf_program__autoload(prog))
            continue;
        bpf_prog_info info{};
        __u32 len = sizeof info;
        if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) != 0)
            continue;
        out.push_back({bpf_program__name(prog), info.run_cnt, info.run_time_ns});
    }
    return out;
}

}  // namespace cgw
