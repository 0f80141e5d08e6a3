#!/usr/bin/python3
"""Checks the links between the manual's pages and from the README.

Every relative link `[text](path)` or `[text](path#anchor)` in README.md
and docs/**/*.md must name a file of the tree, and an anchor a heading of
that page (GitHub's rule: lower case, punctuation dropped, spaces become
hyphens). Every page of docs/ must be reachable from docs/index.md.

  check_links.py SOURCE_ROOT
"""

import os
import re
import sys

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*$")


def slug(heading):
    text = heading.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    with open(path) as f:
        text = f.read()
    # headings inside code blocks are not headings
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return {slug(m.group(1)) for m in map(HEADING.match, text.splitlines())
            if m}


def links(path):
    with open(path) as f:
        text = f.read()
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    text = re.sub(r"`[^`\n]*`", "", text)
    for m in LINK.finditer(text):
        target = m.group(1)
        if re.match(r"^[a-z]+:", target):
            continue        # http:, mailto:
        yield target


def pages(root):
    found = [os.path.join(root, "README.md")]
    for dirpath, _, files in os.walk(os.path.join(root, "docs")):
        found += [os.path.join(dirpath, f) for f in sorted(files)
                  if f.endswith(".md")]
    return found


def check(root):
    errors = []
    graph = {}
    for page in pages(root):
        rel = os.path.relpath(page, root)
        graph[page] = set()
        for target in links(page):
            path, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(page), path)) \
                if path else page
            if not os.path.exists(dest):
                errors.append("%s: link to %s: no such file" % (rel, target))
                continue
            if anchor and dest.endswith(".md") and anchor not in anchors(dest):
                errors.append("%s: link to %s: no such heading" % (rel, target))
            graph[page].add(dest)
    # every page of the manual is reachable from its front page
    index = os.path.join(root, "docs", "index.md")
    seen, todo = set(), [index]
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.add(page)
        todo += [d for d in graph.get(page, ()) if d.endswith(".md")]
    for page in graph:
        if os.sep + "docs" + os.sep in page and page not in seen:
            errors.append("%s: not reachable from docs/index.md" %
                          os.path.relpath(page, root))
    return errors


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    errors = check(os.path.abspath(argv[1]))
    for e in errors:
        print("error:", e)
    if not errors:
        print("every link of the manual and the README leads somewhere")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
