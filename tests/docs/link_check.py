#!/usr/bin/python3
"""Link check of README.md, docs/ and deploy/: every Markdown link points inside the repository
at a file that exists (and, with #anchor, at a heading of that file); nothing links outside the
repository (no http(s) links, no paths above its root), so the docs stand on their own, in a
clone and where the package installs them. Usage: link_check.py SOURCE_DIR"""
import os
import re
import sys

LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def slug(heading):
    # GitHub's anchors: lower case, punctuation dropped, spaces to dashes.
    s = heading.strip().lower()
    s = re.sub(r"[`*_]", "", s)
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path):
    found = set()
    in_fence = False
    for line in open(path, encoding="utf-8"):
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and line.startswith("#"):
            found.add(slug(line.lstrip("#")))
    return found


def links(path):
    in_fence = False
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        line = re.sub(r"`[^`]*`", "", line)  # code spans are not links
        for m in LINK.finditer(line):
            yield number, m.group(2)


def main(root):
    root = os.path.realpath(root)
    files = [os.path.join(root, "README.md")]
    for folder in ("docs", "deploy"):
        for base, _, names in os.walk(os.path.join(root, folder)):
            files += [os.path.join(base, n) for n in sorted(names) if n.endswith(".md")]
    problems = 0
    checked = 0
    for path in files:
        rel = os.path.relpath(path, root)
        for number, target in links(path):
            checked += 1
            where = f"{rel}:{number}: {target}"
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                print(f"FAIL {where}: links outside the repository")
                problems += 1
                continue
            file_part, _, anchor = target.partition("#")
            dest = os.path.realpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
            if not (dest == root or dest.startswith(root + os.sep)):
                print(f"FAIL {where}: points outside the repository")
                problems += 1
            elif not os.path.exists(dest):
                print(f"FAIL {where}: no such file")
                problems += 1
            elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                print(f"FAIL {where}: no heading #{anchor} in {os.path.relpath(dest, root)}")
                problems += 1
    print(f"{len(files)} files, {checked} links, {problems} broken")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
