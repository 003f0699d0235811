#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# man-pages.py --doxygen-man DIR --xml DIR --out DIR --version V
#
# Section-3 pages fit for /usr/share/man, from the Doxygen output:
#   man3/NAME.3                 a page of its own for every function and
#                               function-like macro of the API, written from
#                               the Doxygen XML in the man-pages layout: NAME,
#                               LIBRARY, SYNOPSIS (header and prototype),
#                               DESCRIPTION (with the parameters), RETURN
#                               VALUE, ERRORS (the "-EXXX (why)" list of the
#                               @return text, one entry each), SEE ALSO
#   man3/libiommufd.3           overview: one line per group page
#   man3/libiommufd-GROUP.3     a Doxygen group page (ctx, ioas, ...), renamed
#                               so that "version.3" or "device.3" do not land
#                               in the system's man3: the group's overview,
#                               its enums and constants
#   man3/NAME.3                 ".so" link to its group page, for every enum,
#                               enumerator, constant and typedef of the API
#   man3/NAME.3type             the page of each struct (section 3type, as
#                               man-pages has it). No name is in two sections:
#                               a struct named like a function or a constant
#                               fails (doc/design.md, "Naming").
#                               In man3, as man-db finds extended sections
#                               (like Perl's .3pm): `man 3type NAME`; Debian's
#                               lintian does not know a man3type directory
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
ERRNO_ITEM = re.compile(r"^(\\-E[A-Z0-9]+(?:(?:,| or) \\-E[A-Z0-9]+)*)(?: (also .*?))?"
                        r"(?: ?\((.*)\))?\.?$", re.S)


def read_index(xml_dir):
    """Groups (name -> (title, compounddef)), structs, and the group of every member name."""
    index = ET.parse(os.path.join(xml_dir, "index.xml")).getroot()
    groups, structs, member_group = {}, [], {}
    for comp in index.findall("compound"):
        kind, name = comp.get("kind"), comp.findtext("name")
        if kind == "struct":
            structs.append(name)
        elif kind == "group":
            root = ET.parse(os.path.join(xml_dir, comp.get("refid") + ".xml")).getroot()
            cdef = root.find("compounddef")
            groups[name] = ((cdef.findtext("title") or name).strip(), cdef)
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


def esc(text):
    """Plain text for roff: backslashes and minus signs escaped."""
    return text.replace("\\", "\\e").replace("-", "\\-")


def roff_lines(text):
    """One filled paragraph: whitespace collapsed, a leading . or ' protected."""
    text = " ".join(text.split())
    return ("\\&" + text) if text[:1] in (".", "'") else text


class Page:
    """Turns the XML of one documented member into roff."""

    def __init__(self, md, pages, structs):
        self.md = md
        self.pages = pages        # names that have a page of their own
        self.structs = structs
        self.params = {p.findtext("declname") or p.findtext("defname")
                       for p in md.findall("param")}
        self.see = []             # names met in the text, in order

    def refer(self, name):
        if name != self.md.findtext("name") and name not in self.see:
            self.see.append(name)

    def inline(self, el, skip=("parameterlist", "simplesect", "programlisting",
                               "itemizedlist", "orderedlist")):
        """The text of an element with fonts, without the blocks in @p skip."""
        out = [esc(el.text or "")]
        for child in el:
            if child.tag in skip:
                pass
            elif child.tag == "computeroutput":
                word = "".join(child.itertext())
                font = "I" if word in self.params else "B"
                out.append("\\f%s%s\\fP" % (font, esc(word)))
            elif child.tag == "ref":
                word = "".join(child.itertext())
                name = word[:-2] if word.endswith("()") else word
                if name in self.pages:
                    out.append("\\fB%s\\fP(3)" % esc(name))
                    self.refer(name)
                else:
                    out.append("\\fB%s\\fP" % esc(word))
                    if name in self.structs:
                        self.refer(name)
            elif child.tag in ("emphasis",):
                out.append("\\fI%s\\fP" % self.inline(child))
            elif child.tag in ("bold",):
                out.append("\\fB%s\\fP" % self.inline(child))
            elif child.tag == "sp":
                out.append(" ")
            else:
                out.append(self.inline(child))
            out.append(esc(child.tail or ""))
        return "".join(out)

    def blocks(self, el):
        """roff lines for the paragraphs of a description (no params, no @return)."""
        out = []
        for para in el.findall("para"):
            text = " ".join(self.inline(para).split())
            if text:
                out += [".PP", roff_lines(text)]
            for child in para:
                if child.tag == "programlisting":
                    code = []
                    for line in child.findall("codeline"):
                        code.append(esc(self.inline(line).replace("\xa0", " ")))
                    out += [".PP", ".in +4n", ".EX"] + code + [".EE", ".in"]
                elif child.tag in ("itemizedlist", "orderedlist"):
                    for n, item in enumerate(child.findall("listitem"), 1):
                        mark = "\\(bu" if child.tag == "itemizedlist" else "%d." % n
                        out.append(".IP %s 3" % mark)
                        body = self.blocks(item)
                        out += [l for l in body if l != ".PP"]
                elif child.tag == "simplesect" and child.get("kind") in ("note", "warning",
                                                                          "attention"):
                    out += [".PP", roff_lines("\\fI%s:\\fP %s" % (
                        child.get("kind").capitalize(),
                        " ".join(self.inline(p) for p in child.findall("para"))))]
                elif child.tag == "simplesect" and child.get("kind") == "see":
                    for p in child.findall("para"):
                        self.inline(p)
        return out

    def param_lines(self):
        out = []
        for plist in self.md.iter("parameterlist"):
            for item in plist.findall("parameteritem"):
                pname = item.find("parameternamelist/parametername")
                direction = pname.get("direction")
                desc = " ".join(self.inline(p) for p in item.findall("parameterdescription/para"))
                if direction == "out":
                    desc = "(output) " + desc
                elif direction == "inout":
                    desc = "(input and output) " + desc
                out += [".TP", ".I %s" % esc("".join(pname.itertext())),
                        roff_lines(desc)]
        return out

    def return_text(self):
        for ss in self.md.iter("simplesect"):
            if ss.get("kind") == "return":
                return " ".join(" ".join(self.inline(p) for p in ss.findall("para")).split())
        return None


def split_top(text):
    """Splits at the commas outside parentheses."""
    items, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        if ch == "," and depth == 0:
            items.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        items.append(cur.strip())
    return items


# What an errno the @return text gives without a reason means for any call.
GENERIC_ERRORS = {
    "EFAULT": "A buffer the kernel had to read or write is not accessible.",
    "ENOMEM": "Out of memory.",
    "EBUSY": "The object is still in use.",
    "EMFILE": "The process has reached its limit of open files.",
    "EAGAIN": "Try again.",
    "EINTR": "A signal interrupted the call.",
}


def errors_section(ret):
    """(RETURN VALUE lines, ERRORS lines) from the @return text."""
    m = re.search(r"negative errno:\s*", ret)
    if not m:
        return [roff_lines(ret[:1].upper() + ret[1:])], []
    head, tail = ret[:m.start()] + "negative errno", ret[m.end():].rstrip(".")
    errs = []
    for item in split_top(tail):
        e = ERRNO_ITEM.match(item)
        if e:
            names = ", ".join("\\fB%s\\fP" % n for n in re.findall(r"E[A-Z0-9]+", e.group(1)))
            why = " ".join(x for x in (e.group(2), e.group(3)) if x)
            first = re.search(r"E[A-Z0-9]+", e.group(1)).group(0)
            if why:
                why = why[:1].upper() + why[1:] + "."
            errs += [".TP", names, roff_lines(why or GENERIC_ERRORS.get(first,
                                                                        "See DESCRIPTION."))]
        else:
            errs += [".PP", roff_lines(item[:1].upper() + item[1:] + ".")]
    ret_lines = [roff_lines(head + "; the errors are listed under ERRORS. The error is "
                            "also stored in \\fIerrno\\fP.")]
    return ret_lines, errs


def synopsis(md):
    """The prototype as man-pages writes it: one parameter a line, names in italics."""
    name = md.findtext("name")
    if md.get("kind") == "define":
        args = ", ".join(p.findtext("defname") for p in md.findall("param"))
        return ['.BI "#define %s(" "%s" )' % (name, esc(args))]
    rtype = " ".join("".join(md.find("type").itertext()).split())
    rtype = rtype.replace("LIBIOMMUFD_API", "").strip()
    lead = "%s%s%s(" % (rtype, "" if rtype.endswith("*") else " ", name)
    params = [p for p in md.findall("param") if "".join(p.find("type").itertext()).strip()]
    if not params or (len(params) == 1 and not params[0].findtext("declname")):
        return ['.B "%s(void);"' % esc(lead[:-1])]
    out = []
    for i, p in enumerate(params):
        ptype = " ".join("".join(p.find("type").itertext()).split())
        pname = p.findtext("declname") or ""
        arr = p.findtext("array") or ""
        sep = "" if ptype.endswith("*") else " "
        last = i == len(params) - 1
        prefix = lead if i == 0 else " " * len(lead)
        out.append('.BI "%s%s%s" %s "%s"' % (esc(prefix), esc(ptype), sep, esc(pname),
                                               esc(arr) + (");" if last else ",")))
    return out


def function_page(md, group, header, version, pages, structs):
    name = md.findtext("name")
    pg = Page(md, pages, structs)
    brief = " ".join(" ".join(pg.inline(p) for p in md.findall("briefdescription/para"))
                     .split()).rstrip(".")
    brief = brief[:1].lower() + brief[1:] if brief[1:2].islower() else brief
    desc = pg.blocks(md.find("detaileddescription"))
    params = pg.param_lines()
    ret = pg.return_text()
    lines = [
        '.\\" SPDX-License-Identifier: MIT',
        '.\\" Generated by doc/man-pages.py from the Doxygen comments of <%s>.' % header,
        '.TH %s 3 "" "libiommufd %s" "libiommufd Manual"' % (name, version),
        ".SH NAME",
        "%s \\- %s" % (esc(name), brief),
        ".SH LIBRARY",
        "libiommufd (\\fI\\-liommufd\\fP, \\fIpkg\\-config \\-\\-libs libiommufd\\fP)",
        ".SH SYNOPSIS",
        ".nf",
        ".B #include <%s>" % header,
        ".PP",
    ] + synopsis(md) + [".fi", ".SH DESCRIPTION"]
    body = [roff_lines(" ".join(pg.inline(p) for p in md.findall("briefdescription/para")))]
    body += desc
    if params:
        body += [".PP", "The arguments are:"] + params
    lines += body
    if ret is not None:
        ret_lines, err_lines = errors_section(ret)
        lines += [".SH RETURN VALUE"] + ret_lines
        if err_lines:
            lines += [".SH ERRORS"] + err_lines
    # functions the text names without a Doxygen link
    for n in re.findall(r"\b(?:iommufd|IOMMUFD)_\w+", "\n".join(lines)):
        if n in pages and n != name:
            pg.refer(n)
    see = ["\\fB%s\\fP(3)" % esc(n) for n in pg.see if n in pages]
    see += ["\\fB%s\\fP(3type)" % esc(n) for n in pg.see if n in structs]
    for p in md.findall("param"):
        t = "".join(p.find("type").itertext()) if p.find("type") is not None else ""
        for s in re.findall(r"struct (\w+)", t):
            entry = "\\fB%s\\fP(3type)" % esc(s)
            if s in structs and entry not in see:
                see.append(entry)
    see += ["\\fBlibiommufd\\-%s\\fP(3)" % esc(group), "\\fBlibiommufd\\fP(3)"]
    lines += [".SH SEE ALSO", ",\n".join(see), ""]
    # blank lines are not roff
    return "\n".join(l for l in lines if l != "") + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--doxygen-man", required=True)
    ap.add_argument("--xml", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--version", required=True)
    a = ap.parse_args()

    groups, structs, member_group = read_index(a.xml)
    man3 = os.path.join(a.out, "man3")
    shutil.rmtree(man3, ignore_errors=True)
    os.makedirs(man3)

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
        write(os.path.join(man3, s + ".3type"), retitle(src(s), s, s, "3type"))

    # functions and function-like macros get pages of their own
    own = {}
    for g, (_, cdef) in groups.items():
        for md in cdef.iter("memberdef"):
            name = md.findtext("name")
            if not API_NAME.match(name) or name in own:
                continue
            if md.get("kind") == "function" or (md.get("kind") == "define"
                                                and md.find("param") is not None):
                own[name] = (g, md)
    both = sorted((set(own) | set(member_group)) & set(structs))
    if both:
        sys.exit("man-pages.py: names in two sections (3 and 3type): " + ", ".join(both))
    for name, (g, md) in sorted(own.items()):
        header = md.find("location").get("declfile") or md.find("location").get("file")
        write(os.path.join(man3, name + ".3"),
              function_page(md, g, header, a.version, set(own), set(structs)))
    links = 0
    for name, g in sorted(member_group.items()):
        if not API_NAME.match(name) or name in own:
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
        r"Link with \fI$(pkg\-config \-\-libs libiommufd)\fP.",
        ".fi",
        ".SH DESCRIPTION",
        "libiommufd builds the kernel's iommufd ioctl arguments, issues the ioctl and",
        "turns the answer into a result: opaque handles,",
        r"\fBiommufd_\fP\fIobject\fP\fB_\fP\fIverb\fP\fB()\fP functions and negative errno returns.",
        r"Each function has a page of its name, e.g. \fBiommufd_ioas_map\fP(3);",
        "each group of functions has an overview page, which also documents its",
        "enumerations and constants:",
        ".PP",
    ]
    for g, (title, _) in groups.items():
        overview += [".TP", r"\fBlibiommufd-%s\fP(3)" % g, title]
    overview += [
        ".PP",
        "Structures have pages in section 3type, e.g.",
        r"\fBiommufd_ctx_opts\fP(3type).",
        "A tutorial (tutorial.md in the documentation, and a page of the HTML reference)",
        "walks through DMA, nested translation with a vIOMMU and dirty tracking.",
        ".SH SEE ALSO",
        see_also + ",",
        r"\fBiommufd-info\fP(1), \fBiommufd-mock-run\fP(1), \fBiommufd-mockd\fP(1)",
        "",
    ]
    write(os.path.join(man3, "libiommufd.3"), "\n".join(overview))
    print("man-pages.py: %d function pages, %d group pages, %d struct pages, %d links"
          % (len(own), len(groups), len(structs), links))
    return 0


if __name__ == "__main__":
    sys.exit(main())
