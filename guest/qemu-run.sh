#!/bin/sh
# Boots the default guest (or another kernel/initramfs) under Debian's
# qemu-system-i386: the reference tandem is compared with and benchmarked
# against. The serial console is stdin/stdout; QEMU exits when the guest
# powers off or panics (panic=-1 with -no-reboot).
#
# Usage: qemu-run.sh [options] [-- extra qemu arguments]
#   --workload NAME   tandem.workload=NAME (default: shell)
#   --icount          run with -icount shift=auto (deterministic timing)
#   --kernel FILE     another kernel instead of the default guest's
#   --initrd FILE     another initramfs instead of the default guest's
#   --append TEXT     extra words for the kernel command line
#   --mem SIZE        guest RAM (default 128M)
#   --timeout SECS    stop QEMU after SECS seconds (exit status 124)
#   --time            print on stderr one JSON line with the seconds from start
#                     to the "tandem-guest: booted" line and to QEMU's exit
#                     (the console is then passed on line by line)
set -eu

usage() {
    sed -n '/^# Usage:/,/^set -eu/{/^set/d; s/^# \{0,1\}//; p; }' "$0" >&2
    exit 2
}

die() {
    echo "qemu-run: $*" >&2
    exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
workload=shell
icount=0
kernel=""
initrd=""
append=""
mem=128M
timeout_s=""
time_it=0
while [ $# -gt 0 ]; do
    case $1 in
        --workload) [ $# -ge 2 ] || usage; workload=$2; shift 2 ;;
        --icount) icount=1; shift ;;
        --kernel) [ $# -ge 2 ] || usage; kernel=$2; shift 2 ;;
        --initrd) [ $# -ge 2 ] || usage; initrd=$2; shift 2 ;;
        --append) [ $# -ge 2 ] || usage; append=$2; shift 2 ;;
        --mem) [ $# -ge 2 ] || usage; mem=$2; shift 2 ;;
        --timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
        --time) time_it=1; shift ;;
        --) shift; break ;;
        -h|--help) usage ;;
        *) echo "qemu-run: unknown option '$1'" >&2; usage ;;
    esac
done

command -v qemu-system-i386 >/dev/null 2>&1 ||
    die "qemu-system-i386 not found (scripts/install-deps.sh installs qemu-system-x86)"

if [ -z "$kernel" ] || [ -z "$initrd" ]; then
    paths=$("$here/fetch-default-guest.sh") || die "cannot fetch the default guest"
    [ -n "$kernel" ] || kernel=$(echo "$paths" | sed -n 's/^kernel=//p')
    [ -n "$initrd" ] || initrd=$(echo "$paths" | sed -n 's/^initramfs=//p')
fi
[ -f "$kernel" ] || die "kernel '$kernel' does not exist"
[ -f "$initrd" ] || die "initrd '$initrd' does not exist"

system=qemu-tcg
set -- -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 nokaslr tandem.workload=$workload${append:+ $append}" \
    -nographic -m "$mem" -no-reboot "$@"
if [ "$icount" = 1 ]; then
    system=qemu-icount
    set -- -icount shift=auto "$@"
fi
if [ -n "$timeout_s" ]; then
    set -- timeout --foreground "$timeout_s" qemu-system-i386 "$@"
else
    set -- qemu-system-i386 "$@"
fi

if [ "$time_it" = 0 ]; then
    exec "$@"
fi

# Timed run: copy the console through, noting when the booted line passes.
now() { date +%s.%N; }
start=$(now)
stamp=$(mktemp)
status_file=$(mktemp)
trap 'rm -f "$stamp" "$status_file"' EXIT
{ "$@"; echo $? >"$status_file"; } | while IFS= read -r line; do
    printf '%s\n' "$line"
    case $line in
        *tandem-guest:\ booted*) [ -s "$stamp" ] || now >"$stamp" ;;
    esac
done
end=$(now)
status=$(cat "$status_file")
booted=$(cat "$stamp")
awk -v s="$start" -v b="$booted" -v e="$end" -v sys="$system" -v w="$workload" 'BEGIN {
    printf "{\"system\":\"%s\",\"workload\":\"%s\",\"booted_s\":%s,\"end_s\":%.3f}\n",
        sys, w, (b == "" ? "null" : sprintf("%.3f", b - s)), e - s
}' >&2
exit "$status"
