#!/usr/bin/env bash
# The whole test suite: set up, build, run the unit and root integration tests
# on this machine's kernel, then the root tests again in a qemu VM on a Debian
# 6.1 kernel with pure cgroup v2 (scripts/vm-test.sh). Needs root.
# Ends with one line "summary: N passed, N failed".
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$script_dir/.." && pwd -P)
export BUILD_DIR=${BUILD_DIR:-$repo/build}

if [[ $(id -u) -ne 0 ]]; then
    echo "test: run as root: the integration tests load BPF programs and create cgroups" >&2
    exit 1
fi

"$script_dir/build.sh"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

layout() {
    if [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; then
        echo "pure cgroup v2"
    elif [[ -d /sys/fs/cgroup/unified ]]; then
        echo "hybrid (v1 controllers + cgroup2)"
    else
        echo "cgroup v1"
    fi
}

echo "== host: kernel $(uname -r), cgroups $(layout)"
host_status=0
(cd "$BUILD_DIR" && ctest --output-on-failure --timeout 300) | tee "$logs/host.log" || host_status=$?

echo "== vm: pure cgroup v2 on a Debian 6.1 kernel (scripts/vm-test.sh)"
vm_status=0
"$script_dir/vm-test.sh" 2>&1 | tee "$logs/vm.log" || vm_status=$?

echo "== vm runner self-test (a failing, panicking or hanging VM must fail)"
selftest_status=0
"$repo/tests/vm/runner_selftest.sh" 2>&1 | tee "$logs/selftest.log" || selftest_status=$?

# ctest: "100% tests passed, 0 tests failed out of 35"
host_total=$(sed -nE 's/.* tests passed, ([0-9]+) tests failed out of ([0-9]+).*/\2/p' "$logs/host.log")
host_failed=$(sed -nE 's/.* tests passed, ([0-9]+) tests failed out of ([0-9]+).*/\1/p' "$logs/host.log")
# gtest in the VM: one "[       OK ] Name (N ms)" or "[  FAILED  ] Name (N ms)" per test,
# counted in the last boot only (vm-test.sh boots again after a guest lockup).
awk '/^vm-test: booting /{n=0} {last[n++]=$0} END{for (i = 0; i < n; i++) print last[i]}' \
    "$logs/vm.log" >"$logs/vm-last.log"
vm_passed=$(grep -cE '^\[       OK \] .* \([0-9]+ ms\)$' "$logs/vm-last.log" || true)
vm_failed=$(grep -cE '^\[  FAILED  \] .* \([0-9]+ ms\)$' "$logs/vm-last.log" || true)
self_passed=$(sed -nE 's/^runner selftest: ([0-9]+) passed, ([0-9]+) failed.*/\1/p' "$logs/selftest.log")
self_failed=$(sed -nE 's/^runner selftest: ([0-9]+) passed, ([0-9]+) failed.*/\2/p' "$logs/selftest.log")

passed=$(( ${host_total:-0} - ${host_failed:-0} + vm_passed + ${self_passed:-0} ))
failed=$(( ${host_failed:-0} + vm_failed + ${self_failed:-0} ))
# A part that died without reporting its tests still fails the run.
for status in "$host_status" "$vm_status" "$selftest_status"; do
    if [[ $status -ne 0 && $failed -eq 0 ]]; then
        failed=1
    fi
done
[[ -n $host_total ]] || failed=$((failed + 1))
echo "summary: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
