"""usage: gdb-oops-backtrace.py TANDEM

Records the default guest's crash workload dereferencing NULL in the crash
module, writes the symbol file with `tandem symbols`, and has Debian's gdb
stop the bundle's replay where the kernel begins its oops report: `bt` must
name every kernel frame from oops_begin up through the page fault's entry
code, cross the exception's pt_regs into the module's faulting function
and its caller, and go on to the system call's entry; in the faulting
frame gdb's pc, esp and ebp must be the registers `tandem report` read
from the kernel's own pt_regs.
"""
import json
import re
import subprocess

from common import fail, recorded, run, scratch


def main():
    with scratch(__doc__, "tandem-gdb-oops-") as (tandem, work):
        r = run([tandem, "record", "--clock", "virtual", "--lag", "200ms", "--workload", "crash",
                 "--append", "cryptomgr.notests tandem.crash=null", "--json"])
        bundle = recorded(r, "null")["bundle"]
        elf = work + "/kernel.elf"
        s = run([tandem, "symbols", bundle, "-o", elf, "--json"])
        if s.returncode != 0:
            fail("tandem symbols exited %d\n%s" % (s.returncode, s.stderr))
        made = json.loads(s.stdout.splitlines()[-1])
        if made["modules"] < 1 or made["frames"]["entry"] < 1 or made["frames"]["function"] < 10000:
            fail("tandem symbols: no module, entry code or functions: %s" % made)
        rep = run([tandem, "report", bundle, "--json"])
        regs = json.loads(rep.stdout)["exception"]["registers"]

        server = subprocess.Popen([tandem, "gdb", bundle, "--port", "0", "--once", "--console", "/dev/null"],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True)
        try:
            line = server.stderr.readline()
            port = re.search(r"listening on [\d.]+:(\d+)", line)
            if not port:
                fail("tandem gdb did not listen: " + line)
            g = run(["gdb", "-q", "-batch", "-nx", elf, "-ex", "target remote :" + port.group(1),
                     "-ex", "break oops_begin", "-ex", "continue", "-ex", "bt",
                     "-ex", "frame function tandem_crash_null", "-ex", "p/x $pc", "-ex", "p/x $esp",
                     "-ex", "p/x $ebp", "-ex", "kill"], timeout=300)
        finally:
            server.wait(timeout=60)
        out = g.stdout + g.stderr
        frames = re.findall(r"^#(\d+) +(?:0x[0-9a-f]+ in )?(\S+)", out, re.M)
        names = [name for _, name in frames]
        want = ["oops_begin", "exc_page_fault", "<signal", "tandem_crash_null", "tandem_crash_write",
                "proc_reg_write", "vfs_write", "do_SYSENTER_32", "<signal"]
        at = 0
        for name in names:
            if at < len(want) and name == want[at]:
                at += 1
        if at != len(want):
            fail("the backtrace lacks %s (in order: %s)\n%s" % (want[at], " ".join(want), out))
        kernel_unknown = re.findall(r"^#\d+ +0xc[0-9a-f]{7} in \?\? ", out, re.M)
        if kernel_unknown:
            fail("kernel frames without a name:\n" + out)
        printed = [int(v, 16) for v in re.findall(r"^\$\d+ = (0x[0-9a-f]+)", out, re.M)]
        want_regs = [json.loads(rep.stdout)["exception"]["eip"], regs["esp"], regs["ebp"]]
        if printed != want_regs:
            fail("the faulting frame's pc, esp, ebp are %s in gdb, %s in the report\n%s" % (
                [hex(v) for v in printed], [hex(v) for v in want_regs], out))
        print("PASS: %d frames; %s; faulting frame pc=%#x esp=%#x ebp=%#x" % (
            len(names), " ".join(names), *printed))


if __name__ == "__main__":
    main()
