#!/usr/bin/env bash
# Sets up (apt) and builds cgwarden into ${BUILD_DIR:-build}. Idempotent.
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$script_dir/.." && pwd -P)
build_dir=${BUILD_DIR:-$repo/build}

"$script_dir/setup.sh"
cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc)" -- --no-print-directory >/dev/null || {
    # Quiet on success; on failure show the compiler's words, not the progress.
    cmake --build "$build_dir" -j 1
    exit 1
}
