#!/usr/bin/env bash
# Installs every build and test dependency of cgwarden from Debian packages.
# Idempotent and quiet when nothing is missing. Needs root.
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lib/packages.sh
source "$script_dir/lib/packages.sh"

if [[ $(id -u) -ne 0 ]]; then
    echo "setup: run as root (it installs packages with apt-get)" >&2
    exit 1
fi

build=(cmake make g++ pkg-config clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
       libspdlog-dev libfmt-dev prometheus-cpp-dev libcivetweb-dev libgtest-dev libgmock-dev
       libyaml-cpp-dev libcli11-dev nlohmann-json3-dev)
# What the root tests drive: real load generators, real cgroup/net tools, and
# a real Prometheus server and promtool to check /metrics, rules, dashboards.
test_tools=(stress-ng fio iproute2 util-linux procps nftables prometheus)
# What the benches drive (bench/).
bench_tools=(iperf3 python3)
ensure_packages setup "${build[@]}" "${test_tools[@]}" "${bench_tools[@]}"
