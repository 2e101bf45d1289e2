#!/usr/bin/env bash
# The main job on sensible defaults: set up, build, show what the kernel
# offers, then run the daemon on the shipped policy (deploy/cgwarden.yaml):
# it measures every second, steps down the knobs of the cgroups that hurt
# protected ones, serves metrics on 127.0.0.1:9477, and puts every knob back
# when stopped (Ctrl-C). Arguments replace `run --config deploy/cgwarden.yaml`
# with any cgwarden command (see `cgwarden --help`), e.g.
#   scripts/run.sh run --config deploy/cgwarden.yaml --mode dry-run
#   scripts/run.sh snapshot --duration 10
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$script_dir/.." && pwd -P)
build_dir=${BUILD_DIR:-$repo/build}

"$script_dir/build.sh"
"$build_dir/userspace/cgwarden" probe
echo
if [[ $# -eq 0 ]]; then
    set -- run --config "$repo/deploy/cgwarden.yaml"
fi
exec "$build_dir/userspace/cgwarden" "$@"
