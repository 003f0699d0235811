#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Prove libiommufd's uAPI headers ABI-equal to a Linux kernel's.

uapi_check.py --series 7.3|6.12 --source-root DIR [--cc "CC ..."] [--cache DIR]
             [--tree DIR] [--keep]

The kernel's include/uapi/linux/{iommufd,vfio}.h and
drivers/iommu/iommufd/iommufd_test.h (from scripts/linux-source.sh SERIES) are
parsed for struct/union layouts, enum constants and object-like #defines. Two C
programs print the same table of facts (sizes, alignments, field offsets,
field sizes, field signedness, constant values and types): one is built
against the kernel headers, one against uapi/iommufd-uapi.h and
uapi/iommufd_test.h. The tables must be equal.

Coverage rules:
  iommufd.h       everything the kernel defines must exist in ours;
  vfio.h          only what ours carries (ours is a subset), each fully;
  iommufd_test.h  everything; for 6.12, a few renamed or historically
                  different facts are listed in EXPECTED_612 and reported.
For 7.3, a name ours defines that the kernel does not is a failure too.

The library's driver data headers (include/iommufd/{intel_vtd,arm_smmuv3,
amd_iommu,tegra241_cmdqv,vfio_pci,selftest}.h) use their own names: each of
their structs and constants is compared with the kernel definition
driver_map.py names, from the uAPI headers or from the driver sources
(drivers/iommu/{intel,amd,arm/arm-smmu-v3}, extracted from the same Debian
source package into CACHE/drv-SERIES once). Every name of those headers must
be mapped; a kernel name missing from 7.3 is a failure, from 6.12 a note.

Exit status: 0 all equal, 1 mismatch, 77 kernel sources unavailable (not in CI).
"""

import argparse
import fcntl
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import driver_map  # noqa: E402

# Macros that are not ABI facts: include guards are detected as empty
# object-like defines; these are listed explicitly.
NOT_ABI = {
    '_UAPI_IOMMUFD_H': 'include guard',
    '_UAPIVFIO_H': 'include guard',
    '_UAPI_IOMMUFD_TEST_H': 'include guard',
    'LIBIOMMUFD_UAPI_H': 'include guard',
    'LIBIOMMUFD_IOMMUFD_TEST_H': 'include guard',
}

# Names ours defines on purpose although the kernel of that series does not.
OURS_ONLY = {
    'MOCK_FLAGS_DEVICE_HUGE_IOVA_612': '6.12 mock device flag, kept under a distinct name',
}

# Kernel name -> our name, per series (same meaning, different spelling).
RENAMED = {
    '6.12': {'MOCK_FLAGS_DEVICE_HUGE_IOVA': 'MOCK_FLAGS_DEVICE_HUGE_IOVA_612'},
    '7.3': {},
}

# Known historical differences: fact key -> reason. Each must actually differ
# (a listed fact that turns out equal is reported as a stale entry = failure).
EXPECTED = {
    '6.12': {
        'size(struct iommu_hwpt_selftest)':
            '6.12 payload had only iotlb (4 bytes); 7.3 added pagetable_type (8 bytes)',
        'size(struct vfio_device_bind_iommufd)':
            'argsz-extensible: 7.3 appended __aligned_u64 token_uuid_ptr (16 -> 24 bytes)',
        'align(struct vfio_device_bind_iommufd)':
            'the appended __aligned_u64 token_uuid_ptr raised the alignment 4 -> 8',
        'size(struct vfio_device_attach_iommufd_pt)':
            'argsz-extensible: 7.3 appended __u32 pasid (12 -> 16 bytes)',
        'size(struct vfio_device_detach_iommufd_pt)':
            'argsz-extensible: 7.3 appended __u32 pasid (8 -> 12 bytes)',
        # driver data headers (tests/uapi/driver_map.py)
        'size(struct iommufd_selftest_hwpt_data)':
            'struct iommu_hwpt_selftest: 6.12 had only iotlb (4 bytes), 7.3 added pagetable_type',
        'value(IOMMUFD_SMMUV3_TLBI0_SCALE)':
            'CMDQ_TLBI_0_SCALE: 6.12 bits 24:20, 7.3 bits 25:20 (the top bit is for SMMU_IDR5.DS)',
    },
    '7.3': {},
}

SCALAR_TYPES = {
    '__u8', '__u16', '__u32', '__u64', '__s8', '__s16', '__s32', '__s64',
    '__le16', '__le32', '__le64', '__be16', '__be32', '__be64',
    '__aligned_u64', '__aligned_s64', '__aligned_le64', '__aligned_be64',
}


class Header:
    """Definitions found in one header: defines, enum constants, structs."""

    def __init__(self, path):
        self.path = path
        self.defines = {}      # name -> value text (object-like)
        self.funcmacros = []   # function-like macro names (not ABI)
        self.guards = []       # empty object-like defines
        self.enums = []        # enum constant names, in order
        self.structs = {}      # 'struct x' / 'union x' -> list of Field
        self._parse(open(path, encoding='utf-8').read())

    def names(self):
        return set(self.defines) | set(self.enums) | set(self.structs)

    def _parse(self, text):
        text = re.sub(r'\\\n', ' ', text)
        text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
        text = re.sub(r'//[^\n]*', ' ', text)
        body = []
        for line in text.split('\n'):
            s = line.strip()
            if s.startswith('#'):
                m = re.match(r'#\s*define\s+(\w+)(\()?\s*(.*)$', s)
                if m:
                    name, paren, val = m.group(1), m.group(2), m.group(3).strip()
                    if paren:
                        self.funcmacros.append(name)
                    elif val == '':
                        self.guards.append(name)
                    else:
                        self.defines[name] = val
                continue
            body.append(line)
        self._parse_decls('\n'.join(body))

    def _parse_decls(self, text):
        pos = 0
        pat = re.compile(r'\b(struct|union|enum)\s*(\w*)\s*\{')
        while True:
            m = pat.search(text, pos)
            if not m:
                break
            end = _match_brace(text, m.end() - 1)
            inner = text[m.end():end]
            kind, tag = m.group(1), m.group(2)
            if kind == 'enum':
                self.enums.extend(_enum_names(inner))
            elif tag:
                self.structs['%s %s' % (kind, tag)] = _parse_fields(inner, '')
            pos = end + 1


class Field:
    def __init__(self, path, flexible, scalar):
        self.path = path
        self.flexible = flexible
        self.scalar = scalar


def _match_brace(text, start):
    depth = 0
    for i in range(start, len(text)):
        if text[i] == '{':
            depth += 1
        elif text[i] == '}':
            depth -= 1
            if depth == 0:
                return i
    raise ValueError('unbalanced braces')


def _split_top(text, sep):
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in '{([':
            depth += 1
        elif ch in '})]':
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(''.join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append(''.join(cur))
    return parts


def _parse_fields(body, prefix):
    fields = []
    for decl in _split_top(body, ';'):
        decl = ' '.join(decl.split())
        if not decl:
            continue
        if '{' in decl:
            open_i = decl.index('{')
            close_i = _match_brace(decl, open_i)
            inner = decl[open_i + 1:close_i]
            name = decl[close_i + 1:].strip()
            if name:
                fields.append(Field(prefix + name, False, False))
                fields.extend(_parse_fields(inner, prefix + name + '.'))
            else:
                fields.extend(_parse_fields(inner, prefix))
            continue
        decl = re.sub(r'__counted_by\s*\([^)]*\)', '', decl)
        decl = re.sub(r'__attribute__\s*\(\(.*\)\)', '', decl)
        first = decl.split(',')[0]
        tm = re.match(r'^((?:struct|union|enum)\s+\w+|\w+)', first.strip())
        base = tm.group(1) if tm else ''
        for i, d in enumerate(decl.split(',')):
            d = d.strip()
            if i == 0:
                d = d[len(base):].strip() if d.startswith(base) else d
            d = d.replace('__user', ' ').strip()
            m = re.match(r'^(\**)\s*(\w+)\s*(\[[^\]]*\])?\s*$', d)
            if not m:
                raise ValueError('cannot parse member %r' % decl)
            ptr, name, arr = m.group(1), m.group(2), m.group(3)
            flexible = arr is not None and arr.replace(' ', '') == '[]'
            scalar = not ptr and arr is None and base in SCALAR_TYPES
            fields.append(Field(prefix + name, flexible, scalar))
    return fields


def _enum_names(inner):
    names = []
    for item in _split_top(inner, ','):
        item = item.strip()
        if item:
            names.append(re.match(r'(\w+)', item).group(1))
    return names


def struct_facts(sname, fields):
    """(key, C expression) pairs for one struct: size, alignment, per-field layout."""
    t = sname
    facts = [('size(%s)' % t, 'sizeof(%s)' % t), ('align(%s)' % t, '_Alignof(%s)' % t)]
    for f in fields:
        k = '%s.%s' % (t, f.path)
        facts.append(('offset(%s)' % k, 'offsetof(%s, %s)' % (t, f.path)))
        if not f.flexible:
            facts.append(('fsize(%s)' % k, 'sizeof(((%s *)0)->%s)' % (t, f.path)))
        if f.scalar:
            facts.append(('sign(%s)' % k,
                          '((__typeof__(((%s *)0)->%s))-1 < 0)' % (t, f.path)))
    return facts


def const_facts(name, value_text, ours_name):
    """Facts of one constant (define or enum constant): value and type."""
    if value_text is not None and value_text.lstrip().startswith('"'):
        return [('string(%s)' % name, ours_name, 's')]
    return [
        ('value(%s)' % name, ours_name, 'v'),
        ('type(%s)' % name, ours_name, 't'),
    ]


C_PROLOGUE = r'''/* generated by uapi_check.py */
#include <stddef.h>
#include <stdio.h>
%s
#define U(k, e) printf("%%s\t%%llu\n", k, (unsigned long long)(e));
#define V(k, e) printf("%%s\t%%lld\n", k, (long long)(e));
#define T(k, e) printf("%%s\t%%c%%zu\n", k, (((e) * 0) - 1) < 0 ? 's' : 'u', sizeof(e));
#define S(k, e) printf("%%s\t%%s\n", k, e);
int main(void)
{
'''


def emit_program(path, includes, entries, prelude=''):
    with open(path, 'w', encoding='utf-8') as out:
        out.write(C_PROLOGUE % ('\n'.join('#include "%s"' % i for i in includes) + '\n' + prelude))
        for key, expr, kind in entries:
            macro = {'u': 'U', 'v': 'V', 't': 'T', 's': 'S'}[kind]
            out.write('\t%s("%s", %s)\n' % (macro, key.replace('"', '\\"'), expr))
        out.write('\treturn 0;\n}\n')


def run_program(cc, src, exe, incs, defs):
    cmd = cc + ['-std=gnu11', '-w', '-o', exe, src] + ['-I' + i for i in incs] + defs
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.stdout.write(r.stdout)
        raise RuntimeError('compile failed: %s' % ' '.join(shlex.quote(c) for c in cmd))
    r = subprocess.run([exe], stdout=subprocess.PIPE, text=True, check=True)
    table = {}
    for line in r.stdout.splitlines():
        k, v = line.split('\t', 1)
        table[k] = v
    return table


class DriverSource:
    """Object-like and function-like #defines and enum constants of a driver file."""

    def __init__(self, path):
        text = open(path, encoding='utf-8', errors='replace').read()
        text = re.sub(r'\\\n', ' ', text)
        text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
        text = re.sub(r'//[^\n]*', ' ', text)
        self.defs = {}   # name -> '#define ...' line to emit
        body = []
        for line in text.split('\n'):
            m = re.match(r'\s*#\s*define\s+(\w+)(\([^)]*\))?\s*(.*)$', line)
            if m:
                name, params, val = m.group(1), m.group(2) or '', m.group(3).strip()
                if val:
                    self.defs.setdefault(name, '#define %s%s %s' % (name, params, val))
                continue
            if not line.lstrip().startswith('#'):
                body.append(line)
        body = '\n'.join(body)
        for m in re.finditer(r'\benum\s*\w*\s*\{', body):
            inner = body[m.end():_match_brace(body, m.end() - 1)]
            prev = None
            for item in _split_top(inner, ','):
                item = item.strip()
                em = re.match(r'(\w+)\s*(?:=\s*(.*))?$', item, re.S)
                if not em:
                    continue
                name, val = em.group(1), em.group(2)
                if val is None:
                    val = '0' if prev is None else '(%s + 1)' % prev
                self.defs.setdefault(name, '#define %s (%s)' % (name, ' '.join(val.split())))
                prev = name

    def emit(self, expr, done, out):
        """Appends to @out the definitions @expr needs, dependencies first."""
        for ident in re.findall(r'\b[A-Za-z_]\w*\b', expr):
            if ident in done or ident not in self.defs:
                continue
            done.add(ident)
            line = self.defs[ident]
            self.emit(line.split(None, 2)[2] if len(line.split(None, 2)) > 2 else '', done, out)
            out.append(line)


def driver_tree(args, series, tree):
    """A directory holding driver_map.FILES of SERIES (extracted once into CACHE/drv-SERIES)."""
    if all(os.path.isfile(os.path.join(tree, f)) for f in driver_map.FILES.values()):
        return tree
    script = os.path.join(args.source_root, 'scripts', 'linux-source.sh')
    cmd = ['bash', script, '--tarball', series] + ([args.cache] if args.cache else [])
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tarball = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ''
    if r.returncode != 0 or not os.path.isfile(tarball):
        raise RuntimeError('no linux-source-%s tarball for the driver sources' % series)
    # CACHE/deb-SERIES/usr/src/linux-source-SERIES.tar.xz
    cache = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(tarball))))
    dest = os.path.join(cache, 'drv-%s' % series)
    st = os.stat(tarball)
    want = '%s %d %d %s' % (os.path.basename(tarball), st.st_size, int(st.st_mtime),
                            ' '.join(sorted(driver_map.FILES.values())))
    stamp = os.path.join(dest, '.extracted')
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(cache, '.lock-drv-%s' % series), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.isfile(stamp) and open(stamp).read() == want:
            return os.path.join(dest, 'tree')
        top = subprocess.run('tar -tf "%s" | head -1' % tarball, shell=True,
                             stdout=subprocess.PIPE, text=True).stdout.strip().split('/')[0]
        tmp = tempfile.mkdtemp(prefix='drv-%s-' % series, dir=cache)
        sys.stderr.write('uapi-%s: extracting the driver sources from %s\n' % (series, tarball))
        subprocess.run(['tar', '-xf', tarball, '-C', tmp] +
                       ['%s/%s' % (top, f) for f in driver_map.FILES.values()], check=True)
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(dest)
        os.rename(os.path.join(tmp, top), os.path.join(dest, 'tree'))
        shutil.rmtree(tmp, ignore_errors=True)
        with open(stamp, 'w') as f:
            f.write(want)
    return os.path.join(dest, 'tree')


def driver_facts(series, dtree, root, kh):
    """Facts of the driver data headers: (entries, kernel prelude, failures, notes).

    entries: (key, kernel expr, ours expr, kind) as the uAPI facts."""
    failures, notes, entries = [], [], []
    newer = []
    ours = {h: Header(os.path.join(root, 'include', 'iommufd', h)) for h in driver_map.HEADERS}
    srcs = {k: DriverSource(os.path.join(dtree, f)) for k, f in driver_map.FILES.items()}
    kuapi = {}
    for h in kh.values():
        kuapi.update({n: h for n in h.names()})
        kuapi.update({n: h for n in h.funcmacros})

    # coverage: every name of ours is mapped
    for hname, h in ours.items():
        for n in list(h.defines) + h.enums:
            if n not in driver_map.CONSTS and n not in driver_map.NOT_ABI:
                failures.append('UNMAPPED %s: %s (add it to tests/uapi/driver_map.py)' % (hname, n))
        for n in h.funcmacros:
            if n not in driver_map.CALLS and n not in driver_map.NOT_ABI:
                failures.append('UNMAPPED %s: macro %s()' % (hname, n))
        for n in h.guards:
            if n not in driver_map.NOT_ABI:
                failures.append('UNMAPPED %s: empty #define %s' % (hname, n))
        for sn in h.structs:
            if sn not in driver_map.STRUCTS:
                failures.append('UNMAPPED %s: %s' % (hname, sn))
    all_ours = set()
    for h in ours.values():
        all_ours |= h.names() | set(h.funcmacros) | set(h.guards)
    for n in list(driver_map.CONSTS) + list(driver_map.CALLS) + list(driver_map.STRUCTS):
        if n not in all_ours:
            failures.append('STALE driver_map.py entry %s: no header of ours defines it' % n)

    def missing(what):
        if series == '7.3':
            failures.append('MISSING in %s: %s' % (series, what))
        else:
            newer.append(what)

    prelude, done = [driver_map.KERNEL_COMPAT], set()
    probes = []
    for oname, src in sorted(driver_map.CONSTS.items()):
        if oname not in all_ours:
            continue
        if src[0] == 'uapi':
            idents = [i for i in re.findall(r'\b[A-Za-z_]\w*\b', src[1])
                      if i not in ('unsigned', 'long', 'int')]
            if not all(i in kuapi for i in idents):
                missing('%s (for %s)' % (src[1], oname))
                continue
            kexpr = src[1]
        elif src[0] == 'drv':
            ds = srcs[src[1]]
            idents = [i for i in re.findall(r'\b[A-Za-z_]\w*\b', src[2])]
            if not all(i in ds.defs for i in idents):
                missing('%s of %s (for %s)' % (src[2], driver_map.FILES[src[1]], oname))
                continue
            ds.emit(src[2], done, prelude)
            kexpr = '(%s)' % src[2]
        else:  # 'acc'
            ds, acc = srcs[src[1]], src[2]
            if acc not in ds.defs:
                missing('%s() of %s (for %s)' % (acc, driver_map.FILES[src[1]], oname))
                continue
            ds.emit(acc, done, prelude)
            probes.append(
                'static unsigned long long probe_%s(void)\n{\n'
                '\tunsigned long long m = 0, z = (unsigned long long)(%s(0ULL));\n'
                '\tfor (int i = 0; i < 64; i++)\n'
                '\t\tif ((unsigned long long)(%s(1ULL << i)) != z)\n'
                '\t\t\tm |= 1ULL << i;\n\treturn m;\n}\n' % (acc, acc, acc))
            kexpr = 'probe_%s()' % acc
        entries.append(('value(%s)' % oname, '(unsigned long long)(%s)' % kexpr,
                        '(unsigned long long)(%s)' % oname, 'u'))
    for oname, (fkey, kname, args) in sorted(driver_map.CALLS.items()):
        ds = srcs[fkey]
        if kname not in ds.defs:
            missing('%s() of %s (for %s)' % (kname, driver_map.FILES[fkey], oname))
            continue
        ds.emit(kname, done, prelude)
        for a in args:
            entries.append(('value(%s(%d))' % (oname, a), '(unsigned long long)(%s(%d))' % (kname, a),
                            '(unsigned long long)(%s(%d))' % (oname, a), 'u'))

    kstructs = {}
    for h in kh.values():
        kstructs.update(h.structs)
    ostructs = {}
    for h in ours.values():
        ostructs.update(h.structs)
    for oname, (kname, fmap) in sorted(driver_map.STRUCTS.items()):
        if oname not in ostructs:
            continue
        if kname not in kstructs:
            missing('%s (for %s)' % (kname, oname))
            continue
        kpaths = {f.path for f in kstructs[kname]}
        entries.append(('size(%s)' % oname, 'sizeof(%s)' % kname, 'sizeof(%s)' % oname, 'u'))
        entries.append(('align(%s)' % oname, '_Alignof(%s)' % kname, '_Alignof(%s)' % oname, 'u'))
        mapped = set()
        for f in ostructs[oname]:
            kp = fmap.get(f.path, f.path)
            # a renamed member renames the paths below it
            for o, k in fmap.items():
                if f.path.startswith(o + '.'):
                    kp = k + f.path[len(o):]
            if kp not in kpaths:
                missing('field %s.%s (for %s.%s)' % (kname, kp, oname, f.path))
                continue
            mapped.add(kp)
            key = '%s.%s' % (oname, f.path)
            entries.append(('offset(%s)' % key, 'offsetof(%s, %s)' % (kname, kp),
                            'offsetof(%s, %s)' % (oname, f.path), 'u'))
            if not f.flexible:
                entries.append(('fsize(%s)' % key, 'sizeof(((%s *)0)->%s)' % (kname, kp),
                                'sizeof(((%s *)0)->%s)' % (oname, f.path), 'u'))
        for kp in sorted(kpaths - mapped):
            failures.append('UNMAPPED field %s.%s (ours %s lacks it)' % (kname, kp, oname))
    if newer:
        notes.append('%d kernel names the driver headers map to are newer than %s: %s'
                     % (len(newer), series, '; '.join(newer)))
    return entries, '\n'.join(prelude + probes) + '\n', failures, notes


def get_tree(args):
    if args.tree:
        return args.tree
    script = os.path.join(args.source_root, 'scripts', 'linux-source.sh')
    cmd = ['bash', script, args.series] + ([args.cache] if args.cache else [])
    r = subprocess.run(cmd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    sys.stderr.write(r.stderr)
    tree = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ''
    if r.returncode != 0 or not os.path.isdir(tree):
        reason = 'linux-source.sh %s failed (exit %d): Debian kernel source unavailable' % (
            args.series, r.returncode)
        if os.environ.get('CI') == 'true':
            print('uapi-%s: FAIL: %s (CI=true, not skipping)' % (args.series, reason))
            sys.exit(1)
        print('uapi-%s: SKIP: %s' % (args.series, reason))
        sys.exit(77)
    return tree


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--series', required=True, choices=['7.3', '6.12'])
    ap.add_argument('--source-root', required=True)
    ap.add_argument('--cc', default=os.environ.get('CC', 'cc'))
    ap.add_argument('--tree', help='use this extracted kernel tree')
    ap.add_argument('--cache', default='', help='cache directory for linux-source.sh')
    ap.add_argument('--keep', action='store_true', help='keep the generated files')
    args = ap.parse_args()
    series = args.series
    cc = shlex.split(args.cc)
    root = os.path.abspath(args.source_root)
    tree = get_tree(args)

    k_iommufd = os.path.join(tree, 'include/uapi/linux/iommufd.h')
    k_vfio = os.path.join(tree, 'include/uapi/linux/vfio.h')
    k_test = os.path.join(tree, 'drivers/iommu/iommufd/iommufd_test.h')
    o_uapi = os.path.join(root, 'uapi/iommufd-uapi.h')
    o_test = os.path.join(root, 'uapi/iommufd_test.h')

    kh = {'iommufd.h': Header(k_iommufd), 'vfio.h': Header(k_vfio),
          'iommufd_test.h': Header(k_test)}
    ou, ot = Header(o_uapi), Header(o_test)
    rename = RENAMED[series]
    expected = EXPECTED[series]

    failures = []   # messages
    notes = []

    def ours_for(hname):
        return ot if hname == 'iommufd_test.h' else ou

    # Select what to compare and check presence.
    const_entries = []     # (kernel key, kernel expr, ours expr, kind)
    struct_entries = []    # (key, kernel expr, ours expr, kind)
    seen = set()
    for hname, h in kh.items():
        ours = ours_for(hname)
        ours_names = ours.names()
        subset = hname == 'vfio.h'
        for g in h.guards:
            if g not in NOT_ABI:
                failures.append('%s: empty #define %s not in the not-ABI list' % (hname, g))
        for fm in h.funcmacros:
            if not subset:
                notes.append('not-abi: %s %s (function-like helper macro)' % (hname, fm))
        consts = [(n, h.defines[n]) for n in h.defines] + [(n, None) for n in h.enums]
        for name, val in consts:
            if name in NOT_ABI or name in seen:
                continue
            seen.add(name)
            oname = rename.get(name, name)
            if oname not in ours_names:
                if not subset:
                    failures.append('MISSING %s: %s (ours lacks it)' % (hname, name))
                continue
            for key, _, kind in const_facts(name, val, oname):
                const_entries.append((key, name, oname, kind))
        for sname, fields in h.structs.items():
            if sname in seen:
                continue
            seen.add(sname)
            if sname not in ours.structs:
                if not subset:
                    failures.append('MISSING %s: %s (ours lacks it)' % (hname, sname))
                continue
            opaths = {f.path for f in ours.structs[sname]}
            kpaths = {f.path for f in fields}
            present = []
            for f in fields:
                if f.path in opaths:
                    present.append(f)
                else:
                    failures.append('MISSING %s: field %s.%s (ours lacks it)'
                                    % (hname, sname, f.path))
            for p in sorted(opaths - kpaths):
                msg = 'EXTRA field %s.%s (not in %s %s)' % (sname, p, series, hname)
                (failures if series == '7.3' else notes).append(msg)
            for key, expr in struct_facts(sname, present):
                struct_entries.append((key, expr, expr, 'u'))

    # Names ours defines that the kernel lacks.
    knames_uapi = kh['iommufd.h'].names() | kh['vfio.h'].names()
    knames_test = kh['iommufd_test.h'].names() | set(rename.values())
    newer = 0
    for ours, knames, label in ((ou, knames_uapi, 'iommufd-uapi.h'),
                                (ot, knames_test, 'iommufd_test.h')):
        for n in sorted(ours.names()):
            if n in knames or n in NOT_ABI:
                continue
            if n in OURS_ONLY:
                notes.append('ours-only %s: %s (%s)' % (label, n, OURS_ONLY[n]))
            elif series == '7.3':
                failures.append('EXTRA %s: %s is not defined by the %s kernel' % (label, n, series))
            else:
                newer += 1
    if newer:
        notes.append('%d names of ours are newer than %s (not compared)' % (newer, series))

    # The driver data headers, against the uAPI and the driver sources.
    try:
        dtree = driver_tree(args, series, tree)
    except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
        print('uapi-%s: ERROR: %s' % (series, e))
        print('uapi-%s: 0 passed, 1 failed' % series)
        return 1
    drv_entries, drv_prelude, drv_fail, drv_notes = driver_facts(series, dtree, root, kh)
    failures += drv_fail
    notes += drv_notes

    # Generate, build and run both programs.
    work = tempfile.mkdtemp(prefix='uapi-%s-' % series)
    try:
        kinc = os.path.join(work, 'kinc')
        os.makedirs(os.path.join(kinc, 'linux'))
        shutil.copy(k_iommufd, os.path.join(kinc, 'linux', 'iommufd.h'))
        shutil.copy(k_vfio, os.path.join(kinc, 'linux', 'vfio.h'))
        shutil.copy(k_test, os.path.join(kinc, 'iommufd_test.h'))
        kdefs = ['-D__user=', '-D__counted_by(m)=']
        k_entries, o_entries = [], []
        for key, kname, oname, kind in const_entries:
            k_entries.append((key, kname, kind))
            o_entries.append((key, oname, kind))
        for key, kexpr, oexpr, kind in struct_entries:
            k_entries.append((key, kexpr, kind))
            o_entries.append((key, oexpr, kind))
        for key, kexpr, oexpr, kind in drv_entries:
            k_entries.append((key, kexpr, kind))
            o_entries.append((key, oexpr, kind))
        ksrc, osrc = os.path.join(work, 'kernel.c'), os.path.join(work, 'ours.c')
        emit_program(ksrc, ['linux/iommufd.h', 'linux/vfio.h', 'iommufd_test.h'], k_entries,
                     drv_prelude)
        emit_program(osrc, ['iommufd-uapi.h', 'iommufd_test.h'] +
                     ['iommufd/%s' % h for h in driver_map.HEADERS], o_entries)
        ktab = run_program(cc, ksrc, os.path.join(work, 'kernel'), [kinc], kdefs)
        otab = run_program(cc, osrc, os.path.join(work, 'ours'),
                           [os.path.join(root, 'uapi'),
                            os.path.join(root, 'include')], [])
    except (RuntimeError, subprocess.CalledProcessError) as e:
        print('uapi-%s: ERROR: %s (generated files kept in %s)' % (series, e, work))
        print('uapi-%s: 0 passed, 1 failed' % series)
        return 1
    finally:
        if args.keep:
            print('generated files: %s' % work)
    if not args.keep and os.path.isdir(work):
        shutil.rmtree(work, ignore_errors=True)

    passed = 0
    exp_hit = 0
    for key, _, _ in k_entries:
        kv, ov = ktab[key], otab[key]
        if key in expected:
            if kv != ov:
                exp_hit += 1
                print('expected-diff %s: kernel %s, ours %s -- %s' % (key, kv, ov, expected[key]))
            else:
                failures.append('STALE expected-diff entry %s: values are equal (%s)' % (key, kv))
            continue
        if kv == ov:
            passed += 1
        else:
            failures.append('MISMATCH %s: kernel %s, ours %s' % (key, kv, ov))
    for key in expected:
        if key not in ktab:
            failures.append('STALE expected-diff entry %s: fact not compared' % key)

    for n in notes:
        print('note: ' + n)
    for f in failures:
        print('FAIL: ' + f)
    print('uapi-%s: kernel tree %s' % (series, tree))
    print('uapi-%s: %d constants, %d struct facts, %d known historical differences (expected)'
          % (series, len(const_entries), len(struct_entries), exp_hit))
    print('uapi-%s: driver data headers: %d facts (driver sources %s)'
          % (series, len(drv_entries), dtree))
    print('uapi-%s: %d passed, %d failed' % (series, passed, len(failures)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
