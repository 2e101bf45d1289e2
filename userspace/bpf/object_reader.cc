#include "cgwarden/bpf/object_reader.h"

#include <bpf/bpf.h>

namespace cgw {

Result<uint64_t> sum_per_cpu_counter(const bpf_map *map, uint32_t index) {
    int ncpus = libbpf_num_possible_cpus();
    if (ncpus <= 0)
        return Error::from_errno("counting possible CPUs", -ncpus);
    std::vector<uint64_t> per_cpu(static_cast<size_t>(ncpus));
    if (bpf_map__lookup_elem(map, &index, sizeof index, per_cpu.data(),
                             per_cpu.size() * sizeof(uint64_t), 0) != 0)
        return Error::from_errno(std::string("reading ") + bpf_map__name(map));
    uint64_t sum = 0;
    for (uint64_t v : per_cpu)
        sum += v;
    return sum;
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
