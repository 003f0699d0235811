#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# man-pages.py --doxygen-man DIR --xml DIR --out DIR --version V
#
# Turns Doxygen's man output into pages fit for /usr/share/man:
#   man3/libiommufd.3           overview: one line per group page
#   man3/libiommufd-GROUP.3     a Doxygen group page (ctx, ioas, ...), renamed
#                               so that "version.3" or "device.3" do not land
#                               in the system's man3
#   man3/NAME.3                 ".so" link to its group page, for every
#                               function, macro, enum and enumerator of the API
#   man3type/NAME.3type         the page of each struct (man-pages' 3type
#                               section: a struct may share its name with a
#                               function, e.g. iommufd_hw_info_vtd)
# Doxygen's own links for struct members ("flags.3", "sz.3", ...) are dropped:
# generic names must not be installed. Names come from the Doxygen XML, so a
# page is made exactly for what the headers document.
import argparse
import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET

API_NAME = re.compile(r"^(iommufd_|IOMMUFD_|LIBIOMMUFD_)")
MEMBER_KINDS = {"function", "define", "enum", "typedef", "variable"}


def read_index(xml_dir):
    """Groups (name -> title), structs, and the group of every member name."""
    index = ET.parse(os.path.join(xml_dir, "index.xml")).getroot()
    groups, structs, member_group = {}, [], {}
    for comp in index.findall("compound"):
        kind, name = comp.get("kind"), comp.findtext("name")
        if kind == "struct":
            structs.append(name)
        elif kind == "group":
            root = ET.parse(os.path.join(xml_dir, comp.get("refid") + ".xml")).getroot()
            cdef = root.find("compounddef")
            groups[name] = (cdef.findtext("title") or name).strip()
            for md in cdef.iter("memberdef"):
                if md.get("kind") in MEMBER_KINDS:
                    member_group.setdefault(md.findtext("name"), name)
                if md.get("kind") == "enum":
                    for ev in md.findall("enumvalue"):
                        member_group.setdefault(ev.findtext("name"), name)
    return groups, structs, member_group


def retitle(text, old, new, section):
    """Rewrites the .TH line and the NAME line of a Doxygen page."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(".TH "):
            lines[i] = re.sub(r'^\.TH "[^"]*" \S+', '.TH "%s" %s' % (new, section), line)
        elif line == ".SH NAME" and i + 1 < len(lines):
            lines[i + 1] = re.sub(r"^%s " % re.escape(old), new + " ", lines[i + 1])
            break
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--doxygen-man", required=True)
    ap.add_argument("--xml", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--version", required=True)
    a = ap.parse_args()

    groups, structs, member_group = read_index(a.xml)
    man3 = os.path.join(a.out, "man3")
    man3type = os.path.join(a.out, "man3type")
    for d in (man3, man3type):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)

    def src(name):
        with open(os.path.join(a.doxygen_man, name + ".3"), encoding="utf-8") as f:
            return f.read()

    def write(path, text):
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    for g in groups:
        write(os.path.join(man3, "libiommufd-%s.3" % g),
              retitle(src(g), g, "libiommufd-" + g, "3"))
    for s in structs:
        write(os.path.join(man3type, s + ".3type"), retitle(src(s), s, s, "3type"))
    links = 0
    for name, g in sorted(member_group.items()):
        if not API_NAME.match(name):
            continue
        write(os.path.join(man3, name + ".3"), ".so man3/libiommufd-%s.3\n" % g)
        links += 1

    see_also = ",\n".join(r"\fBlibiommufd-%s\fP(3)" % g for g in groups)
    overview = [
        '.\\" SPDX-License-Identifier: MIT',
        '.TH "libiommufd" 3 "" "Version %s" "libiommufd"' % a.version,
        ".SH NAME",
        r"libiommufd \- C library for the Linux iommufd interface (/dev/iommu)",
        ".SH SYNOPSIS",
        ".nf",
        r".B #include <iommufd/iommufd.h>",
        ".PP",
        r"Link with \fI$(pkg-config --libs libiommufd)\fP.",
        ".fi",
        ".SH DESCRIPTION",
        "libiommufd builds the kernel's iommufd ioctl arguments, issues the ioctl and",
        "turns the answer into a result: opaque handles,",
        r"\fBiommufd_\fP\fIobject\fP\fB_\fP\fIverb\fP\fB()\fP functions and negative errno returns.",
        "Each function has a page of its name, which is the page of its group:",
        ".PP",
    ]
    for g, title in groups.items():
        overview += [".TP", r"\fBlibiommufd-%s\fP(3)" % g, title]
    overview += [
        ".PP",
        "Structures have pages in section 3type, e.g.",
        r"\fBiommufd_ctx_opts\fP(3type).",
        ".SH SEE ALSO",
        see_also + ",",
        r"\fBiommufd-info\fP(1), \fBiommufd-mock-run\fP(1), \fBiommufd-mockd\fP(1)",
        "",
    ]
    write(os.path.join(man3, "libiommufd.3"), "\n".join(overview))
    print("man-pages.py: %d group pages, %d struct pages, %d links"
          % (len(groups), len(structs), links))
    return 0


if __name__ == "__main__":
    sys.exit(main())
