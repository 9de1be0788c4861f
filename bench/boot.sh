#!/bin/sh
# bench/run boot [--runs N] [--systems "S..."] [WORKLOAD...]: boots the
# default guest on tandem (--clock host, as a user runs it) and, in the same
# run, on Debian's
# qemu-system-i386 with the same kernel, initramfs and command line (TCG,
# and TCG with -icount shift=auto). For each workload (default: poweroff and
# selftest) and system, prints one JSON line with the medians over N runs
# (default 3) of to_shell_s (start to the "tandem-guest: booted" line) and
# to_end_s (start to the exit at power-off), and their ratios to qemu-tcg.
# The runs are interleaved (tandem, qemu-tcg, qemu-icount, tandem, ...) so a
# change in the machine's load falls on every system alike. --systems picks
# others from: tandem, tandem-guest-decompress (tandem running the bzImage's
# decompressor in the guest, as QEMU does, instead of on the host),
# qemu-tcg, qemu-icount; qemu-tcg is always run (the ratios need it).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
build="${TANDEM_BUILD:-$root/build}"
runs=3
systems="tandem qemu-tcg qemu-icount"
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --systems) systems=$2; shift 2 ;;
        *) break ;;
    esac
done
workloads="${*:-poweroff selftest}"
case " $systems " in
    *" qemu-tcg "*) ;;
    *) systems="$systems qemu-tcg" ;;
esac
for system in $systems; do
    case $system in
        tandem|tandem-guest-decompress|qemu-tcg|qemu-icount) ;;
        *) echo "bench/boot: unknown system '$system'" >&2; exit 2 ;;
    esac
done

[ -x "$build/tandem" ] || { echo "bench/boot: $build/tandem is missing (make build)" >&2; exit 2; }
command -v qemu-system-i386 >/dev/null ||
    { echo "bench/boot: qemu-system-i386 is missing (scripts/install-deps.sh)" >&2; exit 2; }
"$root/guest/fetch-default-guest.sh" >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }

# run_once SYSTEM WORKLOAD: prints "to_shell_s to_end_s" for one boot.
run_once() {
    system=$1 workload=$2
    case $system in
        tandem) set -- "$build/tandem" run --clock host --workload "$workload" ;;
        tandem-guest-decompress)
            set -- "$build/tandem" run --clock host --workload "$workload" --decompress-in-guest ;;
        qemu-tcg) set -- "$root/guest/qemu-run.sh" --workload "$workload" ;;
        qemu-icount) set -- "$root/guest/qemu-run.sh" --workload "$workload" --icount ;;
    esac
    : >"$work/booted"
    start=$(now)
    { timeout 900 "$@" </dev/null 2>"$work/err"; echo $? >"$work/status"; } |
        while IFS= read -r line; do
            printf '%s\n' "$line" >>"$work/console"
            case $line in
                *tandem-guest:\ booted*) [ -s "$work/booted" ] || now >"$work/booted" ;;
            esac
        done
    end=$(now)
    status=$(cat "$work/status")
    if [ "$status" != 0 ] || [ ! -s "$work/booted" ] ||
        { [ "$workload" = selftest ] && ! grep -q "selftest: PASS" "$work/console"; }; then
        echo "bench/boot: $system $workload failed (status $status); console tail:" >&2
        tail -5 "$work/console" "$work/err" >&2
        exit 1
    fi
    rm -f "$work/console"
    awk -v s="$start" -v b="$(cat "$work/booted")" -v e="$end" \
        'BEGIN { printf "%.3f %.3f\n", b - s, e - s }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for workload in $workloads; do
    for k in $(seq "$runs"); do
        for system in $systems; do
            t=$(run_once "$system" "$workload") || exit 1
            echo "$system $t" >>"$work/times-$workload"
            echo "bench/boot: $workload run $k/$runs $system: to_shell_s to_end_s = $t" >&2
        done
    done
    for system in $systems; do
        shell=$(awk -v s="$system" '$1 == s { print $2 }' "$work/times-$workload" | median)
        end=$(awk -v s="$system" '$1 == s { print $3 }' "$work/times-$workload" | median)
        echo "$system $shell $end" >>"$work/medians-$workload"
    done
    awk -v w="$workload" -v n="$runs" '
        { sys[NR] = $1; shell[NR] = $2; end[NR] = $3; if ($1 == "qemu-tcg") { bs = $2; be = $3 } }
        END {
            for (i = 1; i <= NR; i++)
                printf "{\"system\":\"%s\",\"workload\":\"%s\",\"runs\":%d,\"to_shell_s\":%.3f,\"to_end_s\":%.3f,\"to_shell_vs_qemu_tcg\":%.2f,\"to_end_vs_qemu_tcg\":%.2f}\n",
                    sys[i], w, n, shell[i], end[i], shell[i] / bs, end[i] / be
        }' "$work/medians-$workload"
done
