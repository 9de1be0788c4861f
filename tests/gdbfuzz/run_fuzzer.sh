#!/bin/sh
# run_fuzzer.sh FUZZER SECONDS CORPUS_DIR SEED_DIR [LIBFUZZER_FLAGS...]
# As tests/fuzz/run_fuzzer.sh, for a fuzzer linked with the main build's
# libraries: those are built without ASan, so their containers carry no
# annotations and overflow checks across the boundary would misfire.
ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_container_overflow=0"
export ASAN_OPTIONS
exec sh "$(dirname "$0")/../fuzz/run_fuzzer.sh" "$@"
