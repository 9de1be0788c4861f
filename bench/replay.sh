#!/bin/sh
# bench/run replay [--runs N] [ARGS...]: time travel on the default guest
# with the virtual clock (build/bench/replay_bench): a 30 s window of guest
# time run forward with checkpoints, then 20 seeks to random icounts in it
# and one reverse-stepi from each. One JSON line per run with
# seek_median_s, seek_max_s, reverse_stepi_s (median), checkpoint_bytes;
# ARGS go to replay_bench (--window-s, --seeks, --checkpoint-budget,
# --workload, ...). Targets: seeks under 1 s, reverse-stepi under 100 ms.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
build="${TANDEM_BUILD:-$(dirname "$here")/build}"
runs=1
if [ "${1:-}" = --runs ]; then runs=$2; shift 2; fi
[ -x "$build/bench/replay_bench" ] || {
    echo "bench/replay: $build/bench/replay_bench is missing (build first: make build)" >&2
    exit 2
}
i=0
while [ $i -lt "$runs" ]; do
    "$build/bench/replay_bench" --seed $((i + 1)) "$@"
    i=$((i + 1))
done
