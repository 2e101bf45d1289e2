#!/usr/bin/env bash
# Self-test of scripts/vm-test.sh: the VM runner must report success only when
# the command in the VM really succeeded and said so, and failure for a
# failing command, a kernel panic, a hang, or a run that never reports.
# Each case boots the VM once (~10 s each under TCG on 2 cores).
#
# Usage: tests/vm/runner_selftest.sh [case-name...]   (default: all cases)
# Output ends with "N passed, N failed"; exit status 0 only if all passed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
runner=$repo/scripts/vm-test.sh

work=$(mktemp -d "${TMPDIR:-/tmp}/cgwarden-vm-selftest.XXXXXX")
# shellcheck disable=SC2317  # invoked through the trap
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# A tiny dynamically linked program: exercises the ldd/shared-library path of
# the image builder, not only busybox. Exits with the status given as argv[1]
# after printing a line that proves it ran in the VM.
prog=$work/bin/exit_with
mkdir -p "$work/bin"
if command -v cc >/dev/null; then
    cat >"$work/exit_with.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
int main(int argc, char **argv) {
    struct utsname u;
    uname(&u);
    printf("exit_with: running on %s, exiting %s\n", u.release, argc > 1 ? argv[1] : "0");
    return argc > 1 ? atoi(argv[1]) : 0;
}
EOF
    cc -O2 -o "$prog" "$work/exit_with.c"
else
    # shellcheck disable=SC2016  # expanded by the generated script
    printf '#!/bin/sh\necho "exit_with: running on $(uname -r), exiting ${1:-0}"\nexit "${1:-0}"\n' >"$prog"
    chmod +x "$prog"
fi

# A fake build tree for the default (test-suite) mode: the runner must find
# cgwarden_*_tests, skip cgwarden_unit_tests, pass --gtest_color=no and the
# pass-through arguments, and set the environment the contract promises.
fake_test() { # fake_test BUILD NAME STATUS
    mkdir -p "$1/tests/tools" "$1/userspace"
    cat >"$1/tests/$2" <<EOF
#!/bin/sh
echo "$2: args: \$*"
case " \$* " in *" --gtest_color=no "*) ;; *) echo "$2: missing --gtest_color=no"; exit 70 ;; esac
case " \$* " in *" --gtest_filter=Sel.* "*) ;; *) echo "$2: missing pass-through filter"; exit 71 ;; esac
[ "\$CGWARDEN_BIN" = "$1/userspace/cgwarden" ] || { echo "$2: CGWARDEN_BIN=\$CGWARDEN_BIN"; exit 72; }
[ -x "\$CGWARDEN_BIN" ] || { echo "$2: daemon not in the VM"; exit 73; }
[ -x "\$CGWARDEN_TOOLS_DIR/tool" ] || { echo "$2: tools not in the VM"; exit 74; }
[ "\$(pwd)" = "$1/tests" ] || { echo "$2: cwd \$(pwd)"; exit 75; }
exit $3
EOF
    chmod +x "$1/tests/$2"
    printf '#!/bin/sh\nexit 0\n' >"$1/userspace/cgwarden"
    printf '#!/bin/sh\nexit 0\n' >"$1/tests/tools/tool"
    chmod +x "$1/userspace/cgwarden" "$1/tests/tools/tool"
}
fake_test "$work/build-ok" cgwarden_integration_tests 0
fake_test "$work/build-ok" cgwarden_unit_tests 1 # must not run in the VM
fake_test "$work/build-bad" cgwarden_integration_tests 0
fake_test "$work/build-bad" cgwarden_zz_tests 1 # the second binary fails
mkdir -p "$work/build-empty/tests"

# Checks of the environment the VM promises to tests (docs/VM-TESTING.md).
# shellcheck disable=SC2016  # expanded in the VM
env_check='set -e
grep -q "^cgroup2 /sys/fs/cgroup cgroup2 " /proc/mounts
if grep -q " cgroup " /proc/mounts; then echo "a cgroup v1 hierarchy is mounted"; exit 1; fi
for c in cpu io memory pids; do grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control; done
grep -q "^tracefs /sys/kernel/tracing " /proc/mounts
grep -q "^bpf /sys/fs/bpf " /proc/mounts
grep -q "^tmpfs /tmp " /proc/mounts
test -r /sys/kernel/btf/vmlinux
test -b "$CGWARDEN_TEST_BLOCK_DEVICE"
test "$CGWARDEN_TEST_BLOCK_DEVICE" = /dev/vda
test "$(nproc)" = 2
for t in stress-ng fio ip tc nft bpftool mkfs.ext4 modprobe; do command -v "$t" >/dev/null; done
file_bpftool=$(head -c 4 /usr/sbin/bpftool | od -An -c | tr -d " \n"); test "$file_bpftool" = 177ELF
bpftool prog list >/dev/null
stress-ng --version >/dev/null && fio --version >/dev/null && nft --version >/dev/null
echo env-ok'

passed=0
failed=0
# run_case NAME EXPECT MUST_MATCH [runner args...]
#   EXPECT: 0, nonzero, or a number. MUST_MATCH: extended regexes, one a
#   line, that the output (console + closing summary line) must each contain.
run_case() {
    local name=$1 expect=$2 match=$3 status ok=1
    shift 3
    if [[ ${#selected[@]} -gt 0 && " ${selected[*]} " != *" $name "* ]]; then
        return 0
    fi
    echo "---- case $name: scripts/vm-test.sh $*"
    local log=$work/$name.log
    set +e
    "$runner" --no-install "$@" >"$log" 2>&1
    status=$?
    set -e
    case "$expect" in
        nonzero) [[ $status != 0 ]] || ok=0 ;;
        *) [[ $status == "$expect" ]] || ok=0 ;;
    esac
    while IFS= read -r m; do
        grep -Eq -- "$m" "$log" || ok=0
    done <<<"$match"
    if [[ $ok == 1 ]]; then
        passed=$((passed + 1))
        echo "ok - $name (status $status; $(tail -n 1 "$log"))"
    else
        failed=$((failed + 1))
        echo "not ok - $name: status $status (expected $expect), wanted output /$match/; last lines:"
        tail -n 25 "$log" | sed 's/^/    /'
    fi
}

selected=("$@")
run_case exit0 0 'exit_with: running on [^ ]*cloud[^ ]*, exiting 0' \
    --extra-file "$prog" --run "$prog 0"
run_case exit1 1 'cgroup v2: FAIL \(command exited with status 1\)' \
    --extra-file "$prog" --run "$prog 1"
run_case panic 125 'cgroup v2: FAIL \(kernel panic' \
    --timeout 120 --run 'echo c > /proc/sysrq-trigger; sleep 60'
run_case hang 124 'cgroup v2: FAIL \(timeout after 25 s\)' \
    --timeout 25 --run 'sleep 600'
# Printing a marker must not fake a pass: only the one with the run's nonce
# on the dedicated serial port counts.
run_case forged-marker nonzero 'cgroup v2: FAIL' \
    --run 'echo "cgwarden-vm-result 0000 rc=0"; echo "cgwarden-vm-result x rc=0" >/dev/ttyS1; exit 3'
# The VM powers off before /init can report: no marker, so no pass.
run_case no-marker 125 'cgroup v2: FAIL \(VM ended without a result marker\)' \
    --run 'echo o > /proc/sysrq-trigger; sleep 60'
# A guest whose CPU locks up is booted again (--lockup-retries, default 2), and
# only then. No user-space program can lock a CPU up for real (the watchdog
# preempts any task), so the first boot prints the kernel's lockup panic
# reason itself, then panics for real through sysrq.
# shellcheck disable=SC2016  # expanded in the VM
lockup_on_boot='case " $(cat /proc/cmdline) " in *" cgwarden.attempt=1 "*|*" $0 "*)
    echo "<0>Kernel panic - not syncing: softlockup: hung tasks" >/dev/kmsg
    echo c >/proc/sysrq-trigger; sleep 60 ;;
esac
echo "booted again"'
run_case lockup-once 0 'cgroup v2: PASS \(attempt 2; earlier attempts locked up\)' \
    --timeout 120 --run "bash -c '$lockup_on_boot' cgwarden.attempt=1"
run_case lockup-twice 125 'FAIL \(kernel lockup: softlockup: hung tasks.*\) \(attempt 2; earlier attempts locked up\)' \
    --timeout 120 --lockup-retries 1 --run "bash -c '$lockup_on_boot' cgwarden.attempt=2"
# A guest that stops beating is taken for stopped: what each vCPU executes is
# printed with its kernel symbol, an NMI from the host panics it, and the run
# is booted again. The first boot stops its heartbeat while the kernel runs
# on, which the host cannot tell from a frozen guest.
# shellcheck disable=SC2016  # expanded in the VM
silent_on_first_boot='case " $(cat /proc/cmdline) " in *" cgwarden.attempt=1 "*)
    kill "$(cat /run/cgwarden-heartbeat.pid)"; sleep 120 ;;
esac
echo "beating again"'
run_case stall-once 0 'no heartbeat from the guest for [0-9]+ s: sending an NMI
vm-test: vCPU 0: RIP ffffffff[0-9a-f]{8} [a-z_][a-z0-9_.]*\+0x[0-9a-f]+ CPL=[0-3] IF=[01] HLT=[01]
vm-test: vCPU 1: RIP
Kernel panic - not syncing: NMI: Not continuing
beating again
cgroup v2: PASS \(attempt 2; earlier attempts locked up\)' \
    --timeout 200 --stall-timeout 20 --run "$silent_on_first_boot"
run_case environment 0 'env-ok' --run "$env_check"
# cgwarden_unit_tests in build-ok exits 1: it must not be run.
BUILD_DIR=$work/build-ok run_case suite-pass 0 'cgroup v2: PASS' --gtest_filter='Sel.*'
BUILD_DIR=$work/build-bad run_case suite-fail nonzero 'cgwarden_integration_tests exited with status 0' \
    --gtest_filter='Sel.*'
BUILD_DIR=$work/build-empty run_case suite-empty nonzero 'no privileged test binaries'

echo "runner selftest: $passed passed, $failed failed"
[[ $failed == 0 ]]
