#!/usr/bin/env bash
# What the daemon costs on a node with many cgroups (issue 14).
#
# For each count N it creates N cgroups under one bench parent in every
# hierarchy the daemon reads (cgroup2; on a hybrid node also v1 cpu and
# blkio), one task in each: ACTIVE of them a wakeloop waking 20 times a
# second and working 100 us a wake (less where that would keep more than
# LOAD of the CPUs busy: a node whose tasks want more CPU than it has
# measures the daemon waiting for a CPU, not what it costs), the rest
# `sleep infinity`. Optionally CHURN cgroups a second are
# created, run one short task and are removed while it measures. Then it runs
# `cgwarden run` on the shipped policy (deploy/cgwarden.yaml) in MODE and,
# after SETTLE seconds, measures SECS seconds of steady state:
#   CPU%    the daemon's utime+stime over the window, % of one core
#   RSS     its VmRSS at the end of the window (MiB)
#   PASS    loop pass p50 / p99 / max (ms), from its debug line
#           "pass over ... took X ms" (sampling, signals, decisions, writes)
#   SCRAPE  one /metrics scrape after the window: ms (from the request to
#           the last byte: it waits for the next pass, which builds it), KiB,
#           series (during
#           the window a scrape every SCRAPE_EVERY seconds, as Prometheus
#           would: the daemon builds its metrics only for a scrape, so a
#           window without any would flatter it)
#   MAPS    its BPF hash maps at the end: entries / max_entries, fullest first
#   CHURN   cgroups made and removed a second during the window, as reached
#           (one shell loop per 20 a second); with churn, a note also gives
#           the RSS and the maps at the start of the window, to compare
#
# Informational: exits 0 whatever the numbers, non-zero only when something
# cannot run. Needs root, a build (cgwarden, tests/tools/wakeloop), curl,
# bpftool, jq.
#
# Environment: COUNTS ("1000 5000 10000"), ACTIVE (0.1: the share of
# cgroups whose task wakes), LOAD (0.5: the most of the CPUs the waking
# tasks use together), SECS (40), SETTLE (10), MODE (monitor; or
# enforce, dry-run), CHURN (0: cgroups created and removed per second during
# the window), SCRAPE_EVERY (15: seconds between scrapes during the window;
# 0: none), BUILD_DIR (build), CGWARDEN, WAKELOOP, LOGS (a directory to
# keep each run's daemon log in).
set -euo pipefail

COUNTS=${COUNTS:-1000 5000 10000}
ACTIVE=${ACTIVE:-0.1}
LOAD=${LOAD:-0.5}
SECS=${SECS:-40}
SETTLE=${SETTLE:-10}
MODE=${MODE:-monitor}
CHURN=${CHURN:-0}
SCRAPE_EVERY=${SCRAPE_EVERY:-15}
LOGS=${LOGS:-}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=${BUILD_DIR:-$here/../build}
CGWARDEN=${CGWARDEN:-$BUILD_DIR/userspace/cgwarden}
WAKELOOP=${WAKELOOP:-$BUILD_DIR/tests/tools/wakeloop}
POLICY=$here/../deploy/cgwarden.yaml

die() {
    echo "scale: $*" >&2
    exit 1
}
note() { echo "scale: $*" >&2; }

[[ $EUID -eq 0 ]] || die "needs root (creates cgroups, loads BPF): sudo $0"
for tool in curl bpftool jq; do
    command -v "$tool" >/dev/null || die "needs $tool: apt-get install $tool"
done
[[ -x $CGWARDEN && -x $WAKELOOP ]] ||
    die "no build at $BUILD_DIR; build it first: cmake -S . -B build && cmake --build build -j2"
[[ $MODE =~ ^(monitor|enforce|dry-run)$ ]] || die "MODE must be monitor, enforce or dry-run"
[[ $SECS =~ ^[1-9][0-9]*$ && $SETTLE =~ ^[0-9]+$ && $CHURN =~ ^[0-9]+$ && $SCRAPE_EVERY =~ ^[0-9]+$ ]] ||
    die "SECS, SETTLE, CHURN and SCRAPE_EVERY must be whole numbers"
[[ $LOAD =~ ^(0?\.[0-9]*[1-9][0-9]*|[1-9][0-9]*(\.[0-9]+)?)$ ]] || die "LOAD must be a number above 0, like 0.5"

# Every hierarchy the daemon reads: the bench parent is made in each (v1
# cpuacct too where it is a mount of its own: the daemon reads usage there).
if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
    layout=v2
    hierarchies=(/sys/fs/cgroup)
else
    layout=hybrid
    hierarchies=()
    for h in /sys/fs/cgroup/unified /sys/fs/cgroup/cpu,cpuacct /sys/fs/cgroup/cpu /sys/fs/cgroup/cpuacct \
        /sys/fs/cgroup/blkio; do
        [[ -d $h && ! -L $h ]] && hierarchies+=("$h")
    done
fi
(( ${#hierarchies[@]} > 0 )) || die "no cgroup hierarchy found under /sys/fs/cgroup"

WORK=$(mktemp -d /tmp/cgw-scale.XXXXXX)
PARENT=cgw-scale-$$
tasks=()      # pids of the cgroups' tasks
daemon_pid=
churn_pid=
scraper_pid=

stop_tasks() {
    local p
    for p in "${tasks[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    for p in "${tasks[@]}"; do wait "$p" 2>/dev/null || true; done
    tasks=()
}

remove_cgroups() {
    local h
    for h in "${hierarchies[@]}"; do
        [[ -d $h/$PARENT ]] || continue
        # Children first; a cgroup whose last task is still exiting refuses
        # once, so try twice.
        find "$h/$PARENT" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null ||
            { sleep 1; find "$h/$PARENT" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true; }
        rmdir "$h/$PARENT" 2>/dev/null || note "left $h/$PARENT behind (tasks still in it?)"
    done
}

# Stops the background job whose pid the named variable holds, and clears it.
stop_job() { # VARIABLE
    local -n job=$1
    [[ -n $job ]] || return 0
    kill -TERM "$job" 2>/dev/null || true
    wait "$job" 2>/dev/null || true
    job=
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_job scraper_pid
    stop_job churn_pid
    stop_job daemon_pid
    stop_tasks
    remove_cgroups
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT INT TERM

free_port() {
    local port
    for port in $(shuf -i 20000-60000 -n 50); do
        (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null || { echo "$port"; return; }
    done
    die "no free port"
}

# The work a wake of ACTIVE tasks waking 20 times a second: 100 us, or
# less so that together they keep at most LOAD of the CPUs busy.
work_us() { # ACTIVE
    awk -v a="$1" -v l="$LOAD" -v c="$(nproc)" \
        'BEGIN { w = a > 0 ? l * c * 1e6 / (a * 20) : 100; printf "%d", w < 100 ? (w < 1 ? 1 : w) : 100 }'
}

# N cgroups named c<i> in every hierarchy, a task in each. The waking tasks
# go in the last ones: started first, 1,000 of them keep two CPUs busy and
# the rest takes half an hour to create.
populate() { # N
    local n=$1 active work_us i h dir pid
    active=$(awk -v n="$n" -v a="$ACTIVE" 'BEGIN { printf "%d", n * a }')
    work_us=$(work_us "$active")
    for h in "${hierarchies[@]}"; do
        mkdir -p "$h/$PARENT"
        # cgroup2: let the bench cgroups have the controllers the root hands down.
        if [[ -f $h/cgroup.subtree_control ]]; then
            for c in $(cat "$h/cgroup.subtree_control"); do
                echo "+$c" >"$h/$PARENT/cgroup.subtree_control" 2>/dev/null || true
            done
        fi
    done
    for ((i = 0; i < n; i++)); do
        for h in "${hierarchies[@]}"; do mkdir "$h/$PARENT/c$i"; done
        if ((i >= n - active)); then
            "$WAKELOOP" --sleep-us 50000 --work-us "$work_us" >/dev/null 2>&1 &
        else
            sleep infinity &
        fi
        pid=$!
        tasks+=("$pid")
        for h in "${hierarchies[@]}"; do
            dir=$h/$PARENT/c$i
            if [[ -f $dir/cgroup.procs ]]; then echo "$pid" >"$dir/cgroup.procs"; else echo "$pid" >"$dir/tasks"; fi
        done
        ((i % 1000 == 999)) && note "  $((i + 1)) of $n cgroups"
    done
    return 0
}

# RATE cgroups a second: made, one short task run in it, removed; the count
# so far in $WORK/churned.WORKER.
churn_worker() { # WORKER RATE
    local w=$1 rate=$2 i=0 h dir pid name
    while :; do
        local started=$EPOCHREALTIME
        for ((k = 0; k < rate; k++)); do
            name=churn$w-$i
            for h in "${hierarchies[@]}"; do mkdir -p "$h/$PARENT/$name"; done
            sleep 0.01 &
            pid=$!
            # The task may have exited already: then it ran in the parent.
            for h in "${hierarchies[@]}"; do
                dir=$h/$PARENT/$name
                { if [[ -f $dir/cgroup.procs ]]; then echo "$pid" >"$dir/cgroup.procs"; else echo "$pid" >"$dir/tasks"; fi; } 2>/dev/null || true
            done
            wait "$pid" 2>/dev/null || true
            for h in "${hierarchies[@]}"; do rmdir "$h/$PARENT/$name" 2>/dev/null || true; done
            i=$((i + 1))
        done
        echo "$i" >"$WORK/churned.$w"
        local left
        left=$(awk -v s="$started" -v n="$EPOCHREALTIME" 'BEGIN { l = 1 - (n - s); if (l > 0) printf "%.3f", l; else print 0 }')
        sleep "$left"
    done
}

# CHURN cgroups a second, by one worker per 20 (each waits for its short
# task: one alone tops out near 40 a second).
churn() {
    local workers=$(((CHURN + 19) / 20)) w
    trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM
    for ((w = 0; w < workers; w++)); do
        churn_worker "$w" $(((CHURN + w) / workers)) &
    done
    wait
}

# A scrape every SCRAPE_EVERY seconds, as Prometheus makes them, until killed.
scraper() { # PORT
    trap 'exit 0' TERM
    while sleep "$SCRAPE_EVERY"; do
        curl -sS --max-time 60 -o /dev/null "http://127.0.0.1:$1/metrics" || true
    done
}

# Cgroups churned so far by every worker (none without churn).
churned() { { cat "$WORK"/churned.* 2>/dev/null || true; } | awk '{ n += $1 } END { print n + 0 }'; }

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# "p50 p99 max" of the pass durations logged after line FROM of LOG.
pass_quantiles() { # LOG FROM
    tail -n "+$2" "$1" | sed -n 's/.*pass over [0-9]* ms took \([0-9.]*\) ms.*/\1/p' | sort -n |
        awk '{ v[NR] = $1 } END {
            if (NR == 0) { print "- - -"; exit }
            p50 = v[int((NR - 1) * 0.50) + 1]; p99 = v[int((NR - 1) * 0.99) + 1]
            printf "%.1f %.1f %.1f %d\n", p50, p99, v[NR], NR }'
}

# The daemon's BPF hash maps: "name entries/max", fullest first.
map_occupancy() { # PID
    local ids id
    # Its map fds name their map ids (bpftool lists owners only when built
    # with skeletons, Debian 12's is not).
    ids=$(cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '/^map_id:/ { print $2 }' | sort -un)
    for id in $ids; do
        local info entries
        info=$(bpftool -j map show id "$id")
        jq -e '.type | test("hash")' <<<"$info" >/dev/null || continue
        entries=$(bpftool -j map dump id "$id" 2>/dev/null | jq length)
        jq -r --arg n "$entries" '"\(.name) \($n)/\(.max_entries)"' <<<"$info"
    done | sort -t/ -k1,1 |
        # A dump of an LRU map that evicts meanwhile restarts and counts twice.
        awk '{ split($2, f, "/"); if (f[1] + 0 >= f[2] + 0) { f[1] = f[2]; $2 = f[2] "/" f[2] "(full)" }
               printf "%s %s %.4f\n", $1, $2, f[1] / f[2] }' |
        sort -k3 -rn | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 } END { print "" }'
}

run_one() { # N
    local n=$1 port out log start_ticks end_ticks hz rss q scrape
    note "$n cgroups: creating ($layout: ${hierarchies[*]})"
    populate "$n"
    port=$(free_port)
    out=$WORK/n$n
    mkdir -p "$out"
    log=$out/daemon.log
    "$CGWARDEN" --log-level debug run --config "$POLICY" --mode "$MODE" --state-dir "$out/state" \
        --listen "127.0.0.1:$port" >"$log" 2>&1 &
    daemon_pid=$!
    for _ in $(seq 300); do
        grep -q "metrics on" "$log" && break
        kill -0 "$daemon_pid" 2>/dev/null || { cat "$log" >&2; die "cgwarden run exited"; }
        sleep 0.1
    done
    grep -q "metrics on" "$log" || { cat "$log" >&2; die "cgwarden run did not start"; }
    rm -f "$WORK"/churned.*
    ((CHURN > 0)) && { churn & churn_pid=$!; }
    note "$n cgroups: settling ${SETTLE}s, measuring ${SECS}s"
    sleep "$SETTLE"
    local from
    from=$(($(wc -l <"$log") + 1))
    local churned_before churned_after
    churned_before=$(churned)
    local rss_start maps_start
    if ((CHURN > 0)); then
        rss_start=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$daemon_pid/status")
        maps_start=$(map_occupancy "$daemon_pid")
    fi
    start_ticks=$(cpu_ticks "$daemon_pid")
    ((SCRAPE_EVERY > 0)) && { scraper "$port" & scraper_pid=$!; }
    sleep "$SECS"
    end_ticks=$(cpu_ticks "$daemon_pid")
    stop_job scraper_pid
    churned_after=$(churned)
    hz=$(getconf CLK_TCK)
    rss=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$daemon_pid/status")
    q=$(pass_quantiles "$log" "$from")
    kill -0 "$daemon_pid" 2>/dev/null || { tail -n 30 "$log" >&2; die "$n cgroups: cgwarden run exited during the window"; }
    scrape=$(curl -sS --max-time 120 -o "$out/metrics" -w '%{time_total}' "http://127.0.0.1:$port/metrics") ||
        { tail -n 30 "$log" >&2; die "$n cgroups: the scrape failed"; }
    local kib series maps
    kib=$(awk -v b="$(stat -c %s "$out/metrics")" 'BEGIN { printf "%.0f", b / 1024 }')
    series=$(grep -vc '^#' "$out/metrics" || true)
    maps=$(map_occupancy "$daemon_pid")
    ((CHURN > 0)) && note "$n cgroups with churn: RSS $rss_start -> $rss MiB over ${SECS}s; maps at the start: $maps_start"
    stop_job churn_pid
    stop_job daemon_pid
    [[ -n $LOGS ]] && { mkdir -p "$LOGS/n$n"; cp "$log" "$out/metrics" "$LOGS/n$n/"; }
    read -r p50 p99 pmax passes <<<"$q"
    printf '%6d %6s %5.1f %6s %6s %6s %6s %6.0f %6s %7s  %s\n' "$n" \
        "$(((churned_after - churned_before) / SECS))" \
        "$(awk -v a="$start_ticks" -v b="$end_ticks" -v hz="$hz" -v s="$SECS" 'BEGIN { print (b - a) / hz / s * 100 }')" \
        "$rss" "$p50" "$p99" "$pmax" "$(awk -v t="$scrape" 'BEGIN { print t * 1000 }')" "$kib" "$series" "$maps"
    stop_tasks
    remove_cgroups
}

echo "cgwarden at scale: daemon cost with N cgroups (one task each, ${ACTIVE} of them waking 20/s, together using at most ${LOAD} of the CPUs; a scrape every ${SCRAPE_EVERY}s)"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) CPUs, cgroups $layout, mode $MODE, policy deploy/cgwarden.yaml, ${SETTLE}s settle + ${SECS}s measured, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo
printf '%6s %6s %5s %6s %6s %6s %6s %6s %6s %7s  %s\n' N CHURN CPU% RSS_MB P50_MS P99_MS MAX_MS SCR_MS SCR_KB SERIES "MAPS (entries/max, fullest first)"
for n in $COUNTS; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "COUNTS must be whole numbers: $n"
    run_one "$n"
done
echo
echo "goal (issue 14): CPU <= 1% at 1,000 and <= 3% at 10,000; pass p99 <= 20 ms at 1,000; RSS <= 40 MiB at 10,000"
