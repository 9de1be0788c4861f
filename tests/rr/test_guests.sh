# Every self-checking test guest recorded (frozen also when it ends
# normally) and replayed: the replay ends at the same icount with the same
# final machine digest.
. "$(dirname "$0")/common.sh"
guests=$2
sources=$3
count=0
for src in "$sources"/*.asm; do
    name=$(basename "$src" .asm)
    elf="$guests/$name.elf"
    [ -f "$elf" ] || fail "$elf is missing"
    "$tandem" record --kernel "$elf" --freeze-on-exit --lag 10ms --max-icount 2000000000 \
        </dev/null >"$work/$name.out" 2>"$work/$name.err"
    status=$?
    [ $status -eq 0 ] || [ $status -eq 6 ] || fail "$name: tandem record exited $status"
    id=$(bundle_id "$work/$name.out")
    [ -n "$id" ] || fail "$name: no bundle"
    "$tandem" replay "$id" --json >"$work/$name.json" 2>"$work/$name.replay.err"
    grep -q '"reproduced":true' "$work/$name.json" ||
        fail "$name: replay did not reproduce: $(cat "$work/$name.json")"
    grep -q '"digest_equal":true' "$work/$name.json" || fail "$name: digest not compared"
    count=$((count + 1))
done
echo "ok: $count test guests recorded and replayed with equal final digests"
