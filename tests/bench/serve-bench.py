#!/usr/bin/env python3
"""serve-bench.py AGENT [N] - the agent's CPU per job, warm against cold.

cold: N fresh `AGENT run < job`, each one's CPU (user + system, its probe
      children included: getrusage of the reaped children), median;
warm: one `AGENT serve` fed N framed jobs one at a time (each answered
      before the next is sent), two figures:
      - per job, median: the resident process's own CPU for that job, from
        /proc/PID/schedstat (ns) before and after it; probe children
        not included; and the wall time from sending the frame to reading
        its E frame;
      - per job, all in: (CPU of serve with N jobs - CPU of serve with none)
        / N, probes included, median over 5 such runs.
Jobs: "disk mem load" (disk runs in a probe child: a fork and exec of the
agent) and "mem load" (in-process only).
"""
import os
import resource
import statistics
import subprocess
import sys
import time

JOBS = {
    "disk mem load": b'{"ronda":1,"tasks":[{"check":"disk","path":"/"},{"check":"memory"},'
                     b'{"check":"load"}]}\n',
    "mem load": b'{"ronda":1,"tasks":[{"check":"memory"},{"check":"load"}]}\n',
}


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cold(agent, job, n):
    per = []
    for _ in range(n):
        c0 = child_cpu()
        subprocess.run([agent, "run"], input=job, stdout=subprocess.DEVNULL, check=False)
        per.append(child_cpu() - c0)
    return statistics.median(per)


def frame(i, job):
    return b"J %d %d\n" % (i, len(job)) + job


def read_answer(f, want):
    """Reads frames up to E want; returns its exit code."""
    while True:
        t, fid, n = f.readline().split()
        if t == b"E":
            if int(fid) == want:
                return int(n)
            continue
        f.read(int(n))


def schedstat(pid):
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[0])


def warm_interactive(agent, job, n):
    p = subprocess.Popen([agent, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    read_answer_hello(p.stdout)
    per, wall = [], []
    for i in range(1, n + 1):
        s0 = schedstat(p.pid)
        t0 = time.monotonic()
        p.stdin.write(frame(i, job))
        p.stdin.flush()
        read_answer(p.stdout, i)
        wall.append(time.monotonic() - t0)
        per.append((schedstat(p.pid) - s0) / 1e9)
    p.stdin.close()
    p.wait()
    return statistics.median(per), statistics.median(wall)


def read_answer_hello(f):
    t, fid, n = f.readline().split()
    assert t == b"L" and fid == b"0"
    f.read(int(n))


def warm_batch(agent, job, n):
    c0 = child_cpu()
    subprocess.run([agent, "serve"], input=b"", stdout=subprocess.DEVNULL, check=False)
    empty = child_cpu() - c0
    stream = b"".join(frame(i, job) for i in range(1, n + 1))
    c0 = child_cpu()
    subprocess.run([agent, "serve"], input=stream, stdout=subprocess.DEVNULL, check=False)
    return (child_cpu() - c0 - empty) / n


def main():
    agent = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    print("agent CPU per job, %d jobs (ms)" % n)
    print("%-14s %10s %16s %14s %16s" % ("job", "cold run", "warm, own (med)", "warm, all in",
                                        "warm wall (med)"))
    for name, job in JOBS.items():
        c = cold(agent, job, n)
        w, wall = warm_interactive(agent, job, n)
        b = statistics.median(warm_batch(agent, job, n) for _ in range(5))
        print("%-14s %10.3f %16.3f %14.3f %16.3f" % (name, c * 1e3, w * 1e3, b * 1e3, wall * 1e3))


if __name__ == "__main__":
    main()
