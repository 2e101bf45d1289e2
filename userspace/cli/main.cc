// cgwarden: measures contention between cgroups in the kernel and protects
// latency-critical workloads from their neighbours.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"

int main(int argc, char **argv) {
    CLI::App app{
        "cgwarden measures, per cgroup and in the kernel with eBPF, how long tasks wait for a "
        "CPU, how long they are throttled, and which cgroups take the CPU from them.\n\n"
        "Examples:\n"
        "  cgwarden probe                       what this kernel offers, which path is used\n"
        "  cgwarden snapshot --duration 10      who waited for CPU, and because of whom\n"
        "  cgwarden snapshot --json --cgroup /app/web --duration 5\n",
        "cgwarden"};
    app.set_version_flag("--version", std::string("cgwarden ") + CGW_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    std::string log_level = "warn";
    app.add_option("--log-level", log_level, "Log detail on stderr (run: info)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
        ->capture_default_str();

    cgw::cli::add_snapshot_command(app);
    cgw::cli::add_probe_command(app);
    cgw::cli::add_check_config_command(app);
    cgw::cli::add_restore_command(app);
    cgw::cli::add_run_command(app);
    cgw::cli::add_decisions_command(app);

    auto logger = spdlog::stderr_color_mt("cgwarden");
    spdlog::set_default_logger(logger);
    // A one-shot command keeps stderr for problems; the daemon's decisions are
    // its output, so `run` logs at info unless told otherwise.
    app.parse_complete_callback([&] {
        bool chosen = app.get_option("--log-level")->count() > 0;
        std::string level = !chosen && app.got_subcommand("run") ? "info" : log_level;
        spdlog::set_level(spdlog::level::from_str(level));
    });

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        // --help and --version exit 0; every usage error exits 2, as tools do.
        return app.exit(e) == 0 ? 0 : 2;
    } catch (const cgw::cli::Failure &f) {
        std::cerr << "cgwarden: " << f.message << "\n";
        return f.exit_code;
    }
    return 0;
}
