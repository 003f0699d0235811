#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""uapi_once.py SRC - suite 'structure': the kernel uAPI is defined once, in uapi/.

tests/uapi proves uapi/iommufd-uapi.h and uapi/iommufd_test.h equal to the
kernel's headers; a copy elsewhere would escape that proof. So, in every C
file and header outside uapi/:
1. no name uapi/ defines (object-like #define, enum constant, struct or union
   tag) is defined again;
2. no #define expands to an ioctl number of iommufd or VFIO: _IO/_IOR/_IOW/
   _IOWR over IOMMUFD_TYPE or VFIO_TYPE (a test may still write such a number
   in place, e.g. an unknown command it expects ENOTTY for);
3. an object-like #define named VFIO_* or IOMMU_* with a value that is not a
   string or another name, and every struct vfio_* / iommu_* defined, is in
   KERNEL_INTERNAL: a name the kernel defines outside include/uapi (or the
   mock's own), so no uAPI fact hides there.
The library's own names for uAPI values (include/iommufd/) are not copies:
tests/uapi/driver_map.py and the _Static_asserts of lib/ compare them.
Prints one line per violation and a summary; exit status 1 if any.
"""
import os
import re
import subprocess
import sys

UAPI = ['uapi/iommufd-uapi.h', 'uapi/iommufd_test.h']

# VFIO_*/IOMMU_* values defined outside uapi/ that are not uAPI: name -> where from.
KERNEL_INTERNAL = {
    'VFIO_PCI_OFFSET_SHIFT': 'include/linux/vfio_pci_core.h',
    'VFIO_PCI_OFFSET_MASK': 'include/linux/vfio_pci_core.h',
    'VFIO_RW_MAX': "the mock's bound on one read/write of a region",
    'VFIO_DEV_MAJOR': "vfio-dev's dynamic char major on one VM, not ABI",
    'IOMMU_HWPT_INVALIDATE_ENTRY_NUM_MAX': 'drivers/iommu/iommufd/hw_pagetable.c',
    'IOMMU_READ': 'include/linux/iommu.h',
    'IOMMU_WRITE': 'include/linux/iommu.h',
    'IOMMU_CACHE': 'include/linux/iommu.h',
    'IOMMU_NO_PASID': 'include/linux/iommu.h',
    'struct vfio_group': 'drivers/vfio/vfio.h',
    'struct vfio_device_file': 'drivers/vfio/vfio.h',
}
DEFINE = re.compile(r'^\s*#\s*define\s+(\w+)(\()?[ \t]*(.*)$', re.M)
TAG = re.compile(r'\b(struct|union)\s+(\w+)\s*\{')
ENUM = re.compile(r'\benum\s*\w*\s*\{([^}]*)\}', re.S)
IOCTL = re.compile(r'\b_IO(?:R|W|WR)?\s*\(\s*(IOMMUFD_TYPE|VFIO_TYPE)\b')


def strip(text):
    text = re.sub(r'\\\n', ' ', text)
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    return re.sub(r'//[^\n]*', ' ', text)


def names(text):
    """{name: what} of the definitions in one (comment-stripped) file."""
    out = {}
    for m in DEFINE.finditer(text):
        if not m.group(2) and m.group(3).strip():
            out[m.group(1)] = '#define'
    for m in TAG.finditer(text):
        out['%s %s' % (m.group(1), m.group(2))] = 'definition'
    for m in ENUM.finditer(text):
        for item in m.group(1).split(','):
            im = re.match(r'\s*([A-Za-z_]\w*)', item)
            if im:
                out[im.group(1)] = 'enum constant'
    return out


def tracked(src):
    out = subprocess.run(['git', '-C', src, 'ls-files'], capture_output=True, text=True)
    if out.returncode == 0 and out.stdout:
        return [f for f in out.stdout.split('\n') if f]
    files = []
    for top, dirs, fnames in os.walk(src):
        dirs[:] = [d for d in dirs if not d.startswith('.')]
        files += [os.path.relpath(os.path.join(top, n), src) for n in fnames]
    return files


def main():
    src = sys.argv[1]
    uapi = {}
    for h in UAPI:
        with open(os.path.join(src, h), encoding='utf-8') as fh:
            uapi.update(names(strip(fh.read())))
    uapi = {n for n in uapi if not n.startswith('LIBIOMMUFD_')}  # include guards
    bad, seen, used = [], 0, set()
    for f in tracked(src):
        if f.startswith('uapi/') or not f.endswith(('.c', '.h')):
            continue
        seen += 1
        with open(os.path.join(src, f), encoding='utf-8', errors='replace') as fh:
            text = strip(fh.read())
        for n, what in sorted(names(text).items()):
            if n in uapi:
                bad.append('%s: %s %s again; uapi/ defines it' % (f, what, n))
        for m in TAG.finditer(text):
            tag = '%s %s' % (m.group(1), m.group(2))
            if re.match(r'(vfio|iommu)_', m.group(2)):
                used.add(tag)
                if tag not in KERNEL_INTERNAL and tag not in uapi:
                    bad.append('%s: %s looks like uAPI; define it in uapi/ (or list it in '
                               'KERNEL_INTERNAL of %s with where the kernel has it)'
                               % (f, tag, os.path.basename(__file__)))
        for m in DEFINE.finditer(text):
            name, val = m.group(1), m.group(3).strip()
            if IOCTL.search(val):
                bad.append('%s: #define %s is an iommufd/VFIO ioctl number; it belongs in uapi/'
                           % (f, name))
            elif (not m.group(2) and re.match(r'(VFIO|IOMMU)_', name) and val
                  and not val.startswith('"') and not re.fullmatch(r'[A-Za-z_]\w*', val)):
                used.add(name)
                if name not in KERNEL_INTERNAL:
                    bad.append('%s: #define %s looks like uAPI; define it in uapi/ (or list it in '
                               'KERNEL_INTERNAL of %s with where the kernel has it)'
                               % (f, name, os.path.basename(__file__)))
    for n in sorted(set(KERNEL_INTERNAL) - used):
        bad.append('stale KERNEL_INTERNAL entry %s: no file defines it' % n)
    for b in bad:
        print('FAIL: ' + b)
    print('structure-uapi-once: %d files outside uapi/ against %d uAPI names, %d violations'
          % (seen, len(uapi), len(bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
