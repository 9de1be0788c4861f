#!/bin/sh
# run_fuzzer.sh FUZZER SECONDS CORPUS_DIR SEED_DIR [LIBFUZZER_FLAGS...]
# Runs a libFuzzer target for SECONDS on a corpus kept between runs (what
# it finds stays), starting from the seeds. Crashes land in
# CORPUS_DIR/../crashes and fail the run.
set -eu
fuzzer="$1"; seconds="$2"; corpus="$3"; seeds="$4"
shift 4
[ -x "$fuzzer" ] || { echo "run_fuzzer: $fuzzer was not built" >&2; exit 1; }
crashes="$(dirname "$corpus")/crashes"
mkdir -p "$corpus" "$crashes"
# The machine's libraries are built without ASan: their containers carry no
# annotations, so overflow checks across the boundary would misfire.
ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_container_overflow=0"
export ASAN_OPTIONS
exec "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$crashes/" "$@" "$corpus" "$seeds"
