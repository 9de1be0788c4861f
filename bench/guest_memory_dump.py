#!/usr/bin/env python3
"""Boots a Linux guest under QEMU (128 MiB, i386) with the `panic` workload
and panic=0 (the kernel stops after panicking), waits for the panic on the
serial console, and saves all of guest RAM to a raw file with the monitor's
pmemsave: a real crashed guest's memory for the log store's benchmark.

usage: guest_memory_dump.py KERNEL INITRAMFS OUT.raw
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

MEMORY = 128 << 20


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    kernel, initrd, out = (os.path.abspath(a) for a in sys.argv[1:])
    work = tempfile.mkdtemp(prefix="tandem-dump-")
    console, monitor = os.path.join(work, "console.log"), os.path.join(work, "monitor.sock")
    start = time.time()
    qemu = subprocess.Popen(
        ["qemu-system-i386", "-m", "128M", "-kernel", kernel, "-initrd", initrd,
         "-append", "console=ttyS0 panic=0 nokaslr tandem.workload=panic",
         "-display", "none", "-serial", "file:" + console,
         "-monitor", "unix:" + monitor + ",server,nowait", "-no-reboot"],
        cwd=os.path.dirname(out), stdout=subprocess.DEVNULL)
    try:
        while True:
            time.sleep(0.2)
            if os.path.exists(console) and b"end Kernel panic" in open(console, "rb").read():
                break
            if qemu.poll() is not None or time.time() - start > 300:
                sys.exit("guest_memory_dump: the guest did not panic (see %s)" % console)
        mon = socket.socket(socket.AF_UNIX)
        mon.connect(monitor)
        mon.settimeout(60)

        def prompt():
            buf = b""
            while not buf.endswith(b"(qemu) "):
                chunk = mon.recv(4096)
                if not chunk:
                    raise RuntimeError("monitor closed")
                buf += chunk
            return buf

        prompt()
        for command in ("stop", "pmemsave 0 %#x %s" % (MEMORY, os.path.basename(out))):
            mon.sendall((command + "\n").encode())
            prompt()
        mon.sendall(b"quit\n")
        qemu.wait(timeout=60)
    finally:
        if qemu.poll() is None:
            qemu.kill()
    if os.path.getsize(out) != MEMORY:
        sys.exit("guest_memory_dump: %s is not 128 MiB" % out)
    shutil.rmtree(work)  # kept above when something went wrong, for its console log
    print("guest_memory_dump: %s after %.1f s" % (out, time.time() - start), file=sys.stderr)


if __name__ == "__main__":
    main()
