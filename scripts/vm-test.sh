#!/usr/bin/env bash
# Run cgwarden's privileged tests (or any command) inside a qemu VM that boots
# a Debian 6.1 cloud kernel with a pure cgroup2 hierarchy. The host machines
# run a newer kernel with hybrid cgroups; this gives the suite a second,
# production-like environment. Full documentation: docs/VM-TESTING.md.
#
# Usage: scripts/vm-test.sh [options] [--gtest_*...] [-- args for the tests]
#   --run CMD          run CMD (bash -c, cwd = repo root) instead of the suite
#   --extra-file PATH  also put PATH (file or directory) into the VM at the
#                      same absolute path; ELF files get their shared libraries
#                      (repeatable)
#   --tests "A B"      test binaries (names in $BUILD_DIR/tests, or paths);
#                      default: every executable $BUILD_DIR/tests/cgwarden_*_tests
#                      except the unprivileged cgwarden_unit_tests
#   --env K=V          export K=V in the VM (repeatable)
#   --kernel PATH      kernel image        (env VM_KERNEL; default: newest
#                      /boot/vmlinuz-*-cloud-amd64)
#   --modules-dir DIR  its modules         (env VM_MODULES_DIR; default:
#                      /lib/modules/<version of the kernel>)
#   --append ARGS      extra kernel command-line arguments (env VM_APPEND)
#   --timeout SEC      whole VM run        (env VM_TIMEOUT, default 900)
#   --memory MB        guest memory        (env VM_MEMORY, default 2048)
#   --cpus N           guest vCPUs         (env VM_CPUS, default 2)
#   --disk-mb MB       raw test disk size  (env VM_DISK_MB, default 256)
#   --rated-disk-iops N a second raw disk of the same size, /dev/vdb, that
#                      qemu limits to N requests a second, as a cloud volume
#                      with provisioned IOPS: a device whose queue a hog
#                      fills, for the IO protection tests; 0: none
#                      (env VM_RATED_DISK_IOPS, default 1000)
#   --no-install       do not apt-get missing packages (env VM_NO_INSTALL=1)
#   --lockup-retries N boot again, up to N times, when the guest locks up
#                      (soft lockup, RCU stall, heartbeat stopped: an emulator
#                      fault, never a test result)
#                      (env VM_LOCKUP_RETRIES, default 2)
#   --stall-timeout S  a guest whose heartbeat (ttyS2, every 10 s) stops for S
#                      seconds has stopped running: what its vCPUs execute is
#                      printed, it gets an NMI (its backtraces, then a panic)
#                      and counts as a lockup; the first beat may take
#                      120 s (or S, if longer) from the start of the boot
#                      (env VM_STALL_TIMEOUT, default 120)
#   --keep             keep the work directory (initramfs, logs) and print it
#   env VM_CACHE_DIR   where the image's base and the kernel's symbols are kept
#                      between runs (default /var/cache/cgwarden-vm)
#   -h, --help
# Any --gtest_* option and everything after "--" is passed to each test binary.
#
# Exit status: 0 when the tests (or CMD) succeeded inside the VM; otherwise
# 1 when a test binary failed (with --run: CMD's status), 90 when the VM
# environment could not be set up,
# 124 on timeout, 125 when the VM died without a result (kernel panic, a
# lockup on the last attempt, qemu
# failure, missing marker), 2 on usage errors, 3 when the host side failed.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$script_dir/.." && pwd -P)

die() {
    echo "vm-test: error: $*" >&2
    exit 3
}
usage_error() {
    echo "vm-test: $*" >&2
    echo "usage: scripts/vm-test.sh [options] [--gtest_*...] [-- test args]; see --help" >&2
    exit 2
}

# ---------------------------------------------------------------- options --
kernel=${VM_KERNEL:-}
modules_dir=${VM_MODULES_DIR:-}
extra_append=${VM_APPEND:-}
timeout_s=${VM_TIMEOUT:-900}
memory_mb=${VM_MEMORY:-2048}
cpus=${VM_CPUS:-2}
disk_mb=${VM_DISK_MB:-256}
rated_disk_iops=${VM_RATED_DISK_IOPS:-1000}
no_install=${VM_NO_INSTALL:-0}
lockup_retries=${VM_LOCKUP_RETRIES:-2}
stall_timeout_s=${VM_STALL_TIMEOUT:-120}
first_beat_s=120
keep=0
run_cmd=
have_run=0
tests_opt=
extra_files=()
extra_env=()
test_args=()

while [[ $# -gt 0 ]]; do
    case "$1" in
        --run) [[ $# -ge 2 ]] || usage_error "--run needs a command"
            run_cmd=$2; have_run=1; shift 2 ;;
        --extra-file) [[ $# -ge 2 ]] || usage_error "--extra-file needs a path"
            extra_files+=("$2"); shift 2 ;;
        --tests) [[ $# -ge 2 ]] || usage_error "--tests needs a list"
            tests_opt=$2; shift 2 ;;
        --env) [[ $# -ge 2 && $2 == [A-Za-z_]*=* ]] || usage_error "--env needs K=V"
            extra_env+=("$2"); shift 2 ;;
        --kernel) [[ $# -ge 2 ]] || usage_error "--kernel needs a path"
            kernel=$2; shift 2 ;;
        --modules-dir) [[ $# -ge 2 ]] || usage_error "--modules-dir needs a path"
            modules_dir=$2; shift 2 ;;
        --append) [[ $# -ge 2 ]] || usage_error "--append needs arguments"
            extra_append=$2; shift 2 ;;
        --timeout) [[ $# -ge 2 ]] || usage_error "--timeout needs seconds"
            timeout_s=$2; shift 2 ;;
        --memory) [[ $# -ge 2 ]] || usage_error "--memory needs MiB"
            memory_mb=$2; shift 2 ;;
        --cpus) [[ $# -ge 2 ]] || usage_error "--cpus needs a count"
            cpus=$2; shift 2 ;;
        --disk-mb) [[ $# -ge 2 ]] || usage_error "--disk-mb needs MiB"
            disk_mb=$2; shift 2 ;;
        --rated-disk-iops) [[ $# -ge 2 ]] || usage_error "--rated-disk-iops needs a count"
            rated_disk_iops=$2; shift 2 ;;
        --lockup-retries) [[ $# -ge 2 ]] || usage_error "--lockup-retries needs a count"
            lockup_retries=$2; shift 2 ;;
        --stall-timeout) [[ $# -ge 2 ]] || usage_error "--stall-timeout needs seconds"
            stall_timeout_s=$2; shift 2 ;;
        --no-install) no_install=1; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        --gtest_*) test_args+=("$1"); shift ;;
        --) shift; test_args+=("$@"); break ;;
        *) usage_error "unknown argument: $1" ;;
    esac
done
for n in "$timeout_s" "$memory_mb" "$cpus" "$disk_mb" "$stall_timeout_s" "$rated_disk_iops"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || usage_error "not a positive integer: $n"
done
[[ $lockup_retries =~ ^[0-9]+$ ]] || usage_error "--lockup-retries: not a count: $lockup_retries"
if [[ $have_run == 1 && ${#test_args[@]} -gt 0 ]]; then
    usage_error "test arguments make no sense with --run"
fi

build_dir=${BUILD_DIR:-build}
[[ $build_dir == /* ]] || build_dir=$repo/$build_dir

work=$(mktemp -d "${TMPDIR:-/tmp}/cgwarden-vm.XXXXXX")
# shellcheck disable=SC2317  # invoked through the trap
stream_sentinel=
cleanup() {
    [[ -z $stream_sentinel ]] || kill "$stream_sentinel" 2>/dev/null
    if [[ $keep == 1 ]]; then
        echo "vm-test: work directory kept: $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# ------------------------------------------------------- host dependencies --
# shellcheck source=lib/packages.sh
source "$script_dir/lib/packages.sh"
if [[ $no_install != 1 ]]; then
    ensure_packages vm-test qemu-system-x86 linux-image-cloud-amd64 busybox-static cpio kmod \
        e2fsprogs stress-ng fio iproute2 nftables bpftool file prometheus python3 jq || exit 3
fi
for c in qemu-system-x86_64 busybox cpio depmod ldd timeout python3; do
    command -v "$c" >/dev/null || die "$c not found (run without --no-install?)"
done

# ------------------------------------------------------------------ kernel --
if [[ -z $kernel ]]; then
    kernel=$(find /boot -maxdepth 1 -name 'vmlinuz-*cloud-amd64' 2>/dev/null | sort -V | tail -n 1)
    [[ -n $kernel ]] || die "no /boot/vmlinuz-*cloud-amd64 (apt-get install linux-image-cloud-amd64, or pass --kernel)"
fi
[[ -r $kernel ]] || die "kernel image not readable: $kernel"
# The release string names the modules directory: take it from the image
# header (works for any bzImage), fall back to the file name.
kver=$(file -bL "$kernel" | sed -n 's/.*version \([^ ]*\) .*/\1/p')
[[ -n $kver ]] || kver=$(basename "$kernel" | sed 's/^vmlinuz-//')
[[ -n $modules_dir ]] || modules_dir=/lib/modules/$kver

# ------------------------------------------------------- what runs in the VM --
test_bins=()
if [[ $have_run == 0 ]]; then
    if [[ -n $tests_opt ]]; then
        for t in $tests_opt; do
            [[ $t == */* ]] || t=$build_dir/tests/$t
            [[ -x $t ]] || die "test binary not found or not executable: $t"
            test_bins+=("$(realpath "$t")")
        done
    else
        while IFS= read -r t; do
            test_bins+=("$t")
        done < <(find "$build_dir/tests" -maxdepth 1 -type f -perm -u+x \
                      -name 'cgwarden_*_tests' ! -name 'cgwarden_unit_tests' \
                      2>/dev/null | sort)
    fi
    # Running nothing must not look like a pass.
    [[ ${#test_bins[@]} -gt 0 ]] ||
        die "no privileged test binaries in $build_dir/tests (build first, or use --tests/--run)"
fi

# ---------------------------------------------------------------- initramfs --
# shellcheck source=scripts/vm/initramfs.sh
. "$script_dir/vm/initramfs.sh"

# The image is two cpio archives, concatenated (the kernel unpacks one after
# the other). The base (busybox, the tools the tests drive with their
# libraries, kernel modules: ~17 s to build, ~300 MiB) depends only on the
# host's packages and the kernel and is kept in the cache directory; the run's
# part (build artifacts, repository files, run.sh, /init) is packed each time.
cache_dir=${VM_CACHE_DIR:-/var/cache/cgwarden-vm}
t_build=$SECONDS
base=$cache_dir/base-$(initramfs_base_key "$modules_dir" "$kver").cpio
base_state="kept in $cache_dir"
if [[ ! -s $base || ! -s $base.list ]]; then
    base_state="built, now kept in $cache_dir"
    mkdir -p "$cache_dir" || die "cannot create the cache directory $cache_dir (set VM_CACHE_DIR)"
    rm -f "$cache_dir"/base-* # other states of the host, or an interrupted build
    initramfs_init_root "$work/base-root"
    initramfs_add_base "$work/base-root"
    initramfs_add_modules "$work/base-root" "$modules_dir" "$kver"
    initramfs_pack_base "$work/base-root" "$base.tmp"
    mv "$base.tmp.list" "$base.list"
    mv "$base.tmp" "$base"
    rm -rf "$work/base-root"
fi
initramfs_load_base_list "$base.list"
root=$work/root
initramfs_init_root "$root"

# Build artifacts and repo files at the same absolute paths as on the host:
# tests find the daemon and tools through paths compiled in at build time.
if [[ -x $build_dir/userspace/cgwarden ]]; then
    initramfs_add_path "$root" "$build_dir/userspace/cgwarden"
fi
if [[ -d $build_dir/tests/tools ]]; then
    initramfs_add_path "$root" "$build_dir/tests/tools"
fi
for t in "${test_bins[@]}"; do
    initramfs_add_path "$root" "$t"
done
# BPF objects, in case something loads them from the build tree at run time.
while IFS= read -r o; do
    initramfs_add_path "$root" "$o"
done < <(find "$build_dir" -name '*.bpf.o' -type f 2>/dev/null)
for d in scripts deploy dashboards tests; do
    if [[ -d $repo/$d ]]; then initramfs_add_path "$root" "$repo/$d"; fi
done
for f in "${extra_files[@]}"; do
    [[ -e $f ]] || die "--extra-file does not exist: $f"
    initramfs_add_path "$root" "$(realpath -s "$f")"
done

# Run configuration. The disk path is consumed by /init (busybox sh), so it
# stays a plain assignment; everything else goes into run.sh, run by bash.
block_dev=/dev/vda
rated_block_dev=
[[ $rated_disk_iops == 0 ]] || rated_block_dev=/dev/vdb
mkdir -p "$root/etc/cgwarden-vm"
{
    echo "CGWARDEN_TEST_BLOCK_DEVICE=$block_dev"
    echo "CGWARDEN_TEST_RATED_BLOCK_DEVICE=$rated_block_dev"
} >"$root/etc/cgwarden-vm/env"
{
    echo '#!/bin/bash'
    echo '# Generated by scripts/vm-test.sh.'
    printf 'export CGWARDEN_VM=1 CGWARDEN_TEST_BLOCK_DEVICE=%q\n' "$block_dev"
    if [[ -n $rated_block_dev ]]; then
        printf 'export CGWARDEN_TEST_RATED_BLOCK_DEVICE=%q CGWARDEN_TEST_RATED_DISK_IOPS=%q\n' \
            "$rated_block_dev" "$rated_disk_iops"
    fi
    printf 'export CGWARDEN_REPO_DIR=%q CGWARDEN_BUILD_DIR=%q\n' "$repo" "$build_dir"
    printf 'export CGWARDEN_BIN=%q\n' "$build_dir/userspace/cgwarden"
    printf 'export CGWARDEN_TOOLS_DIR=%q\n' "$build_dir/tests/tools"
    # The base image's ld.so.cache knows only the base's libraries.
    lib_path=$(initramfs_lib_dirs_off_search_path "$root" | paste -sd:)
    if [[ -n $lib_path ]]; then printf 'export LD_LIBRARY_PATH=%q\n' "$lib_path"; fi
    # Tests may be stricter in CI (fail instead of skip): keep the signal.
    if [[ -n ${CI:-} ]]; then printf 'export CI=%q\n' "$CI"; fi
    for kv in "${extra_env[@]}"; do
        printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
    done
    if [[ $have_run == 1 ]]; then
        printf 'cd %q\n' "$repo"
        printf 'exec bash -c %q\n' "$run_cmd"
    else
        declare -p test_bins test_args
        cat <<'EOF'
rc=0
for t in "${test_bins[@]}"; do
    echo "vm: ==== running $t --gtest_color=no ${test_args[*]}"
    # Like ctest: run from the binary's directory.
    (cd "$(dirname "$t")" && exec "$t" --gtest_color=no "${test_args[@]}")
    r=$?
    echo "vm: ==== $t exited with status $r"
    [[ $r -eq 0 ]] || rc=1
done
exit $rc
EOF
    fi
} >"$root/etc/cgwarden-vm/run.sh"
echo "virtio_pci virtio_blk bfq veth sch_tbf" | tr ' ' '\n' >"$root/etc/cgwarden-vm/modules"
install -m 0755 "$script_dir/vm/init" "$root/init"

initrd=$work/initramfs.cpio
initramfs_pack "$root" "$work/run.cpio"
cat "$base" "$work/run.cpio" >"$initrd"
rm -f "$work/run.cpio"
echo "vm-test: initramfs $(du -m "$initrd" | cut -f1) MiB built in $((SECONDS - t_build)) s (base $base_state); kernel $kernel" >&2

# -------------------------------------------------------------------- boot --
# A guest that locks up panics with every CPU's backtrace on the console
# instead of hanging until the timeout: a soft lockup or an RCU stall (a CPU
# that stops answering interrupts) by itself, and a guest whose /init
# heartbeat stops (every CPU stuck, where no watchdog of its own can run)
# through an NMI from the host (watch_heartbeat). Seen here only under TCG,
# a few times in a hundred runs, in different tests: an emulator fault, so
# such a run is booted again up to --lockup-retries times. Anything else (a
# test failure, an oops, a test that hangs while the guest runs, a timeout)
# is never retried.
nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
append="console=ttyS0 rdinit=/init panic=-1 oops=panic cgroup_no_v1=all"
append+=" mitigations=off loglevel=5 nokaslr cgwarden.nonce=$nonce"
append+=" softlockup_panic=1 softlockup_all_cpu_backtrace=1 sysctl.kernel.panic_on_rcu_stall=1"
append+=" unknown_nmi_panic=1 panic_print=0x40"
[[ -z $extra_append ]] || append+=" $extra_append"

# monitor_command SOCKET CMD: one command to qemu's human monitor.
monitor_command() {
    "$script_dir/vm/qemu-monitor.py" "$1" send "$2" 2>/dev/null || true
}

# A guest that ignores even the NMI prints nothing; what its vCPUs execute,
# read through the monitor, is then the only evidence of where it hung. The
# addresses are named from the kernel's text symbols, which Debian's
# System.map does not hold: the first boot of a kernel image dumps
# /proc/kallsyms to ttyS3 (~3 s), kept here for later boots (the guest runs
# with nokaslr, so they hold for every boot of that image).
symbols=$cache_dir/kallsyms-$(sha256sum "$kernel" | cut -c1-16).gz

# report_vcpus MONITOR SYMBOLS_PORT: prints each vCPU's instruction pointer
# and the kernel text addresses on its stack, named.
report_vcpus() {
    local map=$symbols
    [[ -s $map ]] || map=$2
    "$script_dir/vm/qemu-monitor.py" "$1" vcpus "$map" || true
}

# keep_symbols SYMBOLS_PORT: what a boot dumped, once complete, for later boots.
keep_symbols() {
    [[ ! -s $symbols && -s $1 ]] && gzip -t "$1" 2>/dev/null || return 0
    cp "$1" "$symbols.tmp" && mv "$symbols.tmp" "$symbols" ||
        echo "vm-test: cannot keep the kernel's symbols in $cache_dir" >&2
}

# watch_heartbeat ALIVE MONITOR STALLED: while qemu runs, a heartbeat file
# that has not grown for stall_timeout_s seconds means the guest stopped:
# STALLED is created, the guest gets an NMI (unknown_nmi_panic: backtraces,
# then a panic), and qemu is told to quit if it is still there 30 s later.
# The first beat may take first_beat_s from the start: a boot under TCG on a
# loaded machine (and a first boot that dumps the kernel's symbols) has taken
# over 20 s of wall time, and a short --stall-timeout must not turn a slow
# boot into a lockup.
watch_heartbeat() {
    local alive=$1 monitor=$2 stalled=$3 symbols_port=$4 size last_size=0 last_change=$SECONDS
    local limit=$((stall_timeout_s > first_beat_s ? stall_timeout_s : first_beat_s))
    while sleep 5; do
        size=$(stat -c %s "$alive" 2>/dev/null || echo 0)
        if [[ $size != "$last_size" ]]; then
            last_size=$size
            last_change=$SECONDS
            limit=$stall_timeout_s
        elif ((SECONDS - last_change >= limit)); then
            echo "vm-test: no heartbeat from the guest for $((SECONDS - last_change)) s: sending an NMI" >&2
            echo "$((SECONDS - last_change))" >"$stalled"
            report_vcpus "$monitor" "$symbols_port"
            monitor_command "$monitor" nmi
            sleep 30
            echo "vm-test: the guest is still there 30 s after the NMI; its vCPUs now:" >&2
            report_vcpus "$monitor" "$symbols_port"
            monitor_command "$monitor" quit
            return
        fi
    done
}

# boot_vm ATTEMPT: boots the image once on a fresh disk; sets log (its
# console), status, reason and lockup (1 when the guest locked up or stopped).
boot_vm() {
    local attempt=$1
    # Raw (no filesystem): fio and block-layer tests use the device directly;
    # a test that wants a filesystem runs mkfs.ext4 (in the image) on it.
    # Sparse, so it costs nothing until written.
    local disk=$work/disk.img rated_disk=$work/rated-disk.img result=$work/result.$attempt alive=$work/alive.$attempt
    local monitor=$work/monitor.$attempt stalled=$work/stalled.$attempt watcher
    local symbols_port=$work/kallsyms.$attempt dump_symbols= streamer
    local console=$work/console.$attempt.raw
    log=$work/console.$attempt.log
    rm -f "$disk" "$rated_disk"
    truncate -s "${disk_mb}M" "$disk"
    local rated_drive=()
    if [[ -n $rated_block_dev ]]; then
        truncate -s "${disk_mb}M" "$rated_disk"
        rated_drive=(-drive "file=$rated_disk,format=raw,if=virtio,throttling.iops-total=$rated_disk_iops")
    fi
    : >"$result"
    : >"$alive"
    : >"$console"
    [[ -s $symbols ]] || dump_symbols=" cgwarden.kallsyms=1"
    echo "vm-test: booting $kver under qemu (TCG, $cpus vCPUs, ${memory_mb} MiB, timeout ${timeout_s} s, attempt $attempt)" >&2
    local t_boot=$SECONDS qemu_status ran_s
    watch_heartbeat "$alive" "$monitor" "$stalled" "$symbols_port" &
    watcher=$!
    # The console goes to a file and is streamed from there (\r stripped for
    # readable logs). Were qemu to write it into our stdout, a reader that
    # stalls (a CI log collector) would stall the guest's serial port, and a
    # kernel printing a message spins on that port with interrupts off: the
    # guest would look hung, its panic output lost with it. The sentinel's
    # end tells tail that qemu is gone (after a last read); it is bounded so
    # that nothing outlives an interrupted run for long.
    sleep $((timeout_s + 30)) &
    stream_sentinel=$!
    tail -n +1 -f --pid="$stream_sentinel" "$console" | sed -u 's/\r$//' | tee "$log" &
    streamer=$!
    set +e
    # TCG, not KVM: KVM does not work on the CI machines. ttyS0 is the
    # console, ttyS1 carries only the result marker, ttyS2 the heartbeat,
    # ttyS3 the kernel's symbols when asked. -no-reboot + panic=-1 turn a
    # panic into a prompt qemu exit. --foreground keeps qemu in our process
    # group so Ctrl-C reaches it.
    timeout --foreground --kill-after=10 "$timeout_s" \
        qemu-system-x86_64 -accel tcg -cpu max -m "$memory_mb" -smp "$cpus" \
            -display none -monitor "unix:$monitor,server=on,wait=off" -nic none -no-reboot \
            -serial "file:$console" -serial "file:$result" -serial "file:$alive" \
            -serial "file:$symbols_port" \
            -drive "file=$disk,format=raw,if=virtio" "${rated_drive[@]}" \
            -kernel "$kernel" -initrd "$initrd" \
            -append "$append cgwarden.attempt=$attempt$dump_symbols" \
            </dev/null 2>&1
    qemu_status=$?
    ran_s=$((SECONDS - t_boot))
    kill "$watcher" "$stream_sentinel" 2>/dev/null
    wait "$watcher" "$stream_sentinel" 2>/dev/null
    wait "$streamer"
    stream_sentinel=
    set -e
    keep_symbols "$symbols_port"
    echo "vm-test: VM ran $ran_s s (qemu status $qemu_status)" >&2

    local rc_line panic_line which_cpu
    rc_line=$(tr -d '\r' <"$result" | grep -a "^cgwarden-vm-result $nonce rc=[0-9]*$" | tail -n 1 || true)
    panic_line=$(grep -a -m1 'Kernel panic - not syncing' "$log" | sed 's/.*not syncing: *//' || true)
    status=125
    lockup=0
    if [[ -s $stalled && -z $rc_line ]]; then
        lockup=1
        reason="guest stopped: no heartbeat for $(cat "$stalled") s${panic_line:+, then kernel panic: $panic_line}"
    elif [[ -n $panic_line ]]; then
        reason="kernel panic: $panic_line"
        case "$panic_line" in
            "softlockup: hung tasks"* | "RCU Stall"*)
                lockup=1
                reason="kernel lockup: $panic_line"
                which_cpu=$(grep -a -m1 -E 'soft lockup - CPU#|rcu: INFO: .* detected stalls' "$log" |
                                sed 's/^\[[ 0-9.]*\] //' || true)
                [[ -z $which_cpu ]] || reason+=" ($which_cpu)" ;;
        esac
    elif [[ -n $rc_line ]]; then
        status=${rc_line##*rc=}
        case "$status" in
            0) reason= ;;
            90) reason="VM environment setup failed" ;;
            *) if [[ $have_run == 1 ]]; then reason="command exited with status $status"
               else reason="tests failed (status $status)"; fi ;;
        esac
    elif [[ $qemu_status == 124 || $qemu_status == 137 ]]; then
        status=124
        reason="timeout after ${timeout_s} s"
    elif [[ $qemu_status != 0 ]]; then
        reason="qemu exited with status $qemu_status"
    else
        reason="VM ended without a result marker"
    fi
}

attempt=1
while true; do
    boot_vm "$attempt"
    [[ $lockup == 1 && $attempt -le $lockup_retries ]] || break
    echo "vm-test: attempt $attempt: $reason; not a test result, booting again" >&2
    attempt=$((attempt + 1))
done

# ----------------------------------------------------------------- verdict --
vm_kernel=$(sed -n 's/^vm: kernel \([^ ]*\) .*/\1/p' "$log" | head -n 1)
[[ -n $vm_kernel ]] || vm_kernel="$kver (not reached)"
retried=
[[ $attempt == 1 ]] || retried=" (attempt $attempt; earlier attempts locked up)"
if [[ $status == 0 ]]; then
    echo "vm: kernel $vm_kernel, cgroup v2: PASS$retried"
else
    echo "vm: kernel $vm_kernel, cgroup v2: FAIL ($reason)$retried"
fi
exit "$status"
