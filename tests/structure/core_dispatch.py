#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""core_dispatch.py SRC - suite 'structure': the iommufd core dispatches to
IOMMU drivers and file types through ops tables, never by naming them.

In every source file of the tree (C files and headers, comments and string
literals stripped):
1. A model's name appears only in its driver file and in iommu.c's driver
   table: its ops symbol (the `const struct mock_iommu_ops X =` a
   kmod-mock/drivers/iommu/<driver>.c defines) only there and on a table line
   of iommu.c (`DRIVER(X)`), a MOCK_IOMMU_* constant or `enum
   mock_iommu_model` nowhere else either. The core, the machine
   (drivers/pci/machine.c) and the tests ask the device's driver
   (dev_iommu_ops(mdev)->..., domain->owner, mock_iommu_find(name)).
In every kmod-mock/iommufd/*.c:
2. No #include of a driver's own header (kmod-mock/drivers/iommu/*.h other
   than iommu.h, the IOMMU core's driver interface, include/linux/iommu.h).
3. No file type constant (the enumerators of enum mock_file_type) in a
   `case` label or an ==/!= comparison: a file's behaviour is its f_op, its
   identity a comparison of f_op with a fops table (as the kernel's
   file->f_op == &iommufd_fops).
In drivers/iommu's shared file (the IOMMU core, iommu.c), where a driver
plugs in through struct mock_iommu_ops:
4. No `switch` over a model and no ==/!= comparison of a model: adding a
   model is one driver file plus a table line (doc/design.md, "Adding an
   IOMMU model").
5. The IOMMU drivers and the IOMMU core (every drivers/iommu/*.c) reach
   iommufd only through iommufd/driver.c: no io_pagetable internals
   (iopt_*), no iommufd_dma_fault(), no mock_domain_set_dirty().
7. An IOMMU driver or the IOMMU core includes what drivers see of the core
   (iommu.h, iommufd/iommufd_driver.h, iommufd/uaccess.h), not
   iommufd_private.h; only PRIVATE_OK may (the selftest driver, as the
   kernel's drivers/iommu/iommufd/selftest.c does).
6. A device model (drivers/pci/edu.c) does DMA through the PCI/IOMMU API
   (mock_pci_dma_rw()): it names no iommufd or VFIO object (idev, hwpt,
   open_df, struct iommufd_*).
Allowed, as the kernel's core does the same: switch/case over uAPI values
(IOMMUFD_OBJ_*, IOMMU_HWPT_DATA_*, IOMMU_VIOMMU_TYPE_*, ioctl numbers,
option ids, IOMMU_TEST_OP_*), naming a file type where the file is made (an
argument of mock_file_alloc() or of a helper that passes it on) and in
kernel.c's type -> fops table (a designated index `[MOCK_FILE_X] =`).
Prints one line per violation and a summary; exit status 1 if any.
"""
import os
import re
import sys

COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)
# drivers/iommu files that are the IOMMU core, not one driver
SHARED = ('iommu.c',)
# drivers/iommu headers of the IOMMU core (the core and the drivers share them)
SHARED_HEADERS = ('iommu.h',)
# drivers/iommu files that may include iommufd_private.h (rule 7)
PRIVATE_OK = ('selftest.c',)
# device models behind PCI functions (DMA only through mock_pci_dma_rw())
DEVICE_MODELS = ('edu.c',)
# a driver's ops table: the model's name
OPS_DEF = re.compile(r'^const\s+struct\s+mock_iommu_ops\s+(\w+)\s*=', re.M)
# a model constant of the old enum, or the enum itself
MODEL_CONST = re.compile(r'\b(MOCK_IOMMU_[A-Z0-9_]+|mock_iommu_model)\b')
# a line of iommu.c's driver table
TABLE_LINE = re.compile(r'^\s*DRIVER\((\w+)\)\s*\\?\s*$')
# where sources live (build trees and dot directories are skipped)
SKIP_DIRS = ('subprojects',)
STRING = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'')


def strip(text):
    # keep line numbers: replace comments/strings with as many newlines
    text = COMMENT.sub(lambda m: '\n' * m.group(0).count('\n'), text)
    return STRING.sub('""', text)


def enumerators(header, name):
    m = re.search(r'enum\s+' + name + r'\s*\{(.*?)\}', strip(header), re.S)
    if not m:
        return []
    return re.findall(r'^\s*([A-Z][A-Z0-9_]*)\s*(?:=[^,]*)?,?', m.group(1), re.M)


def model_names(src, owner):
    """Rule 1: each model's name only in its driver file and iommu.c's table."""
    sym_re = re.compile(r'\b(' + '|'.join(map(re.escape, owner)) + r')\b')
    shared = [os.path.join('kmod-mock', 'drivers', 'iommu', n) for n in SHARED]
    bad = 0
    for root, dirs, names in os.walk(src):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.') and d not in SKIP_DIRS and
                         not os.path.exists(os.path.join(root, d, 'meson-private')))
        for name in sorted(names):
            if not name.endswith(('.c', '.h')):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src)
            in_drv = os.path.dirname(rel) == os.path.join('kmod-mock', 'drivers', 'iommu')
            with open(path, errors='replace') as f:
                text = strip(f.read())
            for lineno, line in enumerate(text.split('\n'), 1):
                table = rel in shared and TABLE_LINE.match(line)
                for m in sym_re.finditer(line):
                    if table or (in_drv and owner[m.group(1)] == name):
                        continue
                    print(f'{rel}:{lineno}: names the IOMMU model {m.group(1)} '
                          f'(only {owner[m.group(1)]} and iommu.c\'s table may)')
                    bad += 1
                for m in MODEL_CONST.finditer(line):
                    if table:
                        continue
                    print(f'{rel}:{lineno}: names the IOMMU model {m.group(1)} '
                          '(the drivers\' table in iommu.c knows the models)')
                    bad += 1
    return bad


def main():
    src = sys.argv[1]
    core = os.path.join(src, 'kmod-mock', 'iommufd')
    drv_dir = os.path.join(src, 'kmod-mock', 'drivers', 'iommu')
    with open(os.path.join(core, 'iommufd_private.h')) as f:
        ftypes = enumerators(f.read(), 'mock_file_type')
    # the models: the ops symbol each driver file defines
    owner = {}
    for name in sorted(os.listdir(drv_dir)):
        if name.endswith('.c') and name not in SHARED:
            with open(os.path.join(drv_dir, name)) as f:
                for sym in OPS_DEF.findall(strip(f.read())):
                    owner[sym] = name
    drv_headers = sorted(n for n in os.listdir(drv_dir)
                         if n.endswith('.h') and n not in SHARED_HEADERS)
    if not owner or not ftypes:
        print('FAIL: could not find the drivers\' struct mock_iommu_ops / enum mock_file_type')
        return 1
    bad = model_names(src, owner)
    ftype = '(?:' + '|'.join(ftypes) + ')'
    case_re = re.compile(r'\bcase\s+(' + ftype + r')\b')
    cmp_re = re.compile(r'(?:[!=]=\s*(' + ftype + r')\b|\b(' + ftype + r')\s*[!=]=)')
    inc_re = re.compile(r'^\s*#\s*include\s*"(' + '|'.join(map(re.escape, drv_headers)) +
                        r')"', re.M) if drv_headers else None
    files = sorted(n for n in os.listdir(core) if n.endswith('.c'))
    for name in files:
        with open(os.path.join(core, name)) as f:
            text = strip(f.read())
        rel = 'kmod-mock/iommufd/' + name
        for lineno, line in enumerate(text.split('\n'), 1):
            for m in case_re.finditer(line):
                print(f'{rel}:{lineno}: case over the file type {m.group(1)}')
                bad += 1
            for m in cmp_re.finditer(line):
                print(f'{rel}:{lineno}: compares with the file type {m.group(1) or m.group(2)}')
                bad += 1
        if inc_re:
            for m in inc_re.finditer(text):
                lineno = text.count('\n', 0, m.start()) + 1
                print(f'{rel}:{lineno}: includes the driver header {m.group(1)}')
                bad += 1
    shared = [n for n in SHARED if os.path.exists(os.path.join(drv_dir, n))]
    switch_re = re.compile(r'\bswitch\s*\(([^)]*\bmodel\b[^)]*)\)')
    mcmp_re = re.compile(r'(?:\bmodel\s*[!=]=|[!=]=\s*[\w.>-]*\bmodel\b)')
    for name in shared:
        with open(os.path.join(drv_dir, name)) as f:
            text = strip(f.read())
        rel = 'kmod-mock/drivers/iommu/' + name
        for lineno, line in enumerate(text.split('\n'), 1):
            for m in switch_re.finditer(line):
                print(f'{rel}:{lineno}: switch over the IOMMU model ({m.group(1).strip()})')
                bad += 1
            for m in mcmp_re.finditer(line):
                print(f'{rel}:{lineno}: compares IOMMU models')
                bad += 1
    drv_re = re.compile(r'\b(iopt_\w+|iommufd_dma_fault|mock_domain_set_dirty)\b')
    drv_files = sorted(n for n in os.listdir(drv_dir) if n.endswith('.c'))
    for name in drv_files:
        with open(os.path.join(drv_dir, name)) as f:
            text = strip(f.read())
        rel = 'kmod-mock/drivers/iommu/' + name
        for lineno, line in enumerate(text.split('\n'), 1):
            for m in drv_re.finditer(line):
                print(f'{rel}:{lineno}: reaches into iommufd ({m.group(1)}), not via driver.c')
                bad += 1
    priv_re = re.compile(r'^[ \t]*#[ \t]*include\s*"iommufd_private\.h"', re.M)
    for name in sorted(os.listdir(drv_dir)):
        if not name.endswith(('.c', '.h')) or name in PRIVATE_OK:
            continue
        with open(os.path.join(drv_dir, name)) as f:
            raw = f.read()
        for m in priv_re.finditer(raw):
            lineno = raw.count('\n', 0, m.start()) + 1
            print(f'kmod-mock/drivers/iommu/{name}:{lineno}: includes iommufd_private.h '
                  '(use iommu.h, iommufd_driver.h, uaccess.h)')
            bad += 1
    dev_re = re.compile(r'\b(idev|hwpt|open_df|iommufd_\w+)\b')
    for name in DEVICE_MODELS:
        with open(os.path.join(src, 'kmod-mock', 'drivers', 'pci', name)) as f:
            text = strip(f.read())
        rel = 'kmod-mock/drivers/pci/' + name
        for lineno, line in enumerate(text.split('\n'), 1):
            for m in dev_re.finditer(line):
                print(f'{rel}:{lineno}: a device model names the iommufd/VFIO object {m.group(1)}')
                bad += 1
    print(f'{len(shared)} shared IOMMU files, {len(drv_files)} drivers/iommu files, '
          f'{len(DEVICE_MODELS)} device model(s) checked')
    print(f'{len(files)} core files, {len(owner)} IOMMU models ({", ".join(sorted(owner))}), {len(ftypes)} file types: '
          f'{bad} violation(s)')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
