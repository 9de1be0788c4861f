#!/bin/sh
# The log store's benchmark: snapshot-to-durable-bundle time and throughput,
# compression, archive ingest time, and archive space for 10 bundles of one
# guest. Prints JSON lines (see bench/logstore_bench.cc).
#
# Runs on a synthetic guest image always. When QEMU and the default guest
# (kernel + initramfs in the guest cache) are present, it also boots that
# guest under QEMU LOGSTORE_REAL_DUMPS times (default 10; 0 to skip) to a
# kernel panic, dumps its 128 MiB of memory each time, and runs the same
# measurements on those real images.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
build="${BUILD:-$(dirname "$here")/build}"
bench="$build/bench/logstore_bench"
[ -x "$bench" ] || { echo "logstore.sh: $bench not built" >&2; exit 1; }

"$bench" --reps "${LOGSTORE_REPS:-5}"

cache="${TANDEM_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tandem/guest}"
dumps="${LOGSTORE_REAL_DUMPS:-10}"
if [ "$dumps" -gt 0 ] && [ -f "$cache/vmlinuz" ] && [ -f "$cache/initramfs.cpio.gz" ] &&
    command -v qemu-system-i386 >/dev/null 2>&1; then
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    args=""
    i=0
    while [ $i -lt "$dumps" ]; do
        python3 "$here/guest_memory_dump.py" "$cache/vmlinuz" "$cache/initramfs.cpio.gz" "$work/mem$i.raw" >&2
        args="$args --image $work/mem$i.raw"
        i=$((i + 1))
    done
    # shellcheck disable=SC2086
    "$bench" --reps "${LOGSTORE_REPS:-5}" $args
else
    echo "logstore.sh: no QEMU or default guest in $cache: synthetic image only" >&2
fi
