#!/usr/bin/env python3
"""`tandem report` end to end on the default guest, and its HTML page in a browser.

Boots the default guest's crash workload into a divide error with
`tandem report --boot ... --json --html FILE`, checks the JSON report, then
opens the HTML page in headless Chromium, takes a screenshot and checks that
the timeline chart was drawn: pixels of the chart's interrupt, clock and
failure-line colours (tools/TimelineChart.h) are in the PNG.

Usage: report-command.py TANDEM
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

# tools/TimelineChart.h
COLOURS = {
    "interrupts": (0x1F, 0x6F, 0xD1),
    "clock readings": (0xF2, 0x8C, 0x28),
    "the failure line": (0xD6, 0x27, 0x28),
}
MIN_PIXELS = 150


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run(args, timeout=600):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


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
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    tandem = sys.argv[1]
    work = tempfile.mkdtemp(prefix="tandem-report-")
    try:
        # Usage: a bundle is named, or --boot; not both, not neither.
        r = run([tandem, "report"])
        if r.returncode != 2:
            fail("no argument: exit %d, want 2\n%s" % (r.returncode, r.stderr))
        r = run([tandem, "report", "--boot", "some.tandem"])
        if r.returncode != 2 or "some.tandem" not in r.stderr:
            fail("--boot with a bundle: exit %d\n%s" % (r.returncode, r.stderr))

        html = os.path.join(work, "report.html")
        r = run([tandem, "report", "--boot", "--workload", "crash", "--append", "tandem.crash=divide",
                 "--json", "--html", html])
        if r.returncode != 0:
            fail("tandem report exit %d\n%s\n%s" % (r.returncode, r.stdout, r.stderr))
        report = json.loads(r.stdout)
        checks = [
            (report["kind"], "oops"),
            (report["cause"], "divide error"),
            (report["stack_top"][0].split("+")[0], "tandem_crash_divide"),
            (report["task"]["comm"], "dd"),
            (report["exception"]["vector"], 0),
            (report["exception"]["handler"], "exc_divide_error"),
            (report["modules"], ["tandem_crash"]),
            (report["signature"].startswith("oops-"), True),
            (report["timeline"]["from_clock"], True),
        ]
        for got, want in checks:
            if got != want:
                fail("report: got %r, want %r\n%s" % (got, want, r.stdout[:2000]))
        if not any(lane["name"] == "interrupt 0x30" for lane in report["timeline"]["lanes"]):
            fail("no timer interrupts in the timeline: %r" % report["timeline"]["lanes"])
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
        print("PASS: report %s, %s, %d-byte page; chart pixels: %s" % (
            report["signature"], report["stack_top"][0], size,
            ", ".join("%s %d" % (n, counts[c]) for n, c in COLOURS.items())))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
