#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""include_graph.py SRC BUILD - suite 'structure': kmod-mock's private
headers stay private.

1. Every #include in a C file or header outside kmod-mock/ that resolves to a
   file under kmod-mock/ must be one of EXPORTED: the core's entry points
   (core.h), the wire protocol (transport/proto.h, for the tests that play a
   hostile client and for the transport benchmark) and the functions the shim
   exports (transport/shim/iommufd-mock.h).
2. No meson.build outside kmod-mock/ names a kmod-mock folder in
   include_directories().
3. In BUILD's compile_commands.json, no file outside kmod-mock/ is compiled
   with a -I into kmod-mock/ other than the folders of EXPORTED (so
   mock_core_dep and friends export nothing else).
Prints one line per violation and a summary; exit status 1 if any.
"""
import json
import os
import re
import subprocess
import sys

EXPORTED = {'kmod-mock/core.h', 'kmod-mock/transport/proto.h',
            'kmod-mock/transport/shim/iommufd-mock.h'}
ALLOWED_DIRS = {os.path.dirname(h) for h in EXPORTED}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)


def tracked(src):
    out = subprocess.run(['git', '-C', src, 'ls-files'], capture_output=True, text=True)
    if out.returncode == 0 and out.stdout:
        return out.stdout.split('\n')
    files = []  # not a git checkout (a release tarball): walk the tree
    for top, dirs, names in os.walk(src):
        dirs[:] = [d for d in dirs if not d.startswith('.')]
        files += [os.path.relpath(os.path.join(top, n), src) for n in names]
    return files


def main():
    src, build = sys.argv[1], sys.argv[2]
    files = [f for f in tracked(src) if f]
    mock = [f for f in files if f.startswith('kmod-mock/')]
    bad = []

    # 1. the include graph
    for f in files:
        if f.startswith('kmod-mock/') or not f.endswith(('.c', '.h')):
            continue
        with open(os.path.join(src, f), errors='replace') as fh:
            text = fh.read()
        for inc in INCLUDE.findall(text):
            if os.path.exists(os.path.join(src, os.path.dirname(f), inc)):
                continue  # a file beside the includer
            hits = [m for m in mock if m == 'kmod-mock/' + inc or m.endswith('/' + inc)]
            for h in hits:
                if h not in EXPORTED:
                    bad.append('%s includes %s (%s), a private kmod-mock header' % (f, inc, h))

    # 2. meson files outside kmod-mock
    for f in files:
        if f.startswith('kmod-mock/') or os.path.basename(f) != 'meson.build':
            continue
        with open(os.path.join(src, f)) as fh:
            for n, line in enumerate(fh, 1):
                if 'include_directories(' in line and 'kmod-mock' in line:
                    bad.append('%s:%d: include_directories of kmod-mock: %s' % (f, n, line.strip()))

    # 3. what the build really passes
    srcabs = os.path.realpath(src)
    mockabs = os.path.join(srcabs, 'kmod-mock')
    allowed = {os.path.join(srcabs, d) for d in ALLOWED_DIRS}
    with open(os.path.join(build, 'compile_commands.json')) as fh:
        commands = json.load(fh)
    seen = set()
    for c in commands:
        path = os.path.realpath(os.path.join(c['directory'], c['file']))
        if path.startswith(mockabs + os.sep) or not path.startswith(srcabs + os.sep):
            continue
        args = c.get('arguments') or c['command'].split()
        for i, a in enumerate(args):
            d = None
            if a == '-I' and i + 1 < len(args):
                d = args[i + 1]
            elif a.startswith('-I'):
                d = a[2:]
            if d is None:
                continue
            d = os.path.realpath(os.path.join(c['directory'], d))
            if (d == mockabs or d.startswith(mockabs + os.sep)) and d not in allowed:
                key = (os.path.relpath(path, srcabs), os.path.relpath(d, srcabs))
                if key not in seen:
                    seen.add(key)
                    bad.append('%s is compiled with -I %s' % key)
    if not commands:
        bad.append('%s/compile_commands.json lists no compilation' % build)

    for b in bad:
        print('FAIL: ' + b)
    print('include-graph: %d violation(s), %d files, %d compilations checked'
          % (len(bad), len(files), len(commands)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
