#!/usr/bin/env python3
"""`tandem report` end to end on bundles of the default guest, and its HTML page in a browser.

Records the default guest's crash workload failing with a divide error
(`tandem record`), reports on the bundle with `tandem report ID --json --html
FILE` and checks the JSON: the failure, the function, the task, and that the
replay reproduced it (a software bug). Then opens the HTML page in headless
Chromium, takes a screenshot and checks that the timeline chart was drawn:
pixels of the chart's interrupt, clock and failure-line colours
(tools/TimelineChart.h) are in the PNG. Last, a bit flipped in the
primary's memory only (as in tests/rr/divergence.sh): the report on that
bundle says the failure did not reproduce (a transient fault).

Usage: report-command.py TANDEM
"""
import json
import os
import shutil
import struct
import sys
import zlib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from common import fail, recorded, run, scratch

# tools/TimelineChart.h
COLOURS = {
    "interrupts": (0x1F, 0x6F, 0xD1),
    "clock readings": (0xF2, 0x8C, 0x28),
    "the failure line": (0xD6, 0x27, 0x28),
}
MIN_PIXELS = 150


def record(tandem, args):
    """Records the default guest until it fails; returns the bundle's id."""
    return recorded(run([tandem, "record"] + args + ["--json"]), " ".join(args))["bundle"]


def report(tandem, bundle, html):
    r = run([tandem, "report", bundle, "--json", "--html", html])
    if r.returncode != 0:
        fail("tandem report exit %d\n%s\n%s" % (r.returncode, r.stdout[-2000:], r.stderr[-2000:]))
    return json.loads(r.stdout), r.stdout


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(path + " is not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace:
        fail("unexpected PNG format %r" % (header,))
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def count_colours(path):
    width, height, bpp, rows = png_pixels(path)
    wanted = {rgb: 0 for rgb in COLOURS.values()}
    for line in rows:
        for x in range(0, width * bpp, bpp):
            rgb = (line[x], line[x + 1], line[x + 2])
            if rgb in wanted:
                wanted[rgb] += 1
    return wanted


def main():
    with scratch(__doc__, "tandem-report-") as (tandem, work):
        r = run([tandem, "report"])
        if r.returncode != 2:
            fail("no argument: exit %d, want 2\n%s" % (r.returncode, r.stderr))
        r = run([tandem, "report", os.path.join(work, "none.tandem")])
        if r.returncode != 2 or "none.tandem" not in r.stderr:
            fail("a missing bundle: exit %d\n%s" % (r.returncode, r.stderr))

        # cryptomgr.notests: the kernel's crypto self-tests are most of its boot.
        bundle = record(tandem, ["--workload", "crash", "--append", "cryptomgr.notests tandem.crash=divide"])
        html = os.path.join(work, "report.html")
        report_json, text = report(tandem, bundle, html)
        checks = [
            (report_json["kind"], "oops"),
            (report_json["cause"], "divide error"),
            (report_json["stack_top"][0].split("+")[0], "tandem_crash_divide"),
            (report_json["task"].get("comm"), "dd"),
            (report_json["exception"]["vector"], 0),
            (report_json["exception"]["handler"], "exc_divide_error"),
            (report_json["modules"], ["tandem_crash"]),
            (report_json["signature"].startswith("oops-"), True),
            (report_json["timeline"]["from_clock"], True),
            (report_json["reproduced"], True),
        ]
        for got, want in checks:
            if got != want:
                fail("report: got %r, want %r; notes %r\n%s" % (got, want, report_json["notes"], text[:3000]))
        if not any(lane["name"] == "interrupt 0x30" for lane in report_json["timeline"]["lanes"]):
            fail("no timer interrupts in the timeline: %r" % report_json["timeline"]["lanes"])
        size = os.path.getsize(html)
        page = open(html, encoding="utf-8").read()
        for ref in ("<script", "<link", "src=", "href=", "url("):
            if ref in page:
                fail("the page refers to something outside itself: " + ref)

        chromium = shutil.which("chromium")
        if not chromium:
            fail("chromium not found (scripts/install-deps.sh installs it)")
        png = os.path.join(work, "report.png")
        r = run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 "--user-data-dir=" + os.path.join(work, "profile"), "--window-size=1000,1000",
                 "--screenshot=" + png, "file://" + html], timeout=120)
        if not os.path.exists(png):
            fail("chromium wrote no screenshot (exit %d)\n%s" % (r.returncode, r.stderr[-2000:]))
        counts = count_colours(png)
        for name, rgb in COLOURS.items():
            if counts[rgb] < MIN_PIXELS:
                fail("the screenshot has %d pixels of %s colour #%02x%02x%02x, want %d or more"
                     % (counts[rgb], name, rgb[0], rgb[1], rgb[2], MIN_PIXELS))

        # A transient fault: the primary alone diverges; the report says so.
        flipped = record(tandem, ["--workload", "panic", "--append", "cryptomgr.notests",
                                  "--digest-interval", "33554432", "--lag", "200ms",
                                  "--inject-fault", "300000000:mem@0x7ff0000:0"])
        transient, text = report(tandem, flipped, os.path.join(work, "flipped.html"))
        if transient["kind"] != "divergence" or transient["reproduced"] is not False:
            fail("the flipped bit's report: %r, reproduced %r\n%s" % (
                transient["kind"], transient.get("reproduced"), text[:2000]))
        if not transient["verdict"].startswith("did not reproduce"):
            fail("verdict: " + transient["verdict"])
        print("PASS: report %s, %s, %d-byte page; chart pixels: %s; flipped bit: %s" % (
            report_json["signature"], report_json["stack_top"][0], size,
            ", ".join("%s %d" % (n, counts[c]) for n, c in COLOURS.items()), transient["verdict"]))


if __name__ == "__main__":
    main()
