# Shared by the record/replay tests: a scratch directory with its own
# archive, and checks that print what went wrong.
set -u
tandem=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TANDEM_ARCHIVE="$work/archive"
# The kernel's crypto self-tests are three quarters of the default guest's
# boot (3.1e9 of 4.1e9 instructions) and nothing here needs them.
fast="--append cryptomgr.notests"

fail() {
    echo "FAIL: $*" >&2
    for f in "$work"/*.err; do
        [ -f "$f" ] && { echo "--- $f (last lines)" >&2; tail -n 15 "$f" >&2; }
    done
    exit 1
}

# json_field FILE NAME: the value of "NAME" in the last JSON line of FILE.
json_field() {
    grep '^{' "$1" | tail -n 1 | sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p"
}

# bundle_id FILE: the 64-hex-digit id `tandem record` printed.
bundle_id() {
    grep -Eo '\b[0-9a-f]{64}\b' "$1" | tail -n 1
}

# wait_for FILE TEXT SECONDS: until TEXT appears in FILE.
wait_for() {
    local deadline=$(( $(date +%s) + $3 ))
    until grep -q "$2" "$1" 2>/dev/null; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.5
    done
}

# replay_json ID: runs `tandem replay --json` into $work/replay.json, with
# its exit status in $replay_status.
replay_json() {
    "$tandem" replay "$1" --json >"$work/replay.json" 2>"$work/replay.err"
    replay_status=$?
    cat "$work/replay.json"
}
