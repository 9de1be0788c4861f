# The primary killed with SIGKILL: the backup notices its producer gone,
# freezes what it received, and that bundle replays to the last event.
. "$(dirname "$0")/common.sh"

exec 3< <(sleep 900)
sleeper=$!
"$tandem" record $fast --workload shell <&3 >"$work/record.out" 2>"$work/record.err" &
primary=$!
exec 3<&-
wait_for "$work/record.out" 'tandem:/# ' 300 || fail "the guest did not boot"
sleep 1
kill -9 "$primary"
wait "$primary" 2>/dev/null
# The backup outlives the primary and reports on the same stderr.
wait_for "$work/record.err" 'bundle [0-9a-f]\{64\}' 120 || fail "the backup froze nothing"
kill "$sleeper" 2>/dev/null
id=$(grep -Eo 'bundle [0-9a-f]{64}' "$work/record.err" | tail -n 1 | cut -d' ' -f2)
grep -q 'primary_died' "$work/record.err" || fail "the failure is not primary_died"
replay_json "$id"
[ $replay_status -eq 0 ] || fail "the bundle did not replay to its last event"
grep -q '"kind":"primary_died"' "$work/replay.json" || fail "wrong kind in the replay"
echo "ok: primary killed; bundle $id replays to the last event received"
