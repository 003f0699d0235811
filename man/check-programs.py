#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# check-programs.py BUILD-DIR: every program `meson install` installs (into
# bindir, sbindir or libexecdir) installs a section-1 (or 8) man page of its
# name. It reads the install plan meson wrote for this build
# (meson-info/intro-installed.json), so a new program without a page fails.
# Exit 0 pass, 1 fail.
import json
import os
import sys


def main():
    build = sys.argv[1]
    with open(os.path.join(build, "meson-info", "intro-installed.json"), encoding="utf-8") as f:
        installed = list(json.load(f).values())
    with open(os.path.join(build, "meson-info", "intro-buildoptions.json"), encoding="utf-8") as f:
        opts = {o["name"]: o["value"] for o in json.load(f)}
    prefix = opts["prefix"]
    prog_dirs = {os.path.join(prefix, opts[d]) for d in ("bindir", "sbindir", "libexecdir")}
    man_dir = os.path.join(prefix, opts["mandir"])
    programs = sorted(p for p in installed if os.path.dirname(p) in prog_dirs)
    bad = []
    for p in programs:
        name = os.path.basename(p)
        pages = [os.path.join(man_dir, "man%s" % s, "%s.%s" % (name, s)) for s in ("1", "8")]
        if not any(page in installed for page in pages):
            bad.append("%s is installed without a man page (%s)" % (p, pages[0]))
    for b in bad:
        print("FAIL: " + b)
    if not programs:
        print("FAIL: no installed programs found in the install plan")
        return 1
    if bad:
        return 1
    print("OK: %d programs, each with a man page: %s"
          % (len(programs), ", ".join(os.path.basename(p) for p in programs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
