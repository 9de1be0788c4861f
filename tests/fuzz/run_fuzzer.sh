#!/bin/sh
# run_fuzzer.sh FUZZER SECONDS CORPUS_DIR SEED_DIR [LIBFUZZER_FLAGS...]
# Runs a libFuzzer target for SECONDS on a corpus that persists between
# runs (new inputs it finds are kept), starting from the seeds. Crashes are
# written to CORPUS_DIR/../crashes and fail the run.
set -eu
fuzzer="$1"; seconds="$2"; corpus="$3"; seeds="$4"
shift 4
[ -x "$fuzzer" ] || { echo "run_fuzzer: $fuzzer was not built" >&2; exit 1; }
crashes="$(dirname "$corpus")/crashes"
mkdir -p "$corpus" "$crashes"
exec "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$crashes/" "$@" "$corpus" "$seeds"
