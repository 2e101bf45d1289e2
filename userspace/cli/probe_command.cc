#include <fmt/format.h>
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cgwarden/bpf/net_probe.h"
#include "cgwarden/bpf/probe.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/sensor/io_sensor.h"
#include "commands.h"

namespace cgw::cli {

namespace {

const char *yes_no(bool b) {
    return b ? "yes" : "no";
}

void run_probe(bool json) {
    KernelFeatures f = probe_kernel_features();
    auto layout = detect_cgroup_layout();
    auto attach = f.cpu_attach_mode();
    std::string picked = attach ? std::string(to_string(*attach)) : "none";
    // Attaching for an instant is the only proof: lockdown or an LSM may refuse.
    Status skb_attach = layout && layout->unified
                            ? probe_cgroup_skb_attach(*layout->unified)
                            : Status(Error{"no cgroup2 hierarchy is mounted"});
    std::string skb_attach_text = skb_attach ? "yes" : "no: " + skb_attach.error().message;
    auto io_attach = f.io_attach_mode();
    std::string io_picked = io_attach ? std::string(to_string(*io_attach)) : "none";
    IoAttribution io_owner = io_attribution(f);
    std::string io_mount;
    if (layout)
        io_mount = io_cgroup_mount(*layout, io_owner).value_or("").string();

    nlohmann::json cgroups = nullptr;
    if (layout) {
        nlohmann::json v1 = nlohmann::json::object();
        for (const auto &[controller, mount] : layout->v1)
            v1[controller] = mount.string();
        cgroups = {{"mode", std::string(to_string(layout->mode))},
                   {"unified", layout->unified ? layout->unified->string() : ""},
                   {"unified_controllers", layout->unified_controllers},
                   {"v1", v1},
                   {"cpu_hierarchy", layout->mount_for("cpu").value_or("").string()}};
    }
    if (json) {
        nlohmann::json out = {
            {"kernel", f.kernel_release},
            {"root", ::geteuid() == 0},
            {"btf_vmlinux", f.btf_vmlinux},
            {"tp_btf", f.tp_btf},
            {"raw_tp", f.raw_tp},
            {"sched_info", f.sched_info},
            {"ringbuf", f.ringbuf},
            {"cgroup_skb", f.cgroup_skb},
            {"cgroup_skb_attach", skb_attach_text},
            {"kfree_skb", f.kfree_skb_tp},
            {"kfree_skb_reason", f.kfree_skb_reason},
            {"kfree_skb_rx_sk", f.kfree_skb_rx_sk},
            {"tcp_retransmit_skb", f.tcp_retransmit_tp},
            {"tcp_retransmit_skb_err", f.tcp_retransmit_err},
            {"cfs_throttle_count", f.cfs_throttle_count},
            {"cfs_task_throttle", f.cfs_task_throttle},
            {"bpf_stats_enabled", f.bpf_stats_enabled},
            {"tracefs", f.tracefs},
            {"cgroups", cgroups},
            {"cpu_attach", picked},
            {"block_rq_request_only", f.block_rq_request_only},
            {"bio_blkcg", f.bio_blkcg},
            {"io_attach", io_picked},
            {"io_attach_error", io_attach ? "" : io_attach.error().message},
            {"io_attribution", std::string(to_string(io_owner))},
            {"io_hierarchy", io_mount},
        };
        std::cout << out.dump(2) << "\n";
        return;
    }
    std::cout << fmt::format("kernel              {}\n", f.kernel_release)
              << fmt::format("running as root     {}\n", yes_no(::geteuid() == 0))
              << fmt::format("BTF (vmlinux)       {}\n", yes_no(f.btf_vmlinux))
              << fmt::format("tp_btf programs     {}\n", yes_no(f.tp_btf))
              << fmt::format("raw_tp programs     {}\n", yes_no(f.raw_tp))
              << fmt::format("sched_info stamps   {}\n",
                             f.sched_info ? "yes" : "no (run-queue delay not measured)")
              << fmt::format("ring buffer         {}\n", yes_no(f.ringbuf))
              << fmt::format("cgroup_skb programs {}\n", yes_no(f.cgroup_skb))
              << fmt::format("cgroup_skb on cgroup2 {}\n", skb_attach_text)
              << fmt::format("skb:kfree_skb       {}\n",
                             !f.kfree_skb_tp      ? "no (packet drops not measured)"
                             : f.kfree_skb_reason ? "yes, with drop reasons"
                                                  : "yes, without reasons (kernel < 5.17)")
              << fmt::format("tcp_retransmit_skb  {}\n",
                             !f.tcp_retransmit_tp   ? "no (retransmits not measured)"
                             : f.tcp_retransmit_err ? "yes, failed attempts skipped"
                                                    : "yes")
              << fmt::format("cfs_rq throttle     {}\n",
                             !f.cfs_throttle_count ? "no (throttled waits not separated)"
                             : f.cfs_task_throttle ? "per task (throttled waits measured)"
                                                   : "per group (throttled waits measured)")
              << fmt::format(
                     "bpf_stats           {}\n",
                     f.bpf_stats_enabled ? "enabled" : "disabled (sysctl kernel.bpf_stats_enabled)")
              << fmt::format("tracefs             {}\n",
                             f.tracefs.empty() ? "not mounted" : f.tracefs);
    if (layout) {
        std::cout << fmt::format("cgroup layout       {}\n", to_string(layout->mode));
        if (layout->unified)
            std::cout << fmt::format(
                "  cgroup2           {} (controllers: {})\n", layout->unified->string(),
                layout->unified_controllers.empty()
                    ? "none"
                    : fmt::format("{}", fmt::join(layout->unified_controllers, " ")));
        for (const auto &[controller, mount] : layout->v1)
            std::cout << fmt::format("  v1 {:<14} {}\n", controller, mount.string());
        std::cout << fmt::format("  cpu controller in {}\n",
                                 layout->mount_for("cpu").value_or("(not mounted)").string());
    } else {
        std::cout << fmt::format("cgroup layout       error: {}\n", layout.error().message);
    }
    if (attach)
        std::cout << fmt::format("CPU programs        {} (picked)\n", picked);
    else
        std::cout << fmt::format("CPU programs        none: {}\n", attach.error().message);
    if (io_attach)
        std::cout << fmt::format("IO programs         {} (picked)\n", io_picked)
                  << fmt::format("  IO charged to     the {} ({}: {})\n", to_string(io_owner),
                                 io_owner == IoAttribution::BioBlkcg
                                     ? "rq->bio->bi_blkg, right for writeback by kworkers"
                                     : "no bio->bi_blkg in this kernel",
                                 io_mount.empty() ? "no hierarchy mounted" : io_mount);
    else
        std::cout << fmt::format("IO programs         none: {}\n", io_attach.error().message);
}

}  // namespace

void add_probe_command(CLI::App &app) {
    auto *cmd = app.add_subcommand(
        "probe",
        "Show what the kernel offers (BTF, tp_btf/raw_tp, the scheduler's sched_info wait "
        "stamps, per-task or per-group CFS throttling, ring buffer, cgroup layout, tracefs) "
        "and which attach path cgwarden picks");
    auto json = std::make_shared<bool>(false);
    cmd->add_flag("--json", *json, "Machine-readable output");
    cmd->set_version_flag("--version", std::string("cgwarden ") + CGW_VERSION);
    cmd->callback([json] { run_probe(*json); });
}

}  // namespace cgw::cli
