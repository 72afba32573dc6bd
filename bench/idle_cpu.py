#!/usr/bin/env python3
"""CPU an idle process uses, for bench/run case 9 and bench/compare.

Samples a process before and after `--seconds` and prints one JSON line:
  cpu_s_per_10s   utime + stime from /proc/PID/stat, scaled to 10 s (clock
                  ticks: the resolution is 1/CLK_TCK s over the whole window)
  threads         per thread name, seconds on a CPU per 10 s, from each
                  thread's /proc/PID/task/TID/schedstat (nanoseconds, so the
                  small shares are resolved), and its voluntary context
                  switches (wakeups) per second
  rss_kb          VmRSS at the end
With --summary it reads such lines on stdin instead and prints, per thread
name, the median CPU and wakeups over them, on one line.
Threads that share a name are summed, so the breakdown is by kind: CAF 0.17
names its scheduler workers "caf.multiplexer", its timer thread "caf.clock"
and every detached actor's thread "caf.actor"; the main thread and the HTTP
servers' threads keep the program's name. Linux only; standard library only.
"""
import argparse
import json
import os
import statistics
import sys
import time


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def threads(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        base = f"/proc/{pid}/task/{tid}"
        try:
            with open(f"{base}/comm") as f:
                name = f.read().strip()
            with open(f"{base}/schedstat") as f:
                ns = int(f.read().split()[0])
            with open(f"{base}/status") as f:
                wakeups = next(int(line.split()[1]) for line in f
                               if line.startswith("voluntary_ctxt_switches"))
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread ended between listdir and open
        out[tid] = (name, ns, wakeups)
    return out


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def summary(lines):
    runs = [json.loads(line) for line in lines if line.strip()]
    names = sorted({n for r in runs for n in r["threads"]},
                   key=lambda n: -statistics.median(r["threads"].get(n, {}).get("cpu_s_per_10s", 0) for r in runs))
    cells = []
    for n in names:
        rows = [r["threads"].get(n, {"threads": 0, "cpu_s_per_10s": 0, "wakeups_per_s": 0}) for r in runs]
        cells.append("%s ×%d: %.4f s, %.0f wakeups/s" % (
            n, max(x["threads"] for x in rows), statistics.median(x["cpu_s_per_10s"] for x in rows),
            statistics.median(x["wakeups_per_s"] for x in rows)))
    print("; ".join(cells))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pid", type=int)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--summary", action="store_true")
    a = p.parse_args()
    if a.summary:
        return summary(sys.stdin)
    if a.pid is None:
        p.error("--pid is required")
    hz = os.sysconf("SC_CLK_TCK")
    t0, before = ticks(a.pid), threads(a.pid)
    time.sleep(a.seconds)
    t1, after = ticks(a.pid), threads(a.pid)
    scale = 10 / a.seconds
    by_name = {}
    for tid, (name, ns, wakeups) in after.items():
        ns0, w0 = before[tid][1:] if tid in before else (0, 0)
        s = by_name.setdefault(name, {"threads": 0, "cpu_s_per_10s": 0.0, "wakeups_per_s": 0.0})
        s["threads"] += 1
        s["cpu_s_per_10s"] += (ns - ns0) / 1e9 * scale
        s["wakeups_per_s"] += (wakeups - w0) / a.seconds
    for s in by_name.values():
        s["cpu_s_per_10s"] = round(s["cpu_s_per_10s"], 5)
        s["wakeups_per_s"] = round(s["wakeups_per_s"], 1)
    print(json.dumps({"seconds": a.seconds,
                      "cpu_s_per_10s": round((t1 - t0) / hz * scale, 4),
                      "threads": by_name, "rss_kb": rss_kb(a.pid)}))


if __name__ == "__main__":
    main()
