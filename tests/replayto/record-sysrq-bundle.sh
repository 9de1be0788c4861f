# Records the default guest's sysrq panic into DIR for the tests that replay
# it: DIR/archive (the failure archive holding the bundle), DIR/id (its id),
# DIR/record.json (what `tandem record` reported: the failure's icount) and
# DIR/kernel.elf (the kernel's symbols, recovered from the bundle).
set -u
tandem=$1
dir=$2
rm -rf "$dir"
mkdir -p "$dir"
export TANDEM_ARCHIVE="$dir/archive"
# The kernel's crypto self-tests are most of the boot and nothing here needs
# them. The virtual clock makes the recording the same on every run (and
# immune to a loaded machine), and a lag of 100 ms of its time keeps the
# window (and every replay of it) short.
"$tandem" record --append cryptomgr.notests --workload panic --clock virtual --lag 100ms --json </dev/null \
    >"$dir/record.out" 2>"$dir/record.err"
status=$?
if [ $status -ne 6 ]; then
    echo "FAIL: tandem record exited $status, expected 6 (failure recorded)" >&2
    tail -n 20 "$dir/record.err" >&2
    exit 1
fi
grep '^{' "$dir/record.err" | tail -n 1 >"$dir/record.json"
id=$(sed -n 's/.*"bundle":"\([0-9a-f]\{64\}\)".*/\1/p' "$dir/record.json")
grep -q '"failure":"panic"' "$dir/record.json" || { echo "FAIL: not a panic" >&2; exit 1; }
[ -n "$id" ] || { echo "FAIL: no bundle id in $(cat "$dir/record.json")" >&2; exit 1; }
echo "$id" >"$dir/id"
"$tandem" symbols "$id" -o "$dir/kernel.elf" || { echo "FAIL: tandem symbols" >&2; exit 1; }
echo "ok: $(cat "$dir/record.json")"
