# One bit of guest memory flipped in the primary only: the backup's replay
# disagrees with the primary's next machine digest and freezes a divergence
# bundle whose window (last agreed digest, divergence] holds the flip.
. "$(dirname "$0")/common.sh"

flip=300000000
"$tandem" record $fast --workload panic --digest-interval 33554432 --lag 200ms --json \
    --inject-fault "$flip:mem@0x7ff0000:0" </dev/null >"$work/record.out" 2>"$work/record.err"
id=$(bundle_id "$work/record.out")
[ -n "$id" ] || fail "no bundle id printed"
"$tandem" archive show "$id" --json >"$work/show.json" 2>"$work/show.err" || fail "archive show"
grep -q '"divergence"' "$work/show.json" || fail "the bundle is not a divergence: $(cat "$work/show.json")"
replay_json "$id"
[ $replay_status -eq 7 ] || fail "replay of a divergence exited $replay_status, expected 7"
grep -q '"diverged":true' "$work/replay.json" || fail "the replay did not diverge"
at=$(json_field "$work/replay.json" divergence_icount)
last=$(json_field "$work/replay.json" last_match_icount)
[ "$last" -lt "$flip" ] && [ "$flip" -le "$at" ] ||
    fail "window ($last, $at] does not hold the flip at $flip"
echo "ok: divergence in ($last, $at] around the flip at $flip ($id)"
