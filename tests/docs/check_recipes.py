#!/usr/bin/python3
"""Runs every ```sh block of docs/recipes.md, in order, in one empty
directory, as the page promises: each must exit 0 (bash with errexit and
pipefail, so a grep that finds nothing fails it), and every file a
filesink writes must exist and hold something.

  check_recipes.py SRCDIR"""
import os
import re
import subprocess
import sys
import tempfile

BLOCK_TIMEOUT = 120


def blocks(page):
    return re.findall(r"^```sh\n(.*?)^```", page, re.S | re.M)


def main():
    page = open(os.path.join(sys.argv[1], "docs", "recipes.md")).read()
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        for number, block in enumerate(blocks(page), 1):
            first = block.strip().splitlines()[0]
            try:
                run = subprocess.run(
                    ["bash", "-e", "-o", "pipefail", "-c", block], cwd=work,
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    text=True, timeout=BLOCK_TIMEOUT)
                status, output = run.returncode, run.stdout
            except subprocess.TimeoutExpired as timeout:
                status, output = "timeout", timeout.stdout or ""
            # (multifilesink's first file for a pattern such as %03d)
            written = [re.sub(r"%0?\d*d", lambda m: m.group(0) % 0, name)
                       for name in re.findall(r"filesink location=(\S+)",
                                              block)]
            empty = [name for name in written
                     if not os.path.exists(os.path.join(work, name))
                     or os.path.getsize(os.path.join(work, name)) == 0]
            if status != 0 or empty:
                failures += 1
                print(f"not ok {number} - {first}\n  exit {status}, "
                      f"missing or empty: {empty}\n{output}")
            else:
                print(f"ok {number} - {first}")
    print(f"{failures} of {len(blocks(page))} recipes failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
