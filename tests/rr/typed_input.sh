# Console input typed while recording (commands piped in with pauses, the
# last one the sysrq panic): the replay gets every byte at the same icount
# and reproduces the panic.
. "$(dirname "$0")/common.sh"

out="$work/record.out"
{
    wait_for "$out" 'tandem:/# ' 300 || exit 0
    sleep 1; echo 'echo typed-one'
    sleep 2; echo 'cat /proc/uptime; echo typed-two'
    sleep 1; echo 'echo c > /proc/sysrq-trigger'
    wait_for "$out" 'Kernel panic - not syncing' 600; sleep 2
} | "$tandem" record $fast --workload shell --json >"$out" 2>"$work/record.err"
status=${PIPESTATUS[1]}
[ $status -eq 6 ] || fail "tandem record exited $status, expected 6"
grep -q '^typed-two' "$out" || fail "the typed commands did not run"
id=$(bundle_id "$out")
[ -n "$id" ] || fail "no bundle id printed"
replay_json "$id"
[ $replay_status -eq 0 ] || fail "replay did not reproduce: $(cat "$work/replay.json")"
grep -q '"reproduced":true' "$work/replay.json" || fail "not reproduced"
"$tandem" replay "$id" >"$work/replay.out" 2>"$work/replay.err"
grep -q 'echo c > /proc/sysrq-trigger' "$work/replay.out" ||
    fail "the replayed console does not show the typed command"
echo "ok: typed input recorded and replayed ($id)"
