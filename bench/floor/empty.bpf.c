// SPDX-License-Identifier: GPL-2.0
/* An empty tp_btf program on sched_switch: the floor every program attached
 * there pays (trampoline, and bpf_stats' own clock reads in NS/RUN). Built and
 * loaded by bench/cpu_overhead.sh; self-contained, needs no vmlinux.h. */
char LICENSE[] __attribute__((section("license"), used)) = "GPL";

__attribute__((section("tp_btf/sched_switch"), used)) int empty_sched_switch(void *ctx) {
    return 0;
}
