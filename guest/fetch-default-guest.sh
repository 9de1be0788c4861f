#!/bin/sh
# Fetches and builds tandem's default guest: Debian bookworm's newest
# linux-image-6.1.0-*-686-unsigned (i386) and busybox-static (i386), with an
# initramfs built from guest/init and guest/workloads/*.sh, and the
# crash-injection module guest/crash/tandem_crash.c built against the same
# kernel's linux-headers package (i386, with the host's linux-kbuild tools).
#
# The result is cached in ${TANDEM_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tandem/guest}:
#   vmlinuz            the kernel (bzImage)
#   initramfs.cpio.gz  gzip'd newc initramfs
#   kernel-version     e.g. 6.1.0-50-686
#   config             the kernel's build configuration
#   busybox            the static i386 busybox the initramfs was built from
#   headers-VERSION/   the kernel's headers and kbuild tools, for the module
#   manifest           package versions, input hash and SHA-256 of every file
# A second run downloads nothing; a change to the init or workload scripts
# (or to this script) rebuilds only the initramfs. Concurrent runs are
# serialised with flock, and files are replaced by rename, so a reader never
# sees half a file.
#
# Usage: fetch-default-guest.sh [--json] [--refresh]
#   --json     print the paths as one JSON object instead of key=value lines
#   --refresh  ask the mirror again for the newest packages
set -eu

usage() {
    echo "usage: $0 [--json] [--refresh]" >&2
    exit 2
}

json=0
refresh=0
for arg in "$@"; do
    case $arg in
        --json) json=1 ;;
        --refresh) refresh=1 ;;
        -h|--help) usage ;;
        *) echo "fetch-default-guest: unknown option '$arg'" >&2; usage ;;
    esac
done

here=$(cd "$(dirname "$0")" && pwd)
cache=${TANDEM_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tandem/guest}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

die() {
    echo "fetch-default-guest: $*" >&2
    exit 1
}

for tool in apt-get apt-cache dpkg dpkg-deb cpio gzip flock sha256sum make strip; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "'$tool' not found (a Debian system with scripts/install-deps.sh run is needed)"
done

exec 9>"$cache/.lock"
flock -w 1800 9 || die "timed out waiting for the lock on $cache/.lock"

work=""
cleanup() { [ -z "$work" ] || rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# Everything the initramfs is built from, so a change to any of it rebuilds.
inputs_hash() {
    (
        cd "$here"
        for f in fetch-default-guest.sh init workloads/*.sh crash/Kbuild crash/*.c; do
            printf '%s\n' "$f"
            sha256 "$f"
        done
    ) | sha256sum | cut -d' ' -f1
}

manifest_get() {  # key -> value from the cached manifest
    sed -n "s/^$1 //p" "$cache/manifest" 2>/dev/null | head -n 1
}

# True when a cached file exists and matches the SHA-256 in the manifest.
cached_ok() {
    want=$(sed -n "s/^sha256 \([0-9a-f]*\) $1\$/\1/p" "$cache/manifest" 2>/dev/null)
    [ -n "$want" ] && [ -f "$cache/$1" ] && [ "$(sha256 "$cache/$1")" = "$want" ]
}

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run '$*' (no sudo found)"
    fi
}

newest_kernel_package() {
    apt-cache pkgnames linux-image-6.1.0- 2>/dev/null |
        sed -n 's/^\(linux-image-6\.1\.0-[0-9][0-9]*-686-unsigned\)\(:i386\)\{0,1\}$/\1/p' |
        sort -V | while read -r p; do
            # Only names that really have an i386 candidate.
            if apt-cache show --no-all-versions "$p:i386" >/dev/null 2>&1; then
                echo "$p"
            fi
        done | tail -n 1
}

have_indexes() {
    apt-cache show --no-all-versions busybox-static:i386 >/dev/null 2>&1 &&
        [ -n "$(newest_kernel_package)" ]
}

# Makes sure apt knows the i386 packages; runs apt-get update only when they
# are missing (or on --refresh). Its exit status is not trusted: one failed
# suite is common while the packages needed are available.
ensure_indexes() {
    if ! dpkg --print-foreign-architectures | grep -qx i386; then
        as_root dpkg --add-architecture i386
        refresh=1
    fi
    if [ "$refresh" = 1 ] || ! have_indexes; then
        as_root apt-get update -q >"$work/apt-update.log" 2>&1 || true
        have_indexes || {
            cat "$work/apt-update.log" >&2
            die "apt has no i386 linux-image-6.1.0-*-686-unsigned or busybox-static after apt-get update"
        }
    fi
}

candidate_version() {
    apt-cache show --no-all-versions "$1:i386" | sed -n 's/^Version: //p' | head -n 1
}

download() {  # package -> path of the .deb in $work
    (cd "$work" && apt-get download -q "$1:i386" >>"$work/apt-download.log" 2>&1) || {
        cat "$work/apt-download.log" >&2
        die "apt-get download $1:i386 failed"
    }
    deb=$(ls "$work"/"$1"_*_i386.deb 2>/dev/null | head -n 1)
    [ -n "$deb" ] || die "apt-get download $1:i386 produced no .deb"
    echo "$deb"
}

# Downloads both packages and leaves vmlinuz, config, busybox and
# kernel-version in $work/out, with the package versions in $work/packages.
fetch_packages() {
    ensure_indexes
    kpkg=$(newest_kernel_package)
    kdeb=$(download "$kpkg")
    bdeb=$(download busybox-static)
    mkdir -p "$work/kernel" "$work/busybox" "$work/out"
    # Only /boot of the kernel package is needed; its modules are not.
    dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$work/kernel" --wildcards './boot/*' ||
        die "cannot extract /boot from $kdeb"
    dpkg-deb -x "$bdeb" "$work/busybox" || die "cannot extract $bdeb"
    set -- "$work"/kernel/boot/vmlinuz-*
    [ $# = 1 ] && [ -f "$1" ] || die "$kdeb holds no single /boot/vmlinuz-*"
    version=${1##*/vmlinuz-}
    # A bzImage has "HdrS" at offset 0x202.
    [ "$(dd if="$1" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] ||
        die "$1 from $kdeb is not a bzImage"
    cp "$1" "$work/out/vmlinuz"
    cp "$work/kernel/boot/config-$version" "$work/out/config" ||
        die "$kdeb holds no /boot/config-$version"
    echo "$version" >"$work/out/kernel-version"
    [ -f "$work/busybox/bin/busybox" ] || die "$bdeb holds no /bin/busybox"
    cp "$work/busybox/bin/busybox" "$work/out/busybox"
    {
        echo "kernel_package $kpkg:i386 $(candidate_version "$kpkg")"
        echo "busybox_package busybox-static:i386 $(candidate_version busybox-static)"
    } >"$work/packages"
}

# Makes sure $cache/headers-VERSION holds the kernel's linux-headers
# packages (i386 and the common part) and the host's linux-kbuild tools, all
# of the kernel package's exact version $1, unpacked but not installed, so
# an external module builds against them. Sets $headers to the directory to
# build in.
fetch_headers() {
    pkgver=$1
    version=$(cat "$work/out/kernel-version" 2>/dev/null || cat "$cache/kernel-version")
    dir="$cache/headers-$version"
    hdr="$dir/usr/src/linux-headers-$version"
    headers=$hdr
    [ -f "$dir/.complete" ] && return
    ensure_indexes
    common="linux-headers-${version%-*}-common"
    kbuild="linux-kbuild-$(echo "$version" | cut -d. -f1,2)"
    mkdir -p "$work/headers-debs"
    for p in "linux-headers-$version:i386=$pkgver" "$common=$pkgver" "$kbuild=$pkgver"; do
        (cd "$work/headers-debs" && apt-get download -q "$p" >>"$work/apt-download.log" 2>&1) || {
            cat "$work/apt-download.log" >&2
            die "apt-get download $p failed"
        }
    done
    rm -rf "$dir"
    for deb in "$work"/headers-debs/*.deb; do
        dpkg-deb -x "$deb" "$dir" >&2 || die "cannot extract $deb"
    done
    # The flavour's Makefile includes the common part by its installed path.
    [ -f "$hdr/Makefile" ] && [ -d "$dir/usr/src/$common" ] ||
        die "the headers packages of $version hold no $hdr/Makefile or $common"
    echo "include $dir/usr/src/$common/Makefile" >"$hdr/Makefile"
    touch "$dir/.complete"
}

# Builds tandem_crash.ko against the headers in $1 into $work/out. The
# build directory is fixed, so the same inputs give the same bytes.
build_module() {
    build="$cache/module-build"
    rm -rf "$build"
    mkdir -p "$build"
    cp "$here"/crash/Kbuild "$here"/crash/*.c "$build/"
    make -C "$1" M="$build" modules >"$work/module-build.log" 2>&1 || {
        cat "$work/module-build.log" >&2
        die "cannot build the crash module against $1"
    }
    strip --strip-debug -o "$work/out/tandem_crash.ko" "$build/tandem_crash.ko" ||
        die "cannot strip $build/tandem_crash.ko"
    rm -rf "$build"
}

# Builds $work/out/initramfs.cpio.gz from $1 (a busybox binary), $2 (the
# crash module) and the scripts next to this one. Timestamps, owners and order are fixed so the
# same inputs give the same bytes.
build_initramfs() {
    root="$work/root"
    rm -rf "$root"
    mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/proc" \
        "$root/sys" "$root/dev" "$root/tmp" "$root/root" "$root/etc" "$root/workloads" \
        "$root/lib/modules"
    cp "$1" "$root/bin/busybox"
    cp "$2" "$root/lib/modules/tandem_crash.ko"
    chmod 644 "$root/lib/modules/tandem_crash.ko"
    chmod 755 "$root/bin/busybox"
    ln -s busybox "$root/bin/sh"
    cp "$here/init" "$root/init"
    chmod 755 "$root/init"
    for w in "$here"/workloads/*.sh; do
        cp "$w" "$root/workloads/"
    done
    chmod 644 "$root"/workloads/*
    chmod 1777 "$root/tmp"
    find "$root" -exec touch -h -d @0 {} +
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
        cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9 -n >"$work/out/initramfs.cpio.gz" ||
        die "cannot build the initramfs"
}

# Moves the built files into the cache (each by rename) and writes the
# manifest last.
install_outputs() {
    rm -f "$work/out/tandem_crash.ko"  # it lives in the initramfs
    for f in "$work"/out/*; do
        mv -f "$f" "$cache/${f##*/}"
    done
    {
        echo "format 1"
        cat "$work/packages"
        echo "kernel_version $(cat "$cache/kernel-version")"
        echo "inputs_sha256 $inputs"
        for f in vmlinuz initramfs.cpio.gz config busybox; do
            echo "sha256 $(sha256 "$cache/$f") $f"
        done
    } >"$work/manifest"
    mv -f "$work/manifest" "$cache/manifest"
}

print_paths() {
    version=$(cat "$cache/kernel-version")
    if [ "$json" = 1 ]; then
        esc() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
        printf '{"kernel":"%s","initramfs":"%s","kernel_version":"%s","manifest":"%s","cache":"%s"}\n' \
            "$(esc "$cache/vmlinuz")" "$(esc "$cache/initramfs.cpio.gz")" "$(esc "$version")" \
            "$(esc "$cache/manifest")" "$(esc "$cache")"
    else
        echo "kernel=$cache/vmlinuz"
        echo "initramfs=$cache/initramfs.cpio.gz"
        echo "kernel_version=$version"
        echo "manifest=$cache/manifest"
    fi
}

inputs=$(inputs_hash)
if [ "$refresh" = 0 ] && cached_ok vmlinuz && cached_ok busybox && cached_ok config &&
    [ -f "$cache/kernel-version" ]; then
    if [ "$(manifest_get inputs_sha256)" = "$inputs" ] && cached_ok initramfs.cpio.gz; then
        print_paths
        exit 0
    fi
    # Packages are cached; only the initramfs is out of date.
    work=$(mktemp -d "$cache/build.XXXXXX")
    mkdir -p "$work/out"
    sed -n '/^kernel_package \|^busybox_package /p' "$cache/manifest" >"$work/packages"
    fetch_headers "$(sed -n 's/^kernel_package [^ ]* //p' "$work/packages")"
    build_module "$headers"
    build_initramfs "$cache/busybox" "$work/out/tandem_crash.ko"
    install_outputs
    print_paths
    exit 0
fi

work=$(mktemp -d "$cache/build.XXXXXX")
fetch_packages
fetch_headers "$(sed -n 's/^kernel_package [^ ]* //p' "$work/packages")"
build_module "$headers"
build_initramfs "$work/out/busybox" "$work/out/tandem_crash.ko"
install_outputs
print_paths
