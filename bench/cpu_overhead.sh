#!/usr/bin/env bash
# Overhead of cgwarden's CPU programs (sched_switch, sched_migrate_task, and
# sched_wakeup(_new) on kernels that throttle whole CFS groups) under a
# context-switch-heavy load, next to libbpf-tools' runqlat and an empty tp_btf
# program on sched_switch.
#
# For each condition it reports
#   - mean ns per program run, from the kernel's bpf_stats (run_time_ns /
#     run_cnt deltas between two readings taken around a load run), and
#   - the load's throughput, from separate runs with bpf_stats off (the stats
#     themselves cost two clock reads per program run).
# Conditions run in rounds (no BPF, cgwarden tp_btf, cgwarden raw_tp, runqlat,
# empty program), so a slow phase of a shared machine hits every condition;
# the loss is the median of each round's loss against that round's no-BPF run.
#
# Informational: exits 0 whatever the numbers, non-zero only when something
# cannot run. See bench/README.md.
#
# Environment: RUNS (rounds, 3), SECS (seconds per throughput run, 4),
# COST_SECS (seconds per bpf_stats run, 2), CPU (CPU to pin the load to, or
# "none"; default the last CPU), LOAD (auto|perf|stress-ng), FLOOR (1: measure
# the empty program of bench/floor, built here with clang, cc and libbpf-dev;
# 0: skip), CGWARDEN (path to the binary), RAW (a directory to keep the raw
# per-round numbers in: ops.COND, one throughput per round; cost.COND, "round
# program ns/run runs/s").
set -euo pipefail

RUNS=${RUNS:-3}
SECS=${SECS:-4}
COST_SECS=${COST_SECS:-2}
LOAD=${LOAD:-auto}
FLOOR=${FLOOR:-1}
GOAL_NS=100
GOAL_LOSS_PCT=2

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CGWARDEN=${CGWARDEN:-$here/../build/userspace/cgwarden}
CPU=${CPU:-$(($(nproc) - 1))}

die() {
    echo "cpu_overhead: $*" >&2
    exit 1
}
note() { echo "cpu_overhead: $*" >&2; }

[[ $EUID -eq 0 ]] || die "needs root (loads BPF programs, sets kernel.bpf_stats_enabled): sudo $0"
[[ $RUNS =~ ^[1-9][0-9]*$ && $SECS =~ ^[1-9][0-9]*$ && $COST_SECS =~ ^[1-9][0-9]*$ ]] ||
    die "RUNS, SECS and COST_SECS must be positive integers"
[[ -x $CGWARDEN ]] || die "no cgwarden binary at $CGWARDEN; build it first: cmake -S . -B build && make -C build -j2"

# --- state restored on exit ------------------------------------------------

WORK=$(mktemp -d /tmp/cgw-bench.XXXXXX)
STATS_BEFORE=$(sysctl -n kernel.bpf_stats_enabled)
STARTED=() # pids of everything started in the background
LOAD_PID=  # the load runs in its own process group (perf forks a worker)

cleanup() {
    local rc=$? p
    trap - EXIT INT TERM
    if [[ -n $LOAD_PID ]]; then
        kill -TERM -- "-$LOAD_PID" 2>/dev/null || true
    fi
    for p in "${STARTED[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${STARTED[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    sysctl -q -w kernel.bpf_stats_enabled="$STATS_BEFORE" || true
    if [[ -n ${RAW:-} ]]; then
        { mkdir -p "$RAW" && cp "$WORK"/ops.* "$WORK"/cost.* "$RAW"/; } 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

forget() { # drop a pid from STARTED once it has been reaped
    local p keep=()
    for p in "${STARTED[@]}"; do
        [[ $p == "$1" ]] || keep+=("$p")
    done
    STARTED=("${keep[@]+"${keep[@]}"}")
}

stats() { sysctl -q -w kernel.bpf_stats_enabled="$1"; }

# --- packages --------------------------------------------------------------

ensure_packages() {
    local want=(bpftool jq libbpf-tools stress-ng linux-perf) missing=() p
    for p in "${want[@]}"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get"
    note "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$WORK/apt.log" 2>&1; then
        return 0
    fi
    apt-get update -qq >>"$WORK/apt.log" 2>&1 || true
    if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$WORK/apt.log" 2>&1; then
        tail -5 "$WORK/apt.log" >&2
        note "apt-get could not install ${missing[*]}; continuing with what is there"
    fi
}
ensure_packages
for tool in bpftool jq runqlat; do
    command -v "$tool" >/dev/null || die "$tool not found (package ${tool/runqlat/libbpf-tools})"
done
# The empty program: built here, so that it needs no build-system support.
if [[ $FLOOR == 1 ]]; then
    if command -v clang >/dev/null && command -v cc >/dev/null &&
        clang -O2 -g -target bpf -Wall -c "$here/floor/empty.bpf.c" -o "$WORK/empty.bpf.o" 2>"$WORK/floor.log" &&
        cc -O2 -Wall -o "$WORK/attach" "$here/floor/attach.c" -lbpf 2>>"$WORK/floor.log"; then
        :
    else
        cat "$WORK/floor.log" >&2 2>/dev/null || true
        note "cannot build bench/floor (needs clang, cc and libbpf-dev): skipping the empty-program row"
        FLOOR=0
    fi
fi

# --- load ------------------------------------------------------------------

PIN=()
if [[ $CPU != none ]]; then
    PIN=(taskset -c "$CPU")
fi

# Debian's /usr/bin/perf may be a wrapper that refuses kernels it has no
# perf_<version> for; try the real binaries too.
find_perf() {
    local c
    shopt -s nullglob
    for c in "$(command -v perf || true)" /usr/bin/perf_[0-9]* /usr/lib/linux-tools*/perf \
        /usr/lib/linux-tools/*/perf; do
        [[ -n $c && -x $c ]] || continue
        if "$c" bench sched pipe -l 1000 >/dev/null 2>&1; then
            shopt -u nullglob
            echo "$c"
            return 0
        fi
    done
    shopt -u nullglob
    return 1
}

PERF=
if [[ $LOAD == auto || $LOAD == perf ]]; then
    if PERF=$(find_perf); then
        LOAD=perf
    elif [[ $LOAD == perf ]]; then
        die "no working 'perf bench sched pipe' (install linux-perf matching the kernel)"
    else
        LOAD=stress-ng
    fi
fi
[[ $LOAD == perf || $LOAD == stress-ng ]] || die "LOAD must be auto, perf or stress-ng"
command -v stress-ng >/dev/null || [[ $LOAD == perf ]] || die "stress-ng not found"

LOOPS_PER_SEC=0
OPS=
# run_load SECONDS: runs the load in the background, in a process group of its
# own (so that signals reach the trap, which kills the whole group: perf's
# worker would otherwise wait forever on its pipe), and sets OPS to its
# throughput in ops/s.
run_load() {
    local secs=$1 out=$WORK/load.out ops
    if [[ $LOAD == perf ]]; then
        setsid "${PIN[@]}" "$PERF" bench sched pipe -l $((LOOPS_PER_SEC * secs)) >"$out" 2>&1 &
    else
        setsid "${PIN[@]}" stress-ng --switch 1 --timeout "${secs}s" --metrics-brief >"$out" 2>&1 &
    fi
    LOAD_PID=$!
    wait "$LOAD_PID" || {
        cat "$out" >&2
        die "the load failed"
    }
    LOAD_PID=
    if [[ $LOAD == perf ]]; then
        ops=$(awk '$2 == "ops/sec" { print $1 }' "$out")
    else
        # stress-ng: ... switch <bogo ops> <real> <usr> <sys> <ops/s real> <ops/s cpu>
        ops=$(awk '$4 == "switch" && $5 ~ /^[0-9]+$/ { printf "%.0f\n", $(NF - 1) }' "$out")
    fi
    [[ $ops =~ ^[0-9]+$ ]] || {
        cat "$out" >&2
        die "could not read the load's throughput"
    }
    OPS=$ops
}

if [[ $LOAD == perf ]]; then
    # One op is a round trip: two context switches and two wakeups. Size the
    # loop count so that a run lasts about SECS seconds.
    LOOPS_PER_SEC=20000
    run_load 1
    LOOPS_PER_SEC=$OPS
    LOAD_DESC="perf bench sched pipe ($PERF)"
else
    LOAD_DESC="stress-ng --switch 1 (bogo ops/s)"
fi
if ((${#PIN[@]})); then
    LOAD_DESC+=", pinned to CPU $CPU"
else
    LOAD_DESC+=", not pinned"
fi

# --- BPF programs of a process ---------------------------------------------

# prog_ids PID: ids of the BPF programs the process holds (program and link fds).
prog_ids() {
    { grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null || true; } | awk '{ print $2 }' | sort -un | paste -sd, -
}

IDS=
# wait_programs PID NAME: waits until the process holds BPF programs and the
# set has not changed for a second; sets IDS to them, comma-separated.
wait_programs() {
    local pid=$1 name=$2 ids last='' same=0
    for _ in $(seq 150); do
        kill -0 "$pid" 2>/dev/null || {
            cat "$WORK/$name.out" >&2
            die "$name exited before its programs were attached"
        }
        ids=$(prog_ids "$pid")
        if [[ -n $ids && $ids == "$last" ]]; then
            if ((++same >= 4)); then
                IDS=$ids
                return 0
            fi
        else
            same=0
        fi
        last=$ids
        sleep 0.25
    done
    die "$name did not attach its programs within 37 s"
}

# snapshot IDS: "id name run_time_ns run_cnt" for each program of the list.
snapshot() {
    bpftool prog show --json | jq -r --arg ids "$1" '
        ($ids | split(",") | map(tonumber)) as $want
        | .[] | select(.id as $i | $want | index($i))
        | "\(.id) \(.name) \(.run_time_ns // 0) \(.run_cnt // 0)"'
}

# --- conditions ------------------------------------------------------------

CONDS=(base cgw_btf cgw_raw runqlat)
if ((FLOOR)); then CONDS+=(empty); fi
declare -A LABEL=(
    [base]="no BPF"
    [cgw_btf]="cgwarden tp_btf"
    [cgw_raw]="cgwarden raw_tp"
    [runqlat]="runqlat (libbpf-tools)"
    [empty]="empty tp_btf program"
)

ATTACHER=
# start_attacher COND: starts the process, sets ATTACHER to its pid.
start_attacher() {
    local out=$WORK/$1.out
    case $1 in
    cgw_btf) "$CGWARDEN" snapshot --duration 86400 --attach tp_btf >"$out" 2>&1 & ;;
    cgw_raw) "$CGWARDEN" snapshot --duration 86400 --attach raw_tp >"$out" 2>&1 & ;;
    runqlat) runqlat 86400 1 >"$out" 2>&1 & ;;
    empty) "$WORK/attach" "$WORK/empty.bpf.o" >"$out" 2>&1 & ;;
    esac
    ATTACHER=$!
    STARTED+=("$ATTACHER")
}

# stop_attacher COND PID: SIGTERM; cgwarden must exit 0 and print its report.
# runqlat has no SIGTERM handler and dies of it (the kernel detaches its programs).
stop_attacher() {
    local cond=$1 pid=$2 rc=0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" || rc=$?
    forget "$pid"
    if [[ $cond == cgw_* ]]; then
        if ((rc != 0)) || ! grep -q '^CGROUP' "$WORK/$cond.out"; then
            cat "$WORK/$cond.out" >&2
            die "cgwarden (${LABEL[$cond]}) exited with status $rc or printed no report on SIGTERM"
        fi
    fi
}

# measure COND ROUND: one throughput run (stats off) and, with programs
# attached, one bpf_stats run; appends to $WORK/ops.COND and $WORK/cost.COND.
measure() {
    local cond=$1 round=$2 pid ids t0 t1
    if [[ $cond == base ]]; then
        stats 0
        run_load "$SECS"
        echo "$OPS" >>"$WORK/ops.$cond"
        return 0
    fi
    start_attacher "$cond"
    pid=$ATTACHER
    wait_programs "$pid" "$cond"
    ids=$IDS
    stats 0
    run_load "$SECS"
    echo "$OPS" >>"$WORK/ops.$cond"
    stats 1
    snapshot "$ids" >"$WORK/before"
    t0=$(date +%s%N)
    run_load "$COST_SECS"
    t1=$(date +%s%N)
    snapshot "$ids" >"$WORK/after"
    stats 0
    echo "$OPS" >>"$WORK/ops_stats.$cond"
    # round name ns_per_run runs_per_s
    awk -v round="$round" -v ms="$(((t1 - t0) / 1000000))" '
        NR == FNR { time[$1] = $3; cnt[$1] = $4; next }
        ($1 in cnt) {
            runs = $4 - cnt[$1]
            ns = runs > 0 ? ($3 - time[$1]) / runs : -1
            printf "%s %s %.1f %.0f\n", round, $2, ns, runs * 1000 / ms
        }' "$WORK/before" "$WORK/after" >>"$WORK/cost.$cond"
    stop_attacher "$cond" "$pid"
}

others=$(bpftool prog show --json |
    jq '[.[] | select(.type == "tracing" or .type == "raw_tracepoint" or .type == "tracepoint")] | length')
if ((others > 0)); then
    note "warning: $others tracing/raw_tracepoint/tracepoint BPF programs of other processes are" \
        "loaded; if they are attached to the scheduler, 'no BPF' is not a clean baseline"
fi

note "load: $LOAD_DESC; $RUNS rounds of ${SECS} s + ${COST_SECS} s per condition"
for ((round = 1; round <= RUNS; round++)); do
    for cond in "${CONDS[@]}"; do
        note "round $round/$RUNS: ${LABEL[$cond]}"
        measure "$cond" "$round"
    done
done

# --- table -----------------------------------------------------------------

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Per-round loss against the same round's no-BPF run, as percentages.
losses() {
    paste -d' ' "$WORK/ops.base" "$WORK/ops.$1" | awk '{ printf "%.2f\n", 100 * (1 - $2 / $1) }'
}

row() { printf '%-24s %-24s %10s %8s %9s %-17s %7s  %s\n' "$@"; }
verdict() { # verdict VALUE LIMIT
    awk -v v="$1" -v l="$2" 'BEGIN { print (v == "nan" ? "-" : (v + 0 < l + 0 ? "PASS" : "MISS")) }'
}

echo
echo "cgwarden CPU programs: overhead under a context-switch-heavy load"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "load: $LOAD_DESC"
echo "median of $RUNS rounds; throughput from ${SECS} s runs with bpf_stats off," \
    "ns/run from ${COST_SECS} s runs with bpf_stats on"
echo
row CONDITION PROGRAM RUNS/S NS/RUN OPS/S "(MIN-MAX)" LOSS VERDICT
base_ops=$(median <"$WORK/ops.base" | xargs printf '%.0f')
row "${LABEL[base]}" "(load throughput)" - - "$base_ops" \
    "($(sort -g "$WORK/ops.base" | head -1)-$(sort -g "$WORK/ops.base" | tail -1))" - -
for cond in "${CONDS[@]:1}"; do
    ops=$(median <"$WORK/ops.$cond" | xargs printf '%.0f')
    loss=$(losses "$cond" | median)
    row "${LABEL[$cond]}" "(load throughput)" - - "$ops" \
        "($(sort -g "$WORK/ops.$cond" | head -1)-$(sort -g "$WORK/ops.$cond" | tail -1))" \
        "$(printf '%.1f%%' "$loss")" "$(verdict "$loss" "$GOAL_LOSS_PCT")"
    while read -r name; do
        ns=$(awk -v n="$name" '$2 == n && $3 >= 0 { print $3 }' "$WORK/cost.$cond" | median)
        rps=$(awk -v n="$name" '$2 == n { print $4 }' "$WORK/cost.$cond" | median)
        if [[ $name == *switch* ]]; then
            v=$(verdict "$ns" "$GOAL_NS")
        else
            v="(no goal)"
        fi
        [[ $ns == nan ]] && ns=- || ns=$(printf '%.0f' "$ns")
        row "" "$name" "$(printf '%.0f' "$rps")" "$ns" "" "" "" "$v"
    done < <(awk '{ print $2 }' "$WORK/cost.$cond" | sort -u)
done
echo
echo "goal: < ${GOAL_NS} ns mean per sched_switch run, < ${GOAL_LOSS_PCT}% throughput loss"
echo "LOSS: median over rounds of 1 - ops/s with the programs / ops/s with no BPF in the same round."
echo "NS/RUN: bpf_stats run_time_ns / run_cnt; it includes about one clock read of bpf_stats itself" \
    "(see the empty program) but not the trampoline and tracepoint dispatch around the program."
noisy=()
for cond in "${CONDS[@]}"; do
    spread=$(sort -g "$WORK/ops.$cond" |
        awk '{ v[NR] = $1 } END { printf "%.0f", 100 * (v[NR] - v[1]) / v[int((NR + 1) / 2)] }')
    if ((spread > 10)); then noisy+=("${LABEL[$cond]} ${spread}%"); fi
done
if ((${#noisy[@]})); then
    list=$(printf '%s, ' "${noisy[@]}")
    echo "warning: throughput varied between rounds by more than 10% (${list%, }):" \
        "the machine was busy; medians absorb an occasional bad round, rerun if the numbers matter."
fi
if [[ -s $WORK/ops_stats.cgw_btf ]]; then
    echo "(throughput while bpf_stats was on, cgwarden tp_btf: $(median <"$WORK/ops_stats.cgw_btf" | xargs printf '%.0f') ops/s)"
fi
