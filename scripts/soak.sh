#!/bin/sh
# Long randomized runs. SOAK_SECONDS (default 600) bounds each soak.
set -eu
BUILD="${1:-build}"
: "${SOAK_SECONDS:=600}"
export SOAK_SECONDS
for s in "$BUILD"/soak/*; do
    [ -x "$s" ] || continue
    echo "soak: $s for ${SOAK_SECONDS}s" >&2
    "$s"
done
