#!/bin/sh
# Runs tandem's main job on the default guest: fetches Debian's i386 kernel
# and busybox (once; cached), boots them on tandem's interpreter and runs
# the guest's self-test workload, whose output is known in advance.
set -eu
BUILD="${1:-build}"
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/guest/fetch-default-guest.sh" >/dev/null
exec "$BUILD/tandem" run --workload selftest </dev/null
