"""The record/replay benchmark (see bench/record.sh)."""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.environ.get("TANDEM_BUILD", os.path.join(ROOT, "build"))
TANDEM = os.path.join(BUILD, "tandem")
WORKLOAD = "bench"


def die(msg):
    print("bench/record: " + msg, file=sys.stderr)
    sys.exit(1)


def last_json(text):
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    die("no JSON line in:\n" + text[-2000:])


def timed(args, env=None, cwd=None):
    t0 = time.monotonic()
    p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, env=env, cwd=cwd,
                       timeout=1800)
    return time.monotonic() - t0, p


def tandem_run():
    _, p = timed([TANDEM, "run", "--workload", WORKLOAD, "--json"])
    j = last_json(p.stderr.decode())
    if j["exit"] != "reset":
        die("tandem run did not end in the panic's reset: " + str(j))
    return {"to_panic_s": j["wall_s"], "icount": j["icount"]}


def tandem_record(work):
    env = dict(os.environ, TANDEM_ARCHIVE=os.path.join(work, "archive"))
    _, p = timed([TANDEM, "record", "--workload", WORKLOAD, "--json"], env=env)
    j = last_json(p.stderr.decode())
    if p.returncode != 6 or j["failure"] != "panic" or not j["bundle"]:
        die("tandem record did not freeze the panic: " + p.stderr.decode()[-2000:])
    replay_s, r = timed([TANDEM, "replay", j["bundle"], "--quiet"], env=env)
    if r.returncode != 0:
        die("tandem replay did not reproduce: " + r.stderr.decode()[-2000:])
    return {"to_panic_s": j["wall_s"], "icount": j["icount"], "guest_s": j["guest_s"],
            "max_lag_s": j["max_lag_s"], "log_bytes": j["log_bytes"],
            "freeze_s": j["freeze_s"], "replay_s": replay_s,
            "full_waits": j["full_waits"], "lag_waits": j["lag_waits"],
            "lag_wait_s": j["lag_wait_s"]}


def qemu_rr(work, kernel, initrd):
    rrfile = os.path.join(work, "qemu.rr")
    base = ["qemu-system-i386", "-kernel", kernel, "-initrd", initrd, "-append",
            "console=ttyS0 panic=-1 nokaslr tandem.workload=" + WORKLOAD,
            "-nographic", "-m", "128", "-no-reboot", "-net", "none"]
    rec_s, p = timed(base[:1] + ["-icount", "shift=auto,rr=record,rrfile=" + rrfile] + base[1:])
    if b"Kernel panic" not in p.stdout:
        die("qemu record did not reach the panic")
    log_bytes = os.path.getsize(rrfile)
    rep_s, p = timed(base[:1] + ["-icount", "shift=auto,rr=replay,rrfile=" + rrfile] + base[1:])
    if b"Kernel panic" not in p.stdout:
        die("qemu replay did not reach the panic")
    os.unlink(rrfile)
    return {"to_panic_s": rec_s, "replay_s": rep_s, "log_bytes": log_bytes}


def main():
    runs = 3
    args = sys.argv[1:]
    if args[:1] == ["--runs"]:
        runs = int(args[1])
    if not os.access(TANDEM, os.X_OK):
        die(TANDEM + " is missing (make build)")
    paths = subprocess.run([os.path.join(ROOT, "guest", "fetch-default-guest.sh")],
                           capture_output=True, check=True).stdout.decode()
    kernel = re.search(r"^kernel=(.*)$", paths, re.M).group(1)
    initrd = re.search(r"^initramfs=(.*)$", paths, re.M).group(1)
    results = {"tandem-run": [], "tandem-record": [], "qemu-rr": []}
    with tempfile.TemporaryDirectory() as work:
        for k in range(runs):
            # Run and record take turns going first, so that a host
            # slowing down or speeding up over a round favours neither.
            if k % 2 == 0:
                results["tandem-run"].append(tandem_run())
                results["tandem-record"].append(tandem_record(work))
            else:
                results["tandem-record"].append(tandem_record(work))
                results["tandem-run"].append(tandem_run())
            results["qemu-rr"].append(qemu_rr(work, kernel, initrd))
            print("bench/record: run %d/%d: %s" % (k + 1, runs, json.dumps(
                {s: v[-1] for s, v in results.items()})), file=sys.stderr)

    def med(system, key):
        return statistics.median(r[key] for r in results[system])

    # Instructions to the panic (equal for every run of tandem: the same
    # workload) are the base for bytes per 1,000 instructions, QEMU's too.
    kinsn = med("tandem-record", "icount") / 1000
    run_s = med("tandem-run", "to_panic_s")
    rec = {k: med("tandem-record", k) for k in results["tandem-record"][0]}
    # Each round's own overhead (its record against its run), and the part
    # of each recording's time the primary spent waiting for its backup.
    rounds = [(r["to_panic_s"] / n["to_panic_s"] - 1) * 100
              for r, n in zip(results["tandem-record"], results["tandem-run"])]
    wait_share = [r["lag_wait_s"] / r["to_panic_s"] * 100 for r in results["tandem-record"]]
    run_times = [r["to_panic_s"] for r in results["tandem-run"]]
    q = {k: med("qemu-rr", k) for k in results["qemu-rr"][0]}
    lines = [
        {"system": "tandem-run", "runs": runs, "to_panic_s": round(run_s, 3),
         "icount": int(med("tandem-run", "icount")),
         "spread_pct": round((max(run_times) - min(run_times)) / run_s * 100, 1)},
        {"system": "tandem-record", "runs": runs, "to_panic_s": round(rec["to_panic_s"], 3),
         "overhead_pct": round((rec["to_panic_s"] / run_s - 1) * 100, 2),
         "overhead_pct_rounds": [round(x, 1) for x in rounds],
         "overhead_pct_paired": round(statistics.median(rounds), 2),
         "wait_pct": round(statistics.median(wait_share), 2),
         "max_lag_s": round(max(r["max_lag_s"] for r in results["tandem-record"]), 3),
         "log_bytes": int(rec["log_bytes"]),
         "log_bytes_per_s": round(rec["log_bytes"] / rec["guest_s"], 1),
         "log_bytes_per_kinsn": round(rec["log_bytes"] / kinsn, 4),
         "freeze_s": round(rec["freeze_s"], 3), "replay_s": round(rec["replay_s"], 3),
         "full_waits": int(rec["full_waits"]),
         "lag_waits": int(rec["lag_waits"]), "lag_wait_s": round(rec["lag_wait_s"], 3),
         "to_panic_vs_qemu_rr": round(rec["to_panic_s"] / q["to_panic_s"], 2),
         "replay_vs_qemu_rr": round(rec["replay_s"] / q["replay_s"], 3),
         "log_vs_qemu_rr": round(rec["log_bytes"] / q["log_bytes"], 4)},
        {"system": "qemu-rr", "runs": runs, "to_panic_s": round(q["to_panic_s"], 3),
         "replay_s": round(q["replay_s"], 3), "log_bytes": int(q["log_bytes"]),
         "log_bytes_per_s": round(q["log_bytes"] / q["to_panic_s"], 1),
         "log_bytes_per_kinsn": round(q["log_bytes"] / kinsn, 4)},
    ]
    print("%-14s %10s %9s %9s %10s %9s %9s" % ("system", "to_panic_s", "overhead", "max_lag",
                                               "B/kinsn", "freeze_s", "replay_s"),
          file=sys.stderr)
    for l in lines:
        print("%-14s %10.2f %9s %9s %10s %9s %9s" % (
            l["system"], l["to_panic_s"], l.get("overhead_pct", ""), l.get("max_lag_s", ""),
            l.get("log_bytes_per_kinsn", ""), l.get("freeze_s", ""), l.get("replay_s", "")),
            file=sys.stderr)
    for l in lines:
        print(json.dumps(l))


if __name__ == "__main__":
    main()
