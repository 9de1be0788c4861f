#!/usr/bin/env python3
"""Single-steps a test guest on tandem and under QEMU and compares the
registers before every instruction.

Usage: step-compare.py TANDEM GUEST.elf [--from SYMBOL] [--max N] [--over SYMBOL...]

tandem prints its state per instruction with `run --trace FROM:COUNT`; QEMU
is driven through its gdb stub (-S -gdb), one `s` packet per instruction
(QEMU steps with interrupts and timers held off, so the guest must not
depend on them). Both start comparing at SYMBOL (default sys_main, where
the guest's own setup has replaced what the two multiboot loaders left in
the registers). A register that still differs there (a loader value the
guest never used) is compared from the first instruction where the two
agree on it; so are EAX and EDX after RDTSC.

tandem's trace has no line for the state right after a fault is delivered
(the faulting instruction does not retire, so the next line already follows
the handler's first instruction); QEMU stops there. Such a QEMU step is
skipped when the following one matches tandem's next line.

Calls to the --over functions (default serial_putc: the guest's serial
output, most of its instructions) are run through at full speed on both:
the comparison resumes at the return address.

Prints `step-compare: N instructions compared, M mismatches` and the first
mismatches in detail; exit status 1 on any mismatch.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

REGS = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags", "cs"]
# EFLAGS bits both report the same way: RF is left out (QEMU's stub shows
# the flag as it handles it internally).
EFLAGS_MASK = ~(1 << 16) & 0xFFFFFFFF

TRACE_RE = re.compile(
    r"^(\d+) ([0-9a-f]{4}):([0-9a-f]{8}) (\S+) eax=(\w+) ebx=(\w+) ecx=(\w+) edx=(\w+) "
    r"esi=(\w+) edi=(\w+) ebp=(\w+) esp=(\w+) fl=(\w+)$")


def symbol_address(elf, name):
    out = subprocess.run(["nm", elf], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16)
    sys.exit(f"step-compare: no symbol {name} in {elf}")


def tandem_trace(tandem, elf, start, limit):
    """The states from the first one at `start`, at most `limit` of them."""
    proc = subprocess.run(
        [tandem, "run", "--kernel", elf, "--clock", "virtual", "--trace", "0:10000000"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    states = []
    for line in proc.stderr.splitlines():
        m = TRACE_RE.match(line)
        if not m:
            continue
        g = m.groups()
        state = {"icount": int(g[0]), "cs": int(g[1], 16), "eip": int(g[2], 16), "bytes": g[3],
                 "eax": int(g[4], 16), "ebx": int(g[5], 16), "ecx": int(g[6], 16),
                 "edx": int(g[7], 16), "esi": int(g[8], 16), "edi": int(g[9], 16),
                 "ebp": int(g[10], 16), "esp": int(g[11], 16), "eflags": int(g[12], 16)}
        if not states and state["eip"] != start:
            continue
        states.append(state)
        if len(states) == limit:
            break
    if not states:
        sys.exit(f"step-compare: tandem's trace never reached 0x{start:08x}")
    return states


class GdbStub:
    """The few remote-protocol packets needed to step a QEMU guest."""

    def __init__(self, port):
        deadline = time.time() + 10
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port))
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.buf = b""

    def _recv_packet(self):
        while True:
            start = self.buf.find(b"$")
            end = self.buf.find(b"#", start)
            if start >= 0 and end >= 0 and len(self.buf) >= end + 3:
                body = self.buf[start + 1:end]
                self.buf = self.buf[end + 3:]
                self.sock.sendall(b"+")
                return body.decode()
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("QEMU closed the gdb connection")
            self.buf += data

    def command(self, body):
        checksum = sum(body.encode()) & 0xFF
        self.sock.sendall(f"${body}#{checksum:02x}".encode())
        return self._recv_packet()

    def registers(self):
        raw = self.command("g")
        values = [int.from_bytes(bytes.fromhex(raw[i * 8:i * 8 + 8]), "little")
                  for i in range(len(REGS))]
        return dict(zip(REGS, values))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def looks_like_eflags(v):
    # Bit 1 reads as 1; bits 3, 5, 15 and 22-31 read as 0.
    return (v & 0x2) and not (v & 0xFFC08028)


def differing(a, b, ignored):
    out = []
    for r in REGS:
        if r in ignored:
            continue
        va, vb = a[r], b[r]
        if r == "eflags":
            va &= EFLAGS_MASK
            vb &= EFLAGS_MASK
        # A register holding the EFLAGS image of a fault frame: the SDM sets
        # RF in it and tandem does; QEMU 7.2 pushes RF = 0.
        elif va ^ vb == 0x10000 and (va & 0x10000) and looks_like_eflags(va):
            continue
        if va != vb:
            out.append(r)
    return out


def describe(s):
    return " ".join(f"{r}={s[r]:08x}" for r in REGS)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tandem")
    ap.add_argument("elf")
    ap.add_argument("--from", dest="start", default="sys_main")
    ap.add_argument("--max", type=int, default=1000000)
    ap.add_argument("--over", nargs="*", default=["serial_putc"])
    args = ap.parse_args()

    start = symbol_address(args.elf, args.start)
    over = {symbol_address(args.elf, name) for name in args.over}
    trace = tandem_trace(args.tandem, args.elf, start, args.max)

    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="step-compare-", suffix=".log", delete=False)
    qemu = subprocess.Popen(
        ["qemu-system-i386", "-kernel", args.elf, "-m", "128", "-display", "none", "-monitor", "none",
         "-serial", "file:/dev/null", "-device", "isa-debug-exit,iobase=0x501", "-no-reboot",
         "-S", "-gdb", f"tcp:127.0.0.1:{port}"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        gdb = GdbStub(port)
        gdb.command("?")
        gdb.command(f"Z0,{start:x},1")
        gdb.command("c")
        gdb.command(f"z0,{start:x},1")
        compared = mismatches = skipped = 0
        ignored = None
        q = gdb.registers()
        k = 0
        while k < len(trace):
            t = trace[k]
            if ignored is None:
                # Registers that differ at the start come from the loaders.
                ignored = set(differing(t, q, set()))
                print(f"step-compare: from {args.start}; loader-dependent at the start: "
                      f"{', '.join(sorted(ignored)) or 'none'}")
            ignored -= {r for r in list(ignored) if t[r] == q[r]}
            if q["eip"] != t["eip"] and k > 0:
                # A fault delivered: tandem's trace has no line for the
                # handler's first instruction.
                gdb.command("s")
                q = gdb.registers()
                if q["eip"] == t["eip"]:
                    skipped += 1
            bad = differing(t, q, ignored)
            compared += 1
            if bad:
                mismatches += 1
                if mismatches <= 5:
                    print(f"mismatch at tandem icount {t['icount']} (eip {t['eip']:08x}): {', '.join(bad)}")
                    print(f"  tandem {describe(t)}")
                    print(f"  qemu   {describe(q)}")
                if mismatches >= 50:
                    break
            if t["bytes"].startswith("0f31"):
                # RDTSC: the two machines' clocks differ.
                ignored |= {"eax", "edx"}
            k += 1
            if k == len(trace):
                break
            try:
                nxt = trace[k]
                if nxt["eip"] in over and t["bytes"].startswith("e8"):
                    # A call to run through: on to its return.
                    ret, ret_esp = t["eip"] + 5, t["esp"]
                    while k < len(trace) and not (trace[k]["eip"] == ret and trace[k]["esp"] == ret_esp):
                        k += 1
                    if k == len(trace):
                        break
                    gdb.command("s")
                    gdb.command(f"Z0,{ret:x},1")
                    gdb.command("c")
                    gdb.command(f"z0,{ret:x},1")
                else:
                    gdb.command("s")
                q = gdb.registers()
            except EOFError:
                break
        print(f"step-compare: {compared} instructions compared, {mismatches} mismatches "
              f"({skipped} fault deliveries skipped)")
        return 1 if mismatches else 0
    finally:
        qemu.kill()
        qemu.wait()
        os.unlink(log.name)


if __name__ == "__main__":
    sys.exit(main())
