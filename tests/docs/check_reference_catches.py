#!/usr/bin/python3
"""Shows that check_reference.py fails when a page drifts from its element.

Copies docs/ into a temporary directory, makes one change at a time that
leaves the page wrong (a default, a range, a type, a missing or a made-up
property, ...) and checks that the checker reports that property. The
unchanged copy must pass. The same for check_quotes.py (a line of quoted
code changed in the guide) and check_links.py (a link to a page, or to a
heading, that is not there).

  check_reference_catches.py BUILD_ROOT DOCS_DIR
"""

import os
import shutil
import sys
import tempfile

import check_links
import check_quotes
import check_reference
from check_reference import Gst

# (page, text in the page, replacement, what the error must name)
MUTATIONS = [
    ("elements/asyncjpegenc.md", "| 0 – 100 | 85 |", "| 0 – 100 | 80 |",
     "`quality` default"),
    ("elements/asyncidentity.md", "| `work-time` | uint | 0 – 10 000 000 µs",
     "| `work-time` | uint | 0 – 1 000 000 µs", "`work-time` values"),
    ("elements/asyncpngenc.md", "| `compression-level` | uint |",
     "| `compression-level` | int |", "`compression-level` type"),
    ("elements/asyncjpegdec.md", "`islow`, `ifast`, `float` |",
     "`islow`, `ifast` |", "`idct-method` values"),
    ("elements/asyncwrap.md", "| NULL | NULL, READY |", "| NULL | any state |",
     "`filter` set in"),
    ("elements/common.md", "| `n-workers` | uint | 0 – 256 threads | 0 |",
     "| `n-workers` | uint | 0 – 256 threads | 1 |", "`n-workers` default"),
    ("elements/common.md", "| `ordered` | boolean | | true |",
     "| `ordered` | boolean | | false |", "`ordered` default"),
    ("elements/asyncidentity.md", "| `eos-after` |", "| `eos-afterwards` |",
     "`eos-afterwards` is not a property"),
    ("elements/asyncidentity.md", "| `eos-after` |", "| `eos-afterwards` |",
     "property `eos-after` is missing"),
    ("elements/common.md", "| `frames-in` | uint64 |", "| `frames-in` | uint |",
     "`stats` field `frames-in` type"),
    ("elements/asyncjpegdec.md", "xBGR, GRAY8 |", "xBGR |", "pad `src`"),
    ("elements/asyncprocess.md", "| `cancel` |", "| `cancelled` |",
     "signal `cancel` is missing"),
]


def errors_for(build_root, docs):
    errors, _ = check_reference.check(build_root, docs)
    return errors


def main(argv):
    build_root, docs_dir = argv[1], argv[2]
    Gst.init(None)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        docs = os.path.join(tmp, "docs")
        shutil.copytree(docs_dir, docs)
        errors = errors_for(build_root, docs)
        if errors:
            print("the unchanged pages fail:", *errors, sep="\n  ")
            return 1
        for page, old, new, expected in MUTATIONS:
            path = os.path.join(docs, page)
            with open(path) as f:
                original = f.read()
            if original.count(old) != 1:
                print("FAIL: %r is not once in %s" % (old, page))
                failures += 1
                continue
            with open(path, "w") as f:
                f.write(original.replace(old, new))
            errors = errors_for(build_root, docs)
            with open(path, "w") as f:
                f.write(original)
            if any(expected in e for e in errors):
                print("ok: %s: %r -> %r is reported" % (page, old, new))
            else:
                print("FAIL: %s: %r -> %r; expected %r in %r" %
                      (page, old, new, expected, errors))
                failures += 1
        # code in the guide that is not the example's
        root = os.path.dirname(os.path.abspath(docs_dir))
        shutil.copytree(os.path.join(root, "tests", "examples"),
                        os.path.join(tmp, "tests", "examples"))
        guide = os.path.join(docs, "writing-elements.md")
        with open(guide) as f:
            original = f.read()
        if check_quotes.check(tmp)[0]:
            print("FAIL: the unchanged guide's quotes fail")
            failures += 1
        with open(guide, "w") as f:
            f.write(original.replace("row[x] = 255 - row[x];",
                                     "row[x] = 254 - row[x];", 1))
        if any("is not in tests/examples/invert.c" in e
               for e in check_quotes.check(tmp)[0]):
            print("ok: a changed line of quoted code is reported")
        else:
            print("FAIL: a changed line of quoted code is not reported")
            failures += 1
        with open(guide, "w") as f:
            f.write(original)
        # links: to a page or a heading that is not there
        for old, new, expected in [
                ("[common.md](common.md)", "[common.md](commons.md)",
                 "no such file"),
                ("[common.md](common.md)", "[common.md](common.md#nowhere)",
                 "no such heading")]:
            page = os.path.join(docs, "elements", "asyncwrap.md")
            with open(page) as f:
                original = f.read()
            with open(os.path.join(tmp, "README.md"), "w") as f:
                f.write("[manual](docs/index.md)\n")
            if check_links.check(tmp):
                print("FAIL: the unchanged links fail:", check_links.check(tmp))
                failures += 1
            with open(page, "w") as f:
                f.write(original.replace(old, new, 1))
            if any(expected in e for e in check_links.check(tmp)):
                print("ok: a link with %s is reported" % expected)
            else:
                print("FAIL: a link with %s is not reported" % expected)
                failures += 1
            with open(page, "w") as f:
                f.write(original)
        # an element without a page
        page = os.path.join(docs, "elements", "asyncidentity.md")
        os.rename(page, page + ".away")
        if any("`asyncidentity` has no page" in e
               for e in errors_for(build_root, docs)):
            print("ok: a missing page is reported")
        else:
            print("FAIL: a missing page is not reported")
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
