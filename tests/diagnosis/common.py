"""What the diagnosis tests that drive `tandem` as a user would share."""
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run(args, env=None, timeout=600, input=None):
    """Runs a command with `input` (else nothing) on its stdin; returns its CompletedProcess."""
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, input=input,
                          stdin=None if input is not None else subprocess.DEVNULL, env=env)


def recorded(r, what):
    """The JSON summary of a `tandem record --json` that must have frozen a bundle."""
    if r.returncode != 6:
        fail("tandem record (%s) exited %d, expected 6 (a failure recorded)\n%s" % (what, r.returncode, r.stderr[-3000:]))
    # The id is in the JSON line on stderr (on stdout it may follow the
    # guest's last, unfinished console line).
    summaries = [json.loads(line) for line in r.stderr.splitlines() if line.startswith("{")]
    if not summaries or not re.fullmatch(r"[0-9a-f]{64}", summaries[-1].get("bundle", "")):
        fail("tandem record (%s) reported no bundle\n--- stdout\n%s\n--- stderr\n%s" % (
            what, r.stdout[-1500:], r.stderr[-3000:]))
    return summaries[-1]


@contextlib.contextmanager
def scratch(doc, prefix):
    """The tandem binary from the command line, and a scratch directory holding the archive."""
    if len(sys.argv) != 2:
        print(doc)
        sys.exit(2)
    work = tempfile.mkdtemp(prefix=prefix)
    os.environ["TANDEM_ARCHIVE"] = os.path.join(work, "archive")
    try:
        yield sys.argv[1], work
    finally:
        shutil.rmtree(work, ignore_errors=True)
