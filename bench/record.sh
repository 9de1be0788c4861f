#!/bin/sh
# bench/run record [--runs N]: the default guest's bench workload (boot, a
# shell arithmetic loop and an md5 of 512 KiB, then the sysrq panic) run
# side by side, N times each (default 3), interleaved (run and record take
# turns going first):
#   tandem-run     `tandem run` (--clock host), no recording
#   tandem-record  `tandem record` (--clock host, lag 2 s), then `tandem replay`
#                  of the frozen bundle
#   qemu-rr        qemu-system-i386 -icount shift=auto,rr=record, then rr=replay
# Prints a table on stderr and one JSON line per system with the medians;
# tandem-record's also has each round's overhead against its own run, their
# median (overhead_pct_paired), and the median share of the recording's time
# the primary waited for its backup (wait_pct); tandem-run's the spread of
# its times (the host's noise).
exec python3 "$(dirname "$0")/record.py" "$@"
