"""The machine-readable result lines of the Python benchmarks, as
benchstats.h writes them for the C ones: appended to the file
$BENCH_RESULTS names, "RESULT" then tab-separated key=value fields;
nothing when it is unset. tests/bench/report reads them."""

import os


def result(**fields):
    path = os.environ.get("BENCH_RESULTS")
    if not path:
        return
    with open(path, "a") as out:
        out.write("\t".join(["RESULT"] + [
            "%s=%s" % (key, "%.4g" % value if isinstance(value, float)
                       else value)
            for key, value in fields.items()]) + "\n")
