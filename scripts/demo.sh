#!/bin/sh
# Runs tandem's main job on the default guest. Until the Linux guest boots,
# this runs the bundled self-checking test guest.
set -eu
BUILD="${1:-build}"
exec "$BUILD/tandem" run-guest "$BUILD/guests/hello.elf"
