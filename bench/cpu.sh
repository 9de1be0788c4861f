#!/bin/sh
# bench/run cpu [WORKLOAD...]: tandem's CPU alone on flat-binary workloads
# (bench/guests/*.asm: loop, mem, x87), one JSON line per workload with
# instructions, median seconds and MIPS over 5 runs.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
build="${TANDEM_BUILD:-$(dirname "$here")/build}"
[ -x "$build/bench/cpu_bench" ] || {
    echo "bench/cpu: $build/bench/cpu_bench is missing (build first: make build)" >&2
    exit 2
}
exec "$build/bench/cpu_bench" "$build/bench" --runs 5 "$@"
