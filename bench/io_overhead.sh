#!/usr/bin/env bash
# Cost of cgwarden's IO programs (block_rq_insert/issue/requeue/merge/complete)
# under a random-read fio load, next to libbpf-tools' biolatency -Q -D (the
# same hooks, one histogram per disk) on the same load.
#
# Per condition (no BPF, cgwarden tp_btf, cgwarden raw_tp, biolatency), in
# rounds so a slow phase of a shared machine hits all of them:
#   - fio's IOPS with kernel.bpf_stats_enabled off (the stats cost two clock
#     reads per program run), and
#   - ns per program run, from bpf_stats run_time_ns / run_cnt deltas around a
#     second fio run with the stats on.
# cgwarden runs as `cgwarden snapshot`, which attaches the CPU programs too:
# their cost is in its IOPS loss, not in the ns/run rows (block_rq_* only).
# Prints one table of medians. Informational: exits 0 whatever the numbers,
# non-zero only when something cannot run.
#
# Environment: RUNS (rounds, 3), SECS (seconds per fio run, 4), DIR (where
# the fio file goes; must be on a block device, default /var/tmp), CGWARDEN
# (the binary, default build/userspace/cgwarden).
set -euo pipefail

RUNS=${RUNS:-3}
SECS=${SECS:-4}
DIR=${DIR:-/var/tmp}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
CGWARDEN=${CGWARDEN:-$repo/build/userspace/cgwarden}
# shellcheck source=../scripts/lib/packages.sh
source "$repo/scripts/lib/packages.sh"

die() {
    echo "io_overhead: $*" >&2
    exit 1
}

[[ $EUID -eq 0 ]] || die "needs root (loads BPF programs, sets kernel.bpf_stats_enabled)"
[[ $RUNS =~ ^[1-9][0-9]*$ && $SECS =~ ^[1-9][0-9]*$ ]] || die "RUNS and SECS: positive integers"
[[ -x $CGWARDEN ]] || die "no cgwarden at $CGWARDEN: cmake -S . -B build && make -C build -j2"
ensure_packages io_overhead fio bpftool jq libbpf-tools

work=$(mktemp -d /tmp/cgw-io-bench.XXXXXX)
file=$DIR/cgw-io-bench.$$
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
tool_pid=
tool_ids='[]' # ids of the programs the running tool loaded

stop_tool() {
    [[ -n $tool_pid ]] || return 0
    kill -TERM "$tool_pid" 2>/dev/null || true
    wait "$tool_pid" 2>/dev/null || true
    tool_pid=
tool_ids='[]' # ids of the programs the running tool loaded
}

cleanup() {
    stop_tool
    sysctl -q -w kernel.bpf_stats_enabled="$stats_before" || true
    rm -rf "$work" "$file"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fio --name=fill --filename="$file" --size=256M --rw=write --bs=1M --direct=1 \
    --output=/dev/null || die "cannot write $file"

# fio_iops SECONDS: random 4 KiB direct reads, 16 in flight; prints IOPS.
fio_iops() {
    fio --name=load --filename="$file" --size=256M --rw=randread --bs=4k --direct=1 \
        --ioengine=libaio --iodepth=16 --runtime="$1" --time_based \
        --output-format=json --output="$work/fio.json"
    jq '.jobs[0].read.iops | floor' "$work/fio.json"
}

prog_ids() { bpftool prog show --json | jq -c '[.[].id]'; }

# programs: "name run_time_ns run_cnt" of the block programs the tool loaded.
# (Debian's bpftool cannot name the process holding a program: the tool's
# programs are those that appeared when it started.)
programs() {
    bpftool prog show --json |
        jq -r --argjson ids "$tool_ids" '.[] | select(.id as $i | $ids | index($i))
            | select(.name | test("block_rq")) | "\(.name) \(.run_time_ns // 0) \(.run_cnt // 0)"'
}

# start_tool CONDITION: starts the tool of a condition in the background and
# waits until its block programs are loaded.
start_tool() {
    local before
    before=$(prog_ids)
    case $1 in
        none) return 0 ;;
        cgwarden-tp_btf | cgwarden-raw_tp)
            "$CGWARDEN" snapshot --attach "${1#cgwarden-}" --duration 86400 >/dev/null 2>&1 &
            ;;
        biolatency) biolatency -Q -D >/dev/null 2>&1 & ;;
    esac
    tool_pid=$!
    for _ in $(seq 100); do
        tool_ids=$(prog_ids | jq -c --argjson old "$before" '. - $old')
        [[ -n $(programs) ]] && return 0
        sleep 0.1
    done
    die "$1 attached no BPF program"
}

conditions=(none cgwarden-tp_btf cgwarden-raw_tp biolatency)
: >"$work/results"
for round in $(seq "$RUNS"); do
    for cond in "${conditions[@]}"; do
        start_tool "$cond"
        sysctl -q -w kernel.bpf_stats_enabled=0
        iops=$(fio_iops "$SECS")
        echo "$cond iops - $iops" >>"$work/results"
        if [[ $cond != none ]]; then
            programs | sort >"$work/before"
            sysctl -q -w kernel.bpf_stats_enabled=1
            fio_iops "$SECS" >/dev/null
            programs | sort >"$work/after"
            sysctl -q -w kernel.bpf_stats_enabled=0
            join "$work/before" "$work/after" |
                awk -v c="$cond" '$5 > $3 {
                    printf "%s ns %s %.0f %.0f\n", c, $1, ($4 - $2) / ($5 - $3), ($5 - $3) }' \
                    >>"$work/results"
        fi
        stop_tool
    done
    echo "io_overhead: round $round of $RUNS done" >&2
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
base=$(awk '$1 == "none" && $2 == "iops" { print $4 }' "$work/results" | median)

echo
echo "fio randread 4k, libaio, iodepth 16, ${SECS}s per run, $RUNS rounds, kernel $(uname -r); medians"
printf '%-18s %-24s %10s %12s %10s %8s\n' CONDITION PROGRAM NS/RUN RUNS IOPS LOSS
for cond in "${conditions[@]}"; do
    iops=$(awk -v c="$cond" '$1 == c && $2 == "iops" { print $4 }' "$work/results" | median)
    loss=$(awk -v i="$iops" -v b="$base" 'BEGIN { printf "%.1f%%", (b > 0 ? 100 * (b - i) / b : 0) }')
    progs=$(awk -v c="$cond" '$1 == c && $2 == "ns" { print $3 }' "$work/results" | sort -u)
    if [[ -z $progs ]]; then
        printf '%-18s %-24s %10s %12s %10s %8s\n' "$cond" - - - "$iops" "$loss"
        continue
    fi
    for prog in $progs; do
        ns=$(awk -v c="$cond" -v p="$prog" '$1 == c && $3 == p { print $4 }' "$work/results" | median)
        runs=$(awk -v c="$cond" -v p="$prog" '$1 == c && $3 == p { print $5 }' "$work/results" | median)
        printf '%-18s %-24s %10s %12s %10s %8s\n' "$cond" "$prog" "$ns" "$runs" "$iops" "$loss"
    done
done
