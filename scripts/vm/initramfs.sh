# shellcheck shell=bash
# Helpers that assemble the test VM's root file system (an initramfs) from
# files of the host. Sourced by scripts/vm-test.sh; every function takes the
# root directory as its first argument.
#
# Files keep their host paths inside the VM (binaries, libraries, build
# artifacts), so whatever ran on the host resolves the same way in the VM.

# Paths already copied, so shared libraries are copied (and ldd run) once.
declare -gA _initramfs_seen=()

_initramfs_is_elf() {
    [[ -f $1 && $(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' \n') == '177ELF' ]]
}

# initramfs_init_root ROOT: the skeleton. The top-level usr-merge symlinks
# (/bin -> usr/bin, /lib -> usr/lib, ...) are mirrored from the host, so the
# paths that ldd and PT_INTERP name resolve inside the VM exactly as here.
initramfs_init_root() {
    local root=$1 d target
    mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,etc,proc,sys,dev,tmp,run,root,var/tmp}
    for d in bin sbin lib lib64; do
        if [[ -L /$d ]]; then
            target=$(readlink "/$d")
            ln -sfn "$target" "$root/$d"
            # The target must exist, or mkdir -p through the link fails.
            if [[ $target == /* ]]; then mkdir -p "$root$target"; else mkdir -p "$root/$target"; fi
        else
            mkdir -p "$root/$d"
        fi
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    printf '127.0.0.1 localhost cgwarden-vm\n::1 localhost ip6-localhost\n' >"$root/etc/hosts"
    printf 'hosts: files\n' >"$root/etc/nsswitch.conf"
}

# initramfs_copy ROOT SRC [DST]: copy one file (symlinks dereferenced) to DST
# (default: SRC's own path) inside ROOT.
initramfs_copy() {
    local root=$1 src=$2 dst=${3:-$2}
    [[ -z ${_initramfs_seen[$dst]:-} ]] || return 0
    _initramfs_seen[$dst]=1
    mkdir -p "$root$(dirname "$dst")"
    cp -L --preserve=mode,timestamps "$src" "$root$dst"
}

# initramfs_add_libs ROOT ELF: the shared libraries ELF needs, per ldd.
initramfs_add_libs() {
    local root=$1 elf=$2 out lib
    # ldd fails for static binaries ("not a dynamic executable"): nothing to do.
    out=$(ldd "$elf" 2>/dev/null) || return 0
    if grep -q 'not found' <<<"$out"; then
        echo "vm-test: $elf: missing shared libraries:" >&2
        grep 'not found' <<<"$out" >&2
        return 1
    fi
    while IFS= read -r lib; do
        initramfs_copy "$root" "$lib"
    done < <(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$out")
}

# initramfs_add_path ROOT PATH: a file or a directory tree at its own path,
# with the shared libraries of every ELF file in it.
initramfs_add_path() {
    local root=$1 path=$2 f
    if [[ -d $path ]]; then
        mkdir -p "$root$path"
        cp -a "$path/." "$root$path/"
        while IFS= read -r -d '' f; do
            if _initramfs_is_elf "$f"; then initramfs_add_libs "$root" "$f"; fi
        done < <(find "$path" -type f -perm -u+x -print0)
    else
        initramfs_copy "$root" "$path"
        if _initramfs_is_elf "$path"; then initramfs_add_libs "$root" "$path"; fi
    fi
}

# initramfs_add_command ROOT NAME [DST]: a host command and its libraries.
# The real file is copied under its real path; the name the command was found
# under becomes a symlink to it, because some programs look at argv[0]
# (mkfs.ext4 -> mke2fs).
initramfs_add_command() {
    local root=$1 name=$2 path real
    path=$(command -v "$name") || { echo "vm-test: command not found: $name" >&2; return 1; }
    real=$(realpath "$path")
    initramfs_add_path "$root" "$real"
    if [[ $path != "$real" && ! -e $root$path ]]; then
        mkdir -p "$root$(dirname "$path")"
        ln -s "$real" "$root$path"
    fi
}

# The host commands the tests drive. Prometheus' server and promtool are for
# the exporter tests that check a scrape and run every dashboard and alert
# query on a real Prometheus: two static Go binaries, ~95 MiB together, which
# add ~4 s to booting the image. jq is for bench/protect.sh run in the VM.
initramfs_base_commands=(stress-ng fio ip tc nft bash mkfs.ext4 kmod prometheus promtool jq)

# initramfs_base_key MODULES_DIR KVER: names the base image's inputs (these
# helpers, the commands, the host's package state, the kernel's modules), so
# a kept base image is used only while all of them are unchanged.
initramfs_base_key() {
    local t
    {
        cat "${BASH_SOURCE[0]}"
        echo "$1 $2"
        for t in "${initramfs_base_commands[@]}" bpftool busybox; do
            stat -L -c '%n %s %Y' "$(command -v "$t")"
        done
        stat -L -c '%n %s %Y' /var/lib/dpkg/status "$1/modules.dep"
    } 2>&1 | sha256sum | cut -c1-16
}

# initramfs_add_base ROOT: busybox, the tools the tests drive, their configs.
initramfs_add_base() {
    local root=$1 t real applet dst
    for t in "${initramfs_base_commands[@]}"; do
        initramfs_add_command "$root" "$t"
    done
    # On Debian /usr/sbin/bpftool is either the real program (package bpftool)
    # or a wrapper script picking /usr/lib/linux-tools-<running kernel>/bpftool,
    # which would not match the VM's kernel: always install a real binary.
    real=$(command -v bpftool) || { echo "vm-test: bpftool not found" >&2; return 1; }
    if ! _initramfs_is_elf "$(realpath "$real")"; then
        real=$(find /usr/lib/linux-tools* -maxdepth 1 -name bpftool -type f 2>/dev/null | sort -V | tail -n 1)
        [[ -n $real ]] || { echo "vm-test: no real bpftool binary found" >&2; return 1; }
    fi
    initramfs_copy "$root" "$real" /usr/sbin/bpftool
    initramfs_add_libs "$root" "$real"
    for t in modprobe insmod rmmod lsmod depmod modinfo; do
        ln -sf /usr/bin/kmod "$root/usr/sbin/$t"
    done

    # busybox provides everything else (sh, mount, coreutils...). Applets do
    # not shadow real tools copied above (iproute2's ip is not busybox's).
    initramfs_copy "$root" "$(realpath "$(command -v busybox)")" /usr/bin/busybox
    while IFS= read -r applet; do
        dst=$root/$applet
        t=$(basename "$applet")
        if [[ -e $dst || -L $dst || -e $root/usr/bin/$t || -e $root/usr/sbin/$t ||
              -e $root/bin/$t || -e $root/sbin/$t ]]; then
            continue
        fi
        mkdir -p "$(dirname "$dst")"
        ln -s /usr/bin/busybox "$dst"
    done < <(busybox --list-full)
    [[ -e $root/bin/sh ]] || ln -s /usr/bin/busybox "$root/bin/sh"

    # Configuration files the tools read (names of protocols and routing
    # tables for nft/ip, mke2fs defaults), when the host has them.
    for t in /etc/protocols /etc/services /etc/mke2fs.conf; do
        if [[ -f $t ]]; then initramfs_copy "$root" "$t"; fi
    done
    for t in /etc/iproute2 /usr/share/iproute2; do
        if [[ -d $t ]]; then initramfs_add_path "$root" "$t"; fi
    done
}

# initramfs_add_modules ROOT MODULES_DIR KVER: the kernel modules the tests
# may need (virtio disk, veth, qdiscs, nf_tables, bfq, loop) plus their
# dependencies, with a modules.dep made for this subset so that modprobe and
# the kernel's autoloading (/sbin/modprobe) work in the VM. The full module
# tree would be ~90 MiB, which TCG would have to unpack on every boot.
initramfs_add_modules() {
    local root=$1 mdir=$2 kver=$3 f
    if [[ ! -f $mdir/modules.dep ]]; then
        echo "vm-test: warning: no modules for $kver in $mdir; only built-in drivers will work" >&2
        return 0
    fi
    local dst=/lib/modules/$kver
    local -a wanted=()
    mapfile -t wanted < <(awk -F: '{print $1}' "$mdir/modules.dep" | grep -E \
        '^kernel/(drivers/virtio/|drivers/block/(virtio_blk|loop)\.|drivers/net/(veth|dummy|ifb)\.|block/|net/sched/|net/netfilter/|net/ipv4/netfilter/|net/ipv6/netfilter/)')
    # Close over dependencies: modules.dep lists the full (transitive) set.
    while IFS= read -r f; do
        initramfs_copy "$root" "$mdir/$f" "$dst/$f"
    done < <(awk -F': *' -v list="${wanted[*]}" '
        BEGIN { n = split(list, w, " "); for (i = 1; i <= n; i++) want[w[i]] = 1 }
        ($1 in want) { print $1; m = split($2, d, " "); for (i = 1; i <= m; i++) print d[i] }
    ' "$mdir/modules.dep" | sort -u)
    for f in modules.order modules.builtin modules.builtin.modinfo; do
        if [[ -f $mdir/$f ]]; then cp "$mdir/$f" "$root$dst/$f"; fi
    done
    depmod -b "$root" "$kver"
}

# initramfs_pack ROOT OUT: the newc cpio archive. Uncompressed on purpose: the
# guest runs under TCG, where decompressing costs far more time than copying a
# larger image.
initramfs_pack() {
    local root=$1 out=$2
    (cd "$root" && find . -print0 | LC_ALL=C sort -z |
        cpio --null -o -H newc -R 0:0 --quiet) >"$out"
}

# initramfs_pack_base ROOT OUT: the base image's archive, with the loader
# cache for its libraries. The dynamic loader finds libraries outside the
# system search path (e.g. fio's ceph libraries) through ld.so.cache.
initramfs_pack_base() {
    local root=$1 out=$2
    _initramfs_lib_dirs "$root" >"$root/etc/ld.so.conf"
    ldconfig -r "$root"
    initramfs_pack "$root" "$out"
    # What the base holds, so that a run's part does not copy it again.
    printf '%s\n' "${!_initramfs_seen[@]}" >"$out.list"
}

# initramfs_load_base_list LIST: marks the base image's files as copied.
initramfs_load_base_list() {
    local f
    while IFS= read -r f; do
        _initramfs_seen[$f]=1
    done <"$1"
}

# initramfs_lib_dirs_off_search_path ROOT: directories of the run part's
# shared libraries that the loader searches neither by default nor through
# the base image's ld.so.cache (which knows the base's libraries only).
initramfs_lib_dirs_off_search_path() {
    _initramfs_lib_dirs "$1" | grep -vxE '(/usr)?/lib(/x86_64-linux-gnu)?' || true
}

# _initramfs_lib_dirs ROOT: the directories (as seen in the VM) holding
# shared libraries under ROOT, kernel modules aside.
_initramfs_lib_dirs() {
    local root=$1
    find "$root" -type f \( -name '*.so' -o -name '*.so.[0-9]*' \) ! -path "$root/lib/modules/*" \
        -printf '%h\n' | sed "s|^$root||" | sort -u
}
