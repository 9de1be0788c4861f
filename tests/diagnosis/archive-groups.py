#!/usr/bin/env python3
"""The failure archive groups bundles by the signature diagnosis refines.

Records the default guest's crash workload three times into one archive
(under the virtual clock, which skips the guest's idle time): a NULL
dereference twice, once as the guest boots and once typed into its shell
after other processes and a second's sleep (another pid, time and bundle
window), and a BUG(). `tandem record` diagnoses each bundle once it is
durable; `tandem archive summary --json` must then show the two NULL
dereferences under one signature, the one `tandem report` computes from
the backtrace (not the recorder's message-only one), and the BUG under
another. Last, a bundle ingested by hand into a second archive is grouped
by the recorder's signature until `tandem archive diagnose` runs.

Usage: archive-groups.py TANDEM
"""
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from common import fail, recorded, run, scratch

# Typed into the crash workload's shell. The console drops the first bytes
# that arrive before the serial driver starts: a line of spaces takes them.
LATER_NULL = " " * 32 + "\nfor i in 1 2 3 4 5 6 7 8; do /bin/true; done; sleep 1; echo null | dd of=/proc/tandem-crash\n"


def tandem_json(tandem, args, env=None):
    r = run([tandem] + args + ["--json"], env=env)
    if r.returncode != 0:
        fail("tandem %s: exit %d\n%s" % (" ".join(args), r.returncode, r.stderr[-2000:]))
    return json.loads(r.stdout)


def record(tandem, crash, typed=None):
    """Records the crash workload failing with `crash` at boot, or as `typed`
    makes it fail; returns (bundle id, diagnosis seconds, freeze seconds)."""
    append = "cryptomgr.notests" + ("" if typed else " tandem.crash=" + crash)
    # A short lag keeps the bundles' windows (and their replays) short.
    r = run([tandem, "record", "--clock", "virtual", "--lag", "200ms", "--workload", "crash", "--append", append,
             "--json"], input=typed)
    summary = recorded(r, crash)
    m = re.search(r"bundle %s diagnosed in ([0-9.]+) s: signature " % summary["bundle"][:12], r.stderr)
    if not m:
        fail("tandem record (%s) did not diagnose its bundle\n%s" % (crash, r.stderr[-3000:]))
    return summary["bundle"], float(m.group(1)), summary["freeze_s"]


def main():
    with scratch(__doc__, "tandem-groups-") as (tandem, work):
        null1, d1, f1 = record(tandem, "null")
        null2, d2, f2 = record(tandem, "null", LATER_NULL)
        bug, d3, f3 = record(tandem, "bug")
        if len({null1, null2, bug}) != 3:
            fail("two recordings gave the same bundle")

        listed = {e["sha256"]: e for e in tandem_json(tandem, ["archive", "list"])}
        for b in (null1, null2, bug):
            if not listed[b]["diagnosed"] or not listed[b]["reproduced"]:
                fail("bundle %s not diagnosed as reproduced: %r" % (b[:12], listed[b]))
        sig = {b: listed[b]["signature"] for b in (null1, null2, bug)}
        if sig[null1] != sig[null2]:
            fail("the same crash has two signatures: %s and %s" % (sig[null1], sig[null2]))
        if sig[bug] == sig[null1]:
            fail("a BUG() and a NULL dereference share the signature " + sig[bug])

        # The key is the report's, refined from the backtrace.
        report = tandem_json(tandem, ["report", null1])
        if report["signature"] != sig[null1] or report["stack_top"][0].split("+")[0] != "tandem_crash_null":
            fail("report: signature %s (archive %s), top frame %s" % (
                report["signature"], sig[null1], report["stack_top"][0]))
        shown = tandem_json(tandem, ["archive", "show", null1[:12]])
        if shown["recorded_signature"] == sig[null1]:
            fail("the archive's signature is the recorder's: " + sig[null1])

        summary = tandem_json(tandem, ["archive", "summary"])
        groups = {g["signature"]: g["count"] for g in summary["signatures"]}
        if groups != {sig[null1]: 2, sig[bug]: 1}:
            fail("summary groups %r, want %r" % (groups, {sig[null1]: 2, sig[bug]: 1}))

        # A bundle ingested by hand waits for `archive diagnose`.
        exported = os.path.join(work, "null.tandem")
        tandem_json(tandem, ["archive", "export", null2[:12], "-o", exported])
        other = dict(os.environ, TANDEM_ARCHIVE=os.path.join(work, "other"))
        tandem_json(tandem, ["archive", "ingest", exported], env=other)
        before = tandem_json(tandem, ["archive", "list"], env=other)[0]
        if before["diagnosed"] or before["signature"] == sig[null1]:
            fail("an undiagnosed bundle: %r" % before)
        diagnosed = tandem_json(tandem, ["archive", "diagnose"], env=other)
        after = tandem_json(tandem, ["archive", "list"], env=other)[0]
        if len(diagnosed) != 1 or not diagnosed[0]["reproduced"] or after["signature"] != sig[null1]:
            fail("archive diagnose: %r, then %r" % (diagnosed, after))
        if tandem_json(tandem, ["archive", "diagnose"], env=other) != []:
            fail("archive diagnose diagnosed a bundle again")

        print("PASS: %s x2, %s x1; diagnosis %.2f/%.2f/%.2f s after freezes of %.2f/%.2f/%.2f s" % (
            sig[null1], sig[bug], d1, d2, d3, f1, f2, f3))


if __name__ == "__main__":
    main()
