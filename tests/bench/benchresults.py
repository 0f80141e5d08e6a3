"""Shared by the Python benchmarks: one gst-launch-1.0 run timed, and the
machine-readable result lines, as benchstats.h writes them for the C ones:
appended to the file $BENCH_RESULTS names, "RESULT" then tab-separated
key=value fields; nothing when it is unset. tests/bench/report reads
them."""

import os
import resource
import shlex
import subprocess
import sys
import time


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def launch(desc, env=None):
    """Wall-clock and CPU seconds of one `gst-launch-1.0 -q DESC` run, with
    @env added to the environment; exits when it fails."""
    elapsed, cpu, _ = run_launch(["-q"], desc, env)
    return elapsed, cpu


def launch_messages(desc, env=None):
    """As launch (), as `gst-launch-1.0 -m DESC` (-q would silence the
    messages): wall-clock and CPU seconds, and what it printed."""
    return run_launch(["-m"], desc, env)


def run_launch(options, desc, env):
    argv = ["gst-launch-1.0"] + options + shlex.split(desc)
    cpu = children_cpu()
    start = time.perf_counter()
    run = subprocess.run(argv, capture_output=True, text=True, timeout=600,
                         env=dict(os.environ, **(env or {})))
    elapsed = time.perf_counter() - start
    if run.returncode != 0 or "ERROR" in run.stdout + run.stderr:
        sys.exit("failed: %s\n%s%s" % (desc, run.stdout, run.stderr))
    return elapsed, children_cpu() - cpu, run.stdout


def result(**fields):
    path = os.environ.get("BENCH_RESULTS")
    if not path:
        return
    with open(path, "a") as out:
        out.write("\t".join(["RESULT"] + [
            "%s=%s" % (key, "%.4g" % value if isinstance(value, float)
                       else value)
            for key, value in fields.items()]) + "\n")
