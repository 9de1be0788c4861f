#!/bin/sh
# Runs tandem's main job on the default guest: fetches Debian's i386 kernel
# and busybox (once; cached), records the guest with a lagging backup until
# it panics (the "panic" workload: echo c > /proc/sysrq-trigger), freezes
# the failure as a bundle into an archive, then replays the bundle to the
# panic and says whether it reproduced.
set -eu
BUILD="${1:-build}"
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/guest/fetch-default-guest.sh" >/dev/null
archive="$BUILD/demo-archive"
log="$BUILD/demo-record.log"
echo "== tandem record --workload panic --archive $archive"
status=0
"$BUILD/tandem" record --workload panic --archive "$archive" </dev/null >"$log" || status=$?
cat "$log"
if [ "$status" != 6 ]; then
    echo "demo: tandem record exited $status; expected 6 (a failure recorded)" >&2
    exit 1
fi
id=$(tail -n 1 "$log")
echo
echo "== tandem replay $id"
"$BUILD/tandem" replay "$id" --archive "$archive"
echo
echo "== tandem archive list"
"$BUILD/tandem" archive list --archive "$archive"
