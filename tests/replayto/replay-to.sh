# `tandem replay --to` on the recorded sysrq panic: each form of --to stops
# at the icount asked for; +N and -N naming the same instant show the same
# machine; the console shown is the console up to there (all of it at the
# crash, as `tandem replay` shows it; nothing at the start; a prefix of it
# in between); an icount outside the window is a usage error naming it.
set -u
. "$(dirname "$0")/sysrq-bundle.sh"

# to NAME WHERE: `tandem replay --to WHERE --json` into $work/NAME.json.
to() {
    "$tandem" replay "$id" --to "$2" --json >"$work/$1.json" 2>"$work/$1.err" ||
        fail "--to $2 exited $?: $(cat "$work/$1.err")"
}

# field NAME KEY...: a value from $work/NAME.json (nested keys; JSON text for
# objects and arrays).
field() {
    python3 - "$work/$1.json" "${@:2}" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v if isinstance(v, (str, int)) else json.dumps(v, sort_keys=True), end="")
EOF
}

to crash crash
[ "$(field crash icount)" = "$crash" ] || fail "--to crash stopped at $(field crash icount), not $crash"
start=$(field crash start_icount)
[ "$(field crash failure)" = panic ] || fail "the failure is not a panic"
[ "$(field crash events_after)" = "[]" ] || fail "events after the crash: $(field crash events_after)"
[ "$(field crash events_before 2 icount)" -le "$crash" ] || fail "the last event is after the crash"
# The kernel's symbols are read from its memory: EIP is inside a function.
echo "$(field crash instruction symbol)" | grep -Eq '^[a-z_][a-z0-9_.]*\+0x[0-9a-f]+/0x[0-9a-f]+$' ||
    fail "no symbol for EIP: $(field crash instruction)"
[ -n "$(field crash instruction mnemonic)" ] || fail "the instruction at EIP does not decode"

# The console at the crash is all that `tandem replay` shows.
"$tandem" replay "$id" >"$work/replay.out" 2>"$work/replay.err" || fail "tandem replay: $(cat "$work/replay.err")"
field crash console >"$work/crash.console"
cmp -s "$work/replay.out" "$work/crash.console" || fail "the console at the crash differs from tandem replay's"
grep -q "Kernel panic - not syncing: sysrq triggered crash" "$work/crash.console" ||
    fail "the console at the crash does not show the panic"

# The same instant as -N and +N: the same icount, the same machine. (An
# absolute ICOUNT is checked against gdb in tests/gdb/GdbSysrqPanicTest.cc.)
before=1000000
to minus "-$before"
to plus "+$((crash - before - start))"
for name in minus plus; do
    [ "$(field $name icount)" = "$((crash - before))" ] ||
        fail "--to ($name) stopped at $(field $name icount), not $((crash - before))"
done
for key in registers instruction guest_ns console events_before events_after; do
    [ "$(field minus $key)" = "$(field plus $key)" ] || fail "-N and +N differ in $key"
done
# Events on either side of the stop (none may follow it so close to the crash).
[ "$(field minus events_before 2 icount)" -le "$((crash - before))" ] || fail "an event before is after"
[ "$(field minus events_after)" = "[]" ] || [ "$(field minus events_after 0 icount)" -ge "$((crash - before))" ] ||
    fail "an event after is before"

# Before the crash: the console so far, a part of what follows.
field minus console >"$work/minus.console"
bytes=$(field minus console_bytes)
[ "$bytes" -gt 0 ] && [ "$bytes" -lt "$(wc -c <"$work/crash.console")" ] ||
    fail "$bytes console bytes $before instructions before the crash"
head -c "$bytes" "$work/crash.console" | cmp -s - "$work/minus.console" ||
    fail "the console before the crash is not the start of the console at the crash"
to start +0
[ "$(field start icount)" = "$start" ] || fail "+0 stopped at $(field start icount), not $start"
[ "$(field start console_bytes)" = 0 ] || fail "console output at the bundle's start"
[ "$(field start events_before)" = "[]" ] || fail "events before the bundle's start"

# Outside the window: exit 2, naming it.
for where in "$((start - 1))" "$((crash + 1))" "+$((crash - start + 1))" "-$((crash - start + 1))"; do
    "$tandem" replay "$id" --to "$where" >"$work/out" 2>"$work/err"
    status=$?
    [ $status -eq 2 ] || fail "--to $where exited $status, expected 2"
    grep -q "window is icount $start to $crash" "$work/err" || fail "--to $where: $(cat "$work/err")"
done
"$tandem" replay "$id" --to later >"$work/out" 2>"$work/err"
[ $? -eq 2 ] && grep -q "'later' is not crash, ICOUNT, +N or -N" "$work/err" || fail "--to later: $(cat "$work/err")"

# For people: the same report as text (at the start: no replaying needed).
"$tandem" replay "$id" --to +0 >"$work/start.txt" 2>&1 || fail "--to +0 (text)"
grep -Eq "^icount $start, guest time [0-9]+\.[0-9]{9} s; the panic is at icount $crash" "$work/start.txt" ||
    fail "text report: $(grep icount "$work/start.txt" | head -n 3)"
grep -Eq "^eip $(printf %08x "$(field start registers eip)")  eflags [0-9a-f]{8} \[" "$work/start.txt" ||
    fail "no eflags line"
grep -Eq '^cr0 [0-9a-f]{8} \[PE .*PG\]  cr2 [0-9a-f]{8}  cr3 [0-9a-f]{8}' "$work/start.txt" || fail "no cr0 line"
grep -qF "instruction at $(printf %08x "$(field start instruction address)") <$(field start instruction symbol)>: $(field start instruction bytes)  $(field start instruction mnemonic)" "$work/start.txt" ||
    fail "no instruction line"
echo "ok: --to crash, -$before, +N and the window's limits on bundle ${id:0:12} (window $start..$crash)"
