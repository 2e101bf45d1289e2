#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "cgwarden/common/http_client.h"
#include "cgwarden/decisions/text.h"
#include "cgwarden/policy/parse.h"
#include "commands.h"

namespace cgw::cli {

namespace {

constexpr const char *kDefaultConfig = "/etc/cgwarden/cgwarden.yaml";

struct DecisionsArgs {
    std::string address;
    std::string config;
    std::vector<std::string> cgroups;
    size_t last = 30;
    bool json = false;
};

// --address, else the listen address of the policy the daemon runs with.
std::string daemon_address(const DecisionsArgs &args) {
    if (!args.address.empty())
        return args.address;
    std::string config = args.config;
    if (config.empty()) {
        std::error_code ec;
        if (!std::filesystem::exists(kDefaultConfig, ec))
            return Policy{}.listen;
        config = kDefaultConfig;
    }
    return or_fail(load_policy(config), "reading the daemon's listen address").listen;
}

void show_decisions(const DecisionsArgs &args) {
    std::string address = daemon_address(args);
    HostPort to = or_fail(connect_address(address), "--address");
    auto response = http_get(to, "/decisions");
    if (!response)
        throw Failure{response.error().message +
                      "\nis `cgwarden run` running? It serves its decisions on the --listen "
                      "address of its policy; point --address or --config at it"};
    if (response->status != 200)
        throw Failure{fmt::format("{} answered /decisions with HTTP {}: {}", address,
                                  response->status, response->body)};
    DecisionDocument document = or_fail(parse_decision_document(response->body),
                                        "reading the daemon's decisions from " + address);
    document = select_decisions(std::move(document), args.cgroups, args.last);
    std::cout << (args.json ? to_json(document) : decision_table(document));
}

}  // namespace

void add_decisions_command(CLI::App &app) {
    auto args = std::make_shared<DecisionsArgs>();
    auto *cmd = app.add_subcommand(
        "decisions",
        "Show what the running daemon did and why: every knob it moved (or, in dry-run, "
        "would have moved), old -> new value, the rule, and for a step down the victim, "
        "the SLO it breached and the share of the trouble the moved cgroup caused. Asks "
        "`cgwarden run` over its metrics address (/decisions); the daemon keeps the last "
        "1000 decisions in memory. Examples:\n"
        "  cgwarden decisions                       last 30, address from " +
            std::string(kDefaultConfig) +
            "\n"
            "  cgwarden decisions --cgroup /kubepods    moved, or moved for, anything below\n"
            "  cgwarden decisions --json --last 1000    for scripts");
    cmd->add_option("--address", args->address,
                    "The daemon's metrics address host:port (default: `listen` of --config, "
                    "else 127.0.0.1:9477)");
    cmd->add_option("-c,--config", args->config,
                    "Policy file the daemon runs with, to find its address (default: " +
                        std::string(kDefaultConfig) + " if it exists)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--cgroup", args->cgroups,
                    "Only decisions that moved this cgroup or were made for it as the victim; "
                    "covers descendants (repeatable)");
    cmd->add_option("--last", args->last, "Show at most this many, the most recent")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_flag("--json", args->json,
                  "Print JSON instead of the table: {mode, total, decisions: [{time, cgroup, knob, "
                  "device, old, new, direction, rule, applied, error, evidence}]}");
    cmd->set_version_flag("--version", std::string("cgwarden ") + CGW_VERSION);
    cmd->callback([args] { show_decisions(*args); });
}

}  // namespace cgw::cli
