#!/bin/sh
# Runs one bare-metal test guest on tandem and under QEMU and compares them.
# Usage: run-guest.sh TANDEM GUEST.elf GUEST.asm
#
# The guest's source says how it is judged, in a line "; suite: MODE":
#   (none)        both machines print PASS last and their serial logs match
#                 line for line, values printed as "~0x..." masked;
#   no-compare    both print PASS last, the logs are not compared;
#   tandem-only   tandem prints PASS last; QEMU is not run (the source says
#                 which architectural behaviour QEMU's TCG does not model);
#   triple-fault  both end in a triple fault after the guest's last line:
#                 tandem with exit status 4, QEMU with a reset it logs as
#                 "Triple fault" (-d cpu_reset), and neither prints a verdict.
set -u

tandem=$1
elf=$2
src=$3
name=$(basename "$elf" .elf)
mode=$(sed -n 's/^; suite: \([a-z-]*\).*/\1/p' "$src" | head -n 1)
: "${mode:=compare}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
    echo "sysguests: $name: $*" >&2
    exit 1
}

show() {
    echo "--- $1 ($2)"
    cat "$2"
}

last_line() {
    tail -n 1 "$1" | tr -d '\r'
}

timeout 120 "$tandem" run --kernel "$elf" --clock virtual </dev/null >"$work/tandem.log" 2>"$work/tandem.err"
tandem_status=$?
show "tandem serial" "$work/tandem.log"
cat "$work/tandem.err"

case $mode in
triple-fault)
    [ "$tandem_status" = 4 ] || fail "tandem exit status $tandem_status, want 4 (triple fault)"
    grep -Eq '^(PASS|FAIL)' "$work/tandem.log" && fail "tandem printed a verdict before the triple fault"
    ;;
*)
    [ "$(last_line "$work/tandem.log")" = PASS ] || fail "tandem: the last line is not PASS"
    [ "$tandem_status" = 0 ] || fail "tandem exit status $tandem_status, want 0 (power-off)"
    ;;
esac

[ "$mode" = tandem-only ] && exit 0

command -v qemu-system-i386 >/dev/null || fail "qemu-system-i386 not found (scripts/install-deps.sh installs it)"
run_qemu() {
    timeout 120 qemu-system-i386 -kernel "$elf" -m 128 -display none -monitor none -serial stdio \
        -device isa-debug-exit,iobase=0x501 -no-reboot -d cpu_reset -D "$work/qemu.err" \
        </dev/null >"$work/qemu.log" 2>>"$work/qemu.err"
    qemu_status=$?
}
run_qemu
# QEMU's timers follow the host's clock: on a busy host it can drop timer
# interrupts a device guest counts (the full suite on 2 CPUs once made it
# fail twice running). Up to two more runs before calling the guest wrong.
for again in 2 3; do
    [ "$mode" != triple-fault ] && [ "$(last_line "$work/qemu.log")" != PASS ] || break
    show "QEMU serial, run $((again - 1))" "$work/qemu.log"
    echo "sysguests: $name: QEMU did not pass; running it again"
    run_qemu
done
show "QEMU serial" "$work/qemu.log"

case $mode in
triple-fault)
    grep -q 'Triple fault' "$work/qemu.err" || fail "QEMU did not report a triple fault (exit status $qemu_status)"
    grep -Eq '^(PASS|FAIL)' "$work/qemu.log" && fail "QEMU printed a verdict before the triple fault"
    ;;
*)
    # isa-debug-exit: status (0 << 1) | 1 for PASS.
    [ "$(last_line "$work/qemu.log")" = PASS ] || fail "QEMU: the last line is not PASS (the guest is wrong)"
    [ "$qemu_status" = 1 ] || fail "QEMU exit status $qemu_status, want 1 (PASS on the debug exit port)"
    ;;
esac

[ "$mode" = no-compare ] && exit 0

mask() {
    tr -d '\r' <"$1" | sed 's/~0x[0-9A-F]*/~*/g'
}
mask "$work/tandem.log" >"$work/tandem.masked"
mask "$work/qemu.log" >"$work/qemu.masked"
if ! diff -u "$work/qemu.masked" "$work/tandem.masked" >"$work/diff"; then
    echo "--- differences (- QEMU, + tandem)"
    cat "$work/diff"
    fail "tandem's serial log differs from QEMU's"
fi
echo "sysguests: $name: tandem and QEMU agree ($(wc -l <"$work/tandem.masked") lines)"
