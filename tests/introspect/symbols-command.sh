#!/bin/sh
# `tandem symbols` on the default guest stopped early in boot (the kernel is
# decompressed and running by instruction 3e9), then stock gdb on the file.
set -eu
tandem=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$tandem" symbols --icount 3000000000 -o "$dir/kernel.elf" --json > "$dir/out.json"
cat "$dir/out.json"
grep -q '"symbols":[0-9]\{5,\}' "$dir/out.json"
gdb -batch -nx "$dir/kernel.elf" -ex 'info address panic' -ex 'info symbol panic+16' \
    -ex 'info symbol sysrq_handle_crash' > "$dir/gdb.txt" 2>&1
cat "$dir/gdb.txt"
grep -q '^Symbol "panic" is at 0xc[0-9a-f]* in a file compiled without debugging' "$dir/gdb.txt"
grep -q '^panic + 16 in section .text' "$dir/gdb.txt"
grep -q '^sysrq_handle_crash in section .text' "$dir/gdb.txt"
# Bad usage names the problem and exits 2.
status=0
"$tandem" symbols --icount 1000 2> "$dir/err.txt" || status=$?
test "$status" = 2
grep -q -- '-o FILE is required' "$dir/err.txt"
status=0
"$tandem" core --pid sh -o "$dir/core" 2> "$dir/err.txt" || status=$?
test "$status" = 2
grep -q -- "--pid: 'sh' is not a pid" "$dir/err.txt"
echo "PASS"
