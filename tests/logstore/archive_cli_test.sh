#!/bin/sh
# End-to-end test of `tandem archive` through the real binary: every
# subcommand, exit statuses, JSON output, two ingests at once, and a corrupt
# bundle that must leave the archive as it was.
# usage: archive_cli_test.sh TANDEM LOGSTORE_SAMPLE
set -eu
TANDEM="$1"
SAMPLE="$2"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
A="$T/archive"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_status() {  # expect_status N command...
    want="$1"; shift
    set +e; "$@" >"$T/out" 2>"$T/err"; got=$?; set -e
    [ "$got" = "$want" ] || { cat "$T/out" "$T/err" >&2; fail "'$*' exited $got, expected $want"; }
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

"$SAMPLE" "$T/old.tandem" 1 2048 -172800 old_bug       # two days ago
"$SAMPLE" "$T/new1.tandem" 2 2048 -3600 new_bug        # an hour ago
"$SAMPLE" "$T/new2.tandem" 3 2048 -60 new_bug          # a minute ago

# Two ingests at once: LMDB queues the writers; both succeed.
"$TANDEM" archive ingest --archive "$A" "$T/old.tandem" >"$T/i1" &
p1=$!
"$TANDEM" archive ingest --archive "$A" "$T/new1.tandem" >"$T/i2" &
p2=$!
wait $p1 || fail "first concurrent ingest failed"
wait $p2 || fail "second concurrent ingest failed"
expect_status 0 "$TANDEM" archive ingest --archive "$A" --json "$T/new2.tandem" "$T/old.tandem"
[ "$(json 'd[1]["already_present"]' <"$T/out")" = True ] || fail "re-ingest not recognised"

expect_status 0 "$TANDEM" archive list --archive "$A" --json
[ "$(json 'len(d)' <"$T/out")" = 3 ] || fail "list does not show 3 bundles"
OLD="$(json 'd[0]["id"]' <"$T/out")"
expect_status 0 "$TANDEM" archive list --archive "$A" --since 24h --json
[ "$(json 'len(d)' <"$T/out")" = 2 ] || fail "list --since 24h"
SIG="$(json 'd[0]["signature"]' <"$T/out")"
expect_status 0 "$TANDEM" archive list --archive "$A" --signature "$SIG" --json
[ "$(json 'len(d)' <"$T/out")" = 2 ] || fail "list --signature"

expect_status 0 "$TANDEM" archive summary --archive "$A" --since 24h --json
[ "$(json 'd["failures"]' <"$T/out")" = 2 ] || fail "summary failure count"
[ "$(json 'd["signatures"][0]["count"]' <"$T/out")" = 2 ] || fail "summary groups by signature"
[ "$(json 'd["signatures"][0]["new"]' <"$T/out")" = True ] || fail "summary marks the new signature"
expect_status 0 "$TANDEM" archive summary --archive "$A"
grep -q "2 failure(s), 1 signature(s), 1 new" "$T/out" || fail "summary text: $(cat "$T/out")"
expect_status 0 "$TANDEM" archive summary --archive "$A" --since 24h --html "$T/summary.html"
grep -q "<code>$SIG</code> <span class=\"new\">new</span>" "$T/summary.html" || fail "summary page lacks $SIG"
grep -q "2 failure(s), 1 signature(s), 1 new" "$T/summary.html" || fail "summary page counts"
! grep -Eq "<script|<link|src=|href=|url\(" "$T/summary.html" || fail "summary page refers outside itself"

expect_status 0 "$TANDEM" archive show "$OLD" --archive "$A"
grep -q "old_bug" "$T/out" || fail "show lacks the stack"
expect_status 0 "$TANDEM" archive show "$OLD" --archive "$A" --json
[ "$(json 'd["id"]' <"$T/out")" = "$OLD" ] || fail "show --json"

expect_status 0 "$TANDEM" archive export "$OLD" -o "$T/exported.tandem" --archive "$A"
cmp "$T/exported.tandem" "$T/old.tandem" || fail "export differs from the original"

# Bad input: exit 2 with a message naming what was wrong; the archive is untouched.
expect_status 0 "$TANDEM" archive verify --archive "$A" --json
before="$(cat "$T/out")"
cp "$T/new2.tandem" "$T/corrupt.tandem"
size=$(stat -c %s "$T/corrupt.tandem")
printf '\377' | dd of="$T/corrupt.tandem" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
"$SAMPLE" "$T/fresh.tandem" 9 2048 -10 fresh_bug
head -c 5000 "$T/fresh.tandem" >"$T/truncated.tandem"
expect_status 2 "$TANDEM" archive ingest --archive "$A" "$T/corrupt.tandem" "$T/truncated.tandem" "$T/nonexistent.tandem"
grep -q "corrupt.tandem: section .* checksum mismatch" "$T/err" || fail "corrupt bundle message: $(cat "$T/err")"
grep -q "truncated.tandem: truncated" "$T/err" || fail "truncated bundle message: $(cat "$T/err")"
grep -q "nonexistent.tandem" "$T/err" || fail "missing file message"
expect_status 0 "$TANDEM" archive verify --archive "$A" --json
[ "$(cat "$T/out")" = "$before" ] || fail "a refused ingest changed the archive"
expect_status 2 "$TANDEM" archive show zzzz --archive "$A"
expect_status 2 "$TANDEM" archive export "$OLD" --archive "$A"
expect_status 2 "$TANDEM" archive list --since soon --archive "$A"
expect_status 2 "$TANDEM" archive frobnicate --archive "$A"
expect_status 1 "$TANDEM" archive list --archive "$T/no-archive-here"

# rm and prune give space back; verify stays clean.
expect_status 0 "$TANDEM" archive rm "$OLD" --archive "$A"
expect_status 0 "$TANDEM" archive list --archive "$A" --json
[ "$(json 'len(d)' <"$T/out")" = 2 ] || fail "rm"
expect_status 0 "$TANDEM" archive prune --keep-days 1 --max-bytes 1 --archive "$A" --json
[ "$(json 'len(d["removed"])' <"$T/out")" = 2 ] || fail "prune --max-bytes"
[ "$(json 'd["stored_bytes_after"]' <"$T/out")" = 0 ] || fail "prune left bytes behind"
expect_status 0 "$TANDEM" archive verify --archive "$A"
grep -q "0 bundle(s), 0 page(s)" "$T/out" || fail "empty archive after prune: $(cat "$T/out")"

# The default location comes from $TANDEM_ARCHIVE.
TANDEM_ARCHIVE="$T/env-archive" "$TANDEM" archive ingest "$T/fresh.tandem" >/dev/null
[ -f "$T/env-archive/data.mdb" ] || fail "TANDEM_ARCHIVE not honoured"
echo "archive_cli: all checks passed"
