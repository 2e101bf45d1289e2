# Sourced by the scripts: installs Debian packages only when missing, so a
# second run is fast and silent; apt's output is shown only when it fails.
# Recommends are skipped (they drag in a GUI qemu and firmware nobody uses).

# ensure_packages WHO PKG...: WHO prefixes the messages ("setup", "vm-test").
ensure_packages() {
    local who=$1
    shift
    local missing=() p log
    for p in "$@"; do
        if [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) != installed ]]; then
            missing+=("$p")
        fi
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    echo "$who: installing ${missing[*]}" >&2
    log=$(mktemp)
    if ! { apt-get update -qq &&
           DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
               --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "$who: error: apt-get install ${missing[*]} failed" >&2
        return 1
    fi
    rm -f "$log"
}
