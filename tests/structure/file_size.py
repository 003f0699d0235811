#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""file_size.py SRC - suite 'structure': no source file grows past LIMIT
lines unless its kernel counterpart is larger (issue 14).

Every .c and .h under kmod-mock/ and lib/ with more than LIMIT lines must be
listed in file_size_allow.txt with the path and line count of its kernel
counterpart, and must not be longer than that counterpart. An entry whose
counterpart is '-' is a temporary exception and says why in its reason. An
entry for a file that is LIMIT lines or shorter is stale and fails too, so
the list only ever holds what is still needed.
Prints one line per violation and a summary; exit status 1 if any.
"""
import os
import subprocess
import sys

LIMIT = 800
DIRS = ('kmod-mock/', 'lib/')
ALLOW = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'file_size_allow.txt')


def tracked(src):
    out = subprocess.run(['git', '-C', src, 'ls-files'], capture_output=True, text=True)
    if out.returncode == 0 and out.stdout:
        return [f for f in out.stdout.split('\n') if f]
    files = []  # not a git checkout (a release tarball): walk the tree
    for top, dirs, names in os.walk(src):
        dirs[:] = [d for d in dirs if not d.startswith('.')]
        files += [os.path.relpath(os.path.join(top, n), src) for n in names]
    return files


def read_allow(path, bad):
    """path -> (kernel path or None, kernel lines or None, reason)"""
    allow = {}
    with open(path) as fh:
        for n, line in enumerate(fh, 1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            parts = line.split(None, 3)
            if len(parts) < 3:
                bad.append('%s:%d: want "path kernel-path kernel-lines [reason]"' % (path, n))
                continue
            name, kpath, klines = parts[:3]
            reason = parts[3] if len(parts) > 3 else ''
            if kpath == '-' or klines == '-':
                if not reason:
                    bad.append('%s:%d: %s: an exception without a counterpart needs a reason'
                               % (path, n, name))
                allow[name] = (None, None, reason)
            elif not klines.isdigit():
                bad.append('%s:%d: %s: kernel lines %r is not a number' % (path, n, name, klines))
            else:
                allow[name] = (kpath, int(klines), reason)
    return allow


def main():
    src = sys.argv[1]
    allow_path = sys.argv[2] if len(sys.argv) > 2 else ALLOW
    bad = []
    allow = read_allow(allow_path, bad)
    files = [f for f in tracked(src) if f.startswith(DIRS) and f.endswith(('.c', '.h'))]
    sizes = {}
    for f in files:
        with open(os.path.join(src, f), 'rb') as fh:
            sizes[f] = fh.read().count(b'\n')

    for f in sorted(files):
        n = sizes[f]
        if n <= LIMIT:
            continue
        if f not in allow:
            bad.append('%s: %d lines (over %d): split it, or list its larger kernel '
                       'counterpart in %s' % (f, n, LIMIT, os.path.basename(allow_path)))
            continue
        kpath, klines, reason = allow[f]
        if kpath is None:
            print('note: %s: %d lines, allowed for now: %s' % (f, n, reason))
        elif n > klines:
            bad.append('%s: %d lines, longer than its kernel counterpart %s (%d)'
                       % (f, n, kpath, klines))
    for f in sorted(allow):
        if f not in sizes:
            bad.append('%s: listed in %s but not a tracked .c/.h under %s'
                       % (f, os.path.basename(allow_path), ' '.join(DIRS)))
        elif sizes[f] <= LIMIT:
            bad.append('%s: listed but only %d lines now: remove the stale entry'
                       % (f, sizes[f]))

    for b in bad:
        print('FAIL: ' + b)
    print('file-size: %d violation(s), %d files checked, %d allowed over %d lines'
          % (len(bad), len(files), len(allow), LIMIT))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
