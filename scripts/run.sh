#!/usr/bin/env bash
# The main job on sensible defaults: set up, build, show what the kernel
# offers, then measure CPU contention per cgroup for 10 seconds.
# Arguments replace the defaults of `cgwarden snapshot` (see --help), e.g.
#   scripts/run.sh --duration 30 --json
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$script_dir/.." && pwd -P)
build_dir=${BUILD_DIR:-$repo/build}

"$script_dir/build.sh"
"$build_dir/userspace/cgwarden" probe
echo
if [[ $# -eq 0 ]]; then
    set -- --duration 10
fi
exec "$build_dir/userspace/cgwarden" snapshot "$@"
