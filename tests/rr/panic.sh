# The default guest's sysrq panic recorded: a bundle appears in the archive,
# and replaying it reproduces the panic at the same icount with the same
# final digest, printing the same console output at the end.
. "$(dirname "$0")/common.sh"

"$tandem" record $fast --workload panic --json </dev/null >"$work/record.out" 2>"$work/record.err"
status=$?
[ $status -eq 6 ] || fail "tandem record exited $status, expected 6 (failure recorded)"
id=$(bundle_id "$work/record.out")
[ -n "$id" ] || fail "no bundle id printed"
[ "$(json_field "$work/record.err" failure)" = panic ] || fail "the failure is not a panic"
icount=$(json_field "$work/record.err" icount)

"$tandem" archive list --json >"$work/list.json" 2>"$work/list.err" || fail "archive list"
grep -q "${id:0:12}" "$work/list.json" || fail "bundle $id is not in the archive"

"$tandem" replay "$id" >"$work/replay.out" 2>"$work/replay.err"
[ $? -eq 0 ] || fail "tandem replay did not reproduce the panic"
grep -q "reproduced: panic at icount $icount, same machine digest" "$work/replay.err" ||
    fail "replay verdict: $(tail -n 1 "$work/replay.err")"
# The console as it happened: the replay's output ends as the recording's did.
tail -n 12 "$work/record.out" | grep -v "^$id\$" | tail -n 8 >"$work/want"
tail -n 8 "$work/replay.out" >"$work/got"
cmp -s "$work/want" "$work/got" || { diff "$work/want" "$work/got" >&2; fail "console differs"; }
grep -q "Kernel panic - not syncing: sysrq triggered crash" "$work/replay.out" ||
    fail "the replayed console does not show the panic"
echo "ok: panic at icount $icount recorded as $id and reproduced"
