#!/bin/sh
# Installs every system package tandem needs to build, test and benchmark.
# Idempotent: packages already present are not touched, and apt-get update
# runs only when something is missing. apt-get update may report one suite as
# failed while the rest is usable, so success is judged by what got installed.
set -eu

PACKAGES="
build-essential cmake ninja-build pkg-config g++ clang libclang-rt-14-dev
libgtest-dev libgmock-dev libbenchmark-dev
protobuf-compiler libprotobuf-dev libssl-dev
libzstd-dev zstd liblmdb-dev lmdb-utils zlib1g-dev liblzma-dev
gdb nasm gcc-multilib binutils python3
qemu-system-x86
cpio xz-utils gzip file
libelf1 make
chromium fonts-dejavu-core
"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo"
fi

echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2 || echo "install-deps: apt-get update reported errors; continuing" >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >&2 || true

still=""
for p in $missing; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        still="$still $p"
    fi
done
if [ -n "$still" ]; then
    echo "install-deps: could not install:$still" >&2
    exit 1
fi
