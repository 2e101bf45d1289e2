#!/usr/bin/env bash
# Cost of cgwarden's network programs: ns per run of each (kernel bpf_stats,
# enabled for the run and restored after) and loopback TCP/UDP throughput
# (iperf3, in a private network namespace) without and with cgwarden
# attached. The heartbeat flow is declared on iperf3's port, so every packet
# takes the flow path: the worst case. Prints a table; not a test (numbers
# depend on the machine and its load). Needs root and a build (BUILD_DIR).
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$script_dir/.." && pwd -P)
build=${BUILD_DIR:-$repo/build}
cgwarden=$build/userspace/cgwarden
seconds=${SECONDS_PER_RUN:-3}
port=5201

[[ $(id -u) -eq 0 ]] || { echo "net_overhead: run as root" >&2; exit 1; }
for t in iperf3 bpftool python3 ip "$cgwarden"; do
    command -v "$t" >/dev/null || { echo "net_overhead: missing $t (scripts/setup.sh, scripts/build.sh)" >&2; exit 1; }
done

netns=cgwb-$$
stats_before=$(cat /proc/sys/kernel/bpf_stats_enabled)
snapshot_pid=
cleanup() {
    [[ -n $snapshot_pid ]] && kill "$snapshot_pid" 2>/dev/null && wait "$snapshot_pid" 2>/dev/null
    ip netns delete "$netns" 2>/dev/null || true
    echo "$stats_before" >/proc/sys/kernel/bpf_stats_enabled
}
trap cleanup EXIT
ip netns add "$netns"
ip -n "$netns" link set lo up

# iperf3 over loopback inside the namespace; prints receiver bits/s.
throughput() {
    local mode=$1 out
    ip netns exec "$netns" iperf3 -s -1 -p "$port" >/dev/null 2>&1 &
    local server=$!
    sleep 0.3
    if [[ $mode == tcp ]]; then
        out=$(ip netns exec "$netns" iperf3 -c 127.0.0.1 -p "$port" -t "$seconds" -J)
    else
        out=$(ip netns exec "$netns" iperf3 -c 127.0.0.1 -p "$port" -t "$seconds" -u -b 0 -l 1400 -J)
    fi
    wait "$server" || true
    python3 -c 'import json,sys; e=json.load(sys.stdin)["end"]; print(int(e.get("sum_received", e.get("sum"))["bits_per_second"]))' <<<"$out"
}

echo "net_overhead: loopback throughput without cgwarden (${seconds}s per run)" >&2
tcp_off=$(throughput tcp)
udp_off=$(throughput udp)

echo 1 >/proc/sys/kernel/bpf_stats_enabled
started=$(date +%s)
"$cgwarden" snapshot --duration 600 --heartbeat bench=tcp:$port --heartbeat bench-udp=udp:$port \
    >/dev/null 2>&1 &
snapshot_pid=$!
sleep 3  # both sensors loaded and attached
echo "net_overhead: loopback throughput with cgwarden attached" >&2
tcp_on=$(throughput tcp)
udp_on=$(throughput udp)

# Run count and time of cgwarden's network programs: those loaded since this
# snapshot started (bpftool here cannot name the owning pid).
bpftool prog show -j | python3 -c '
import json, sys
started = int(sys.argv[1])
net = ("skb_egress", "skb_ingress", "btf_kfree_skb", "raw_kfree_skb",
       "btf_tcp_retransmit_skb", "raw_tcp_retransmit_skb")
print("%-24s %12s %8s" % ("program", "runs", "ns/run"))
for p in json.load(sys.stdin):
    if p.get("name") in net and p.get("loaded_at", 0) >= started:
        runs, ns = p.get("run_cnt", 0), p.get("run_time_ns", 0)
        print("%-24s %12d %8.0f" % (p["name"], runs, ns / runs if runs else 0))
' "$started"

python3 - "$tcp_off" "$tcp_on" "$udp_off" "$udp_on" <<'PY'
import sys
tcp_off, tcp_on, udp_off, udp_on = map(int, sys.argv[1:])
print()
print(f"{'loopback':<10} {'without':>14} {'with cgwarden':>14} {'change':>8}")
for name, off, on in (("TCP", tcp_off, tcp_on), ("UDP 1400B", udp_off, udp_on)):
    print(f"{name:<10} {off / 1e9:>10.2f} Gb/s {on / 1e9:>10.2f} Gb/s {100 * (on - off) / off:>7.1f}%")
PY
