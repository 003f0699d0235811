#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# check-tutorial.py --page doc/tutorial.md --src DIR [--update]
#
# The code on the tutorial page is the code the test suite builds and runs.
# A program in DIR marks a snippet with two lines
#     /* tutorial: begin NAME */   ...   /* tutorial: end NAME */
# and the page shows it as a fenced C block right after the line
#     <!-- snippet: FILE NAME -->
# The text of the block is the snippet with the indentation its lines share
# removed. The check fails when a block differs from its snippet, names a
# snippet that does not exist, or a snippet is not on the page (code that
# runs but is not shown). --update rewrites the page's blocks from the code.
# Exit 0 pass, 1 fail.
import argparse
import os
import re
import sys

BEGIN = re.compile(r"^\s*/\* tutorial: begin (\S+) \*/\s*$")
END = re.compile(r"^\s*/\* tutorial: end (\S+) \*/\s*$")
MARK = re.compile(r"^<!-- snippet: (\S+) (\S+) -->$")


def dedent(lines):
    """Removes the leading tabs every non-empty line has."""
    body = [l for l in lines if l.strip()]
    common = min((len(l) - len(l.lstrip("\t")) for l in body), default=0)
    return [l[common:] if l.strip() else "" for l in lines]


def snippets(src_dir, errors):
    """(file, name) -> the snippet's lines, for every program in src_dir."""
    found = {}
    for fname in sorted(os.listdir(src_dir)):
        if not fname.endswith(".c"):
            continue
        open_name, start = None, 0
        with open(os.path.join(src_dir, fname), encoding="utf-8") as f:
            lines = f.read().split("\n")
        for i, line in enumerate(lines):
            b, e = BEGIN.match(line), END.match(line)
            if b:
                if open_name:
                    errors.append("%s:%d: snippet %s begins inside %s"
                                  % (fname, i + 1, b.group(1), open_name))
                open_name, start = b.group(1), i + 1
            elif e:
                if e.group(1) != open_name:
                    errors.append("%s:%d: end of %s, which is not open"
                                  % (fname, i + 1, e.group(1)))
                elif (fname, open_name) in found:
                    errors.append("%s:%d: snippet %s defined twice" % (fname, i + 1, open_name))
                else:
                    found[(fname, open_name)] = dedent(lines[start:i])
                open_name = None
        if open_name:
            errors.append("%s: snippet %s never ends" % (fname, open_name))
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--page", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--update", action="store_true")
    a = ap.parse_args()
    errors = []
    code = snippets(a.src, errors)
    with open(a.page, encoding="utf-8") as f:
        page = f.read().split("\n")

    out, shown, i = [], set(), 0
    while i < len(page):
        line = page[i]
        out.append(line)
        m = MARK.match(line)
        i += 1
        if not m:
            continue
        key = (m.group(1), m.group(2))
        where = "%s:%d" % (os.path.basename(a.page), i)
        if i >= len(page) or page[i] != "```c":
            errors.append("%s: %s %s is not followed by a ```c block" % (where, *key))
            continue
        end = i + 1
        while end < len(page) and page[end] != "```":
            end += 1
        if end == len(page):
            errors.append("%s: the block of %s %s never ends" % (where, *key))
            break
        block = page[i + 1:end]
        if key not in code:
            errors.append("%s: no snippet %s in %s" % (where, key[1], key[0]))
            out.extend(page[i:end + 1])
        else:
            shown.add(key)
            if block != code[key] and not a.update:
                errors.append("%s: the page's %s %s differs from the code" % (where, *key))
            out.extend(["```c"] + code[key] + ["```"])
        i = end + 1

    for key in sorted(set(code) - shown):
        errors.append("%s %s is run by the tests but not shown on the page" % key)
    if a.update:
        with open(a.page, "w", encoding="utf-8") as f:
            f.write("\n".join(out))
    for e in errors:
        print("FAIL: " + e)
    if errors:
        return 1
    print("OK: %d snippets of %s shown exactly on %s"
          % (len(code), a.src, os.path.basename(a.page)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
