#!/bin/sh
# Boots the default guest under QEMU from memory laid out by tandem's
# LinuxBoot (see LinuxBootElf.cc) with the selftest workload, and checks that
# the kernel used tandem's e820 map and command line and that the workload
# passed.
# Usage: linux-loader-under-qemu.sh PATH/TO/linux_boot_elf
set -eu

tool=$1
here=$(cd "$(dirname "$0")" && pwd)
paths=$("$here/../../guest/fetch-default-guest.sh")
kernel=$(echo "$paths" | sed -n 's/^kernel=//p')
initrd=$(echo "$paths" | sed -n 's/^initramfs=//p')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# 120 MiB in the loader's map, 128 MiB in QEMU: QEMU's own multiboot
# structures go above the image.
"$tool" "$kernel" "$initrd" "console=ttyS0 panic=-1 nokaslr tandem.workload=selftest" 120 "$work/linux.elf"
timeout 240 qemu-system-i386 -kernel "$work/linux.elf" -m 128 -nographic -no-reboot \
    </dev/null >"$work/console.log" 2>&1 || true

fail() {
    tail -n 40 "$work/console.log" >&2
    echo "linux-loader-under-qemu: $*" >&2
    exit 1
}
grep -q 'BIOS-e820: \[mem 0x0000000000000000-0x000000000009fbff\] usable' "$work/console.log" ||
    fail "the kernel did not report the loader's low RAM range"
grep -q 'BIOS-e820: \[mem 0x0000000000100000-0x0000000007ffffff\] usable' "$work/console.log" &&
    fail "the kernel saw QEMU's memory map, not the loader's"
grep -q 'BIOS-e820: \[mem 0x0000000000100000-0x00000000077fffff\] usable' "$work/console.log" ||
    fail "the kernel did not report the loader's RAM above 1 MiB"
grep -q 'Kernel command line: console=ttyS0 panic=-1 nokaslr tandem.workload=selftest' "$work/console.log" ||
    fail "the kernel did not get the loader's command line"
grep -q 'tandem-guest: booted' "$work/console.log" || fail "no booted line: the initrd was not found"
grep -q 'selftest: PASS' "$work/console.log" || fail "the selftest workload did not pass"
