#!/usr/bin/python3
"""Checks that code the manual quotes is the code in the tree.

A fenced code block right after a line `<!-- quote: PATH -->` in any
docs/*.md page must appear in the file PATH (relative to the source
root), line for line and in one piece. So the guide cannot show code the
example no longer has. Also fails if a page quotes nothing it says it
does, or names a file that does not exist.

  check_quotes.py SOURCE_ROOT
"""

import os
import re
import sys

MARK = re.compile(r"^<!-- quote: (\S+) -->$")


def quotes(text):
    """Yields (line number, path, block lines) of every marked block."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = MARK.match(line)
        if not m:
            continue
        if i + 1 >= len(lines) or not lines[i + 1].startswith("```"):
            yield i + 1, m.group(1), None
            continue
        end = i + 2
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        yield i + 1, m.group(1), lines[i + 2:end]


def contains(haystack, block):
    n = len(block)
    return n > 0 and any(haystack[k:k + n] == block
                         for k in range(len(haystack) - n + 1))


def check(root):
    errors, checked = [], 0
    docs = os.path.join(root, "docs")
    for dirpath, _, files in os.walk(docs):
        for name in sorted(files):
            if not name.endswith(".md"):
                continue
            page = os.path.relpath(os.path.join(dirpath, name), root)
            with open(os.path.join(dirpath, name)) as f:
                text = f.read()
            for line, path, block in quotes(text):
                where = "%s:%d" % (page, line)
                if block is None:
                    errors.append("%s: no code block after the quote mark" % where)
                    continue
                try:
                    with open(os.path.join(root, path)) as f:
                        source = f.read().splitlines()
                except OSError as e:
                    errors.append("%s: %s" % (where, e))
                    continue
                if not contains(source, block):
                    errors.append("%s: the block (%d lines, from %r) is not in %s"
                                  % (where, len(block),
                                     block[0] if block else "", path))
                checked += 1
    return errors, checked


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    errors, checked = check(argv[1])
    for e in errors:
        print("error:", e)
    if not checked:
        print("error: no quoted code found")
        return 1
    if not errors:
        print("%d quoted blocks match their files" % checked)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
