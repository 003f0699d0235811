#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# check-naming.py DESIGN.md VERSION-SCRIPT HEADER...
#
# The naming rules of doc/design.md ("## Naming"), checked over the exports:
# the two tables between the naming-objects and naming-verbs markers are the
# data. Every symbol of the version script must
#  - be declared with LIBIOMMUFD_API in a public header (and every such
#    declaration be in the version script);
#  - read iommufd_<object>_<verb>[_<what>], the object from the objects table
#    (longest prefix), the verb allowed for that object by the verbs table;
#    or be one of the library-wide functions the section names;
#  - not be the name of a struct, union, enum or typedef of the headers.
# Object ids go in only through _adopt() and iommufd_ctx_destroy_id(): no
# other function has a uint32_t parameter named id or *_id, no options struct
# a uint32_t *_id field (handles everywhere else).
# Every object with an acquiring verb exports its releasing verb, every
# "kernel object" its _get_id() and _get_ctx(), and the verbs the project
# promised stay: iommufd_ioas_create/map, iommufd_hwpt_alloc,
# iommufd_viommu_alloc, iommufd_veventq_read.
# Exit 0 pass, 1 fail (every violation is printed).
import re
import sys

KEEP = ["iommufd_ioas_create", "iommufd_ioas_map", "iommufd_hwpt_alloc",
        "iommufd_viommu_alloc", "iommufd_veventq_read"]


def table(text, name):
    m = re.search(r"<!-- %s: begin -->\n(.*?)<!-- %s: end -->" % (name, name), text, re.S)
    if not m:
        sys.exit("check-naming.py: no %s table in the design document" % name)
    rows = []
    for line in m.group(1).strip().splitlines()[2:]:
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def ticked(cell):
    return re.findall(r"`([^`]+)`", cell)


def main():
    design, mapfile, headers = sys.argv[1], sys.argv[2], sys.argv[3:]
    text = open(design).read()
    objects = {}
    for row in table(text, "naming-objects"):
        objects[ticked(row[0])[0]] = row[2]
    verbs = {}  # verb -> (allowed objects, releasing verbs)
    for row in table(text, "naming-verbs"):
        objs = set(objects) if "every object" in row[2] else set(ticked(row[2]))
        unknown = objs - set(objects)
        if unknown:
            sys.exit("check-naming.py: verbs table names unknown objects %s" % sorted(unknown))
        for verb in ticked(row[0]):
            verbs[verb] = (objs, ticked(row[1]))
    m = re.search(r"Library-wide functions, about no object: (.*?)\n\n", text, re.S)
    library_wide = set(re.findall(r"`(iommufd_\w+)\(\)`", m.group(1))) if m else set()

    exports = set(re.findall(r"^\s+(iommufd_\w+);", open(mapfile).read(), re.M))
    declared, types, id_fields = {}, set(), []
    for h in headers:
        src = open(h).read()
        for d in re.finditer(r"LIBIOMMUFD_API\s+([^;{]*?)\b(iommufd_\w+)\s*\(([^;{]*)\)\s*;",
                             src, re.S):
            declared[d.group(2)] = (h, " ".join(d.group(3).split()))
        types |= set(re.findall(r"\b(?:struct|union|enum)\s+(iommufd_\w+)\s*\{", src))
        for st in re.finditer(r"\bstruct\s+(iommufd_\w+_opts)\s*\{(.*?)\};", src, re.S):
            body = re.sub(r"/\*.*?\*/", "", st.group(2), flags=re.S)
            for field in re.findall(r"\buint32_t\s+(\w*_id|id)\s*;", body):
                id_fields.append("struct %s::%s: an object id in options (take a handle)"
                                 % (st.group(1), field))
        types |= set(re.findall(r"typedef[^;]*?\(\s*\*\s*(iommufd_\w+)\s*\)", src))
        types |= set(re.findall(r"typedef[^;(]*?\b(iommufd_\w+)\s*;", src))

    errors = list(id_fields)
    for name, (h, params) in sorted(declared.items()):
        if name.endswith("_adopt") or name == "iommufd_ctx_destroy_id":
            continue
        for p in params.split(","):
            m = re.match(r"^\s*(?:const\s+)?uint32_t\s+(\w+)\s*$", p)
            if m and (m.group(1) == "id" or m.group(1).endswith("_id")):
                errors.append("%s: takes an object id (%s): take a handle" % (name, m.group(1)))
    for name in sorted(exports - set(declared)):
        errors.append("%s: in the version script, declared in no public header" % name)
    for name in sorted(set(declared) - exports):
        errors.append("%s: declared in %s, missing from the version script" %
                      (name, declared[name][0]))
    by_object = {}
    for name in sorted(exports):
        if name in types:
            errors.append("%s: a function with the name of a type" % name)
        if name in library_wide:
            continue
        rest = name[len("iommufd_"):]
        obj = max((o for o in objects if rest.startswith(o + "_")), key=len, default=None)
        if not obj:
            errors.append("%s: no object of the naming table" % name)
            continue
        parts = rest[len(obj) + 1:].split("_")
        verb = parts[0]
        if verb not in verbs:
            errors.append("%s: '%s' is not a verb of the naming table" % (name, verb))
            continue
        if obj not in verbs[verb][0]:
            errors.append("%s: the naming table does not allow '%s' on %s" % (name, verb, obj))
        by_object.setdefault(obj, set()).add(verb)
        if len(parts) > 1:
            by_object[obj].add(verb + "_" + "_".join(parts[1:]))
    for obj, have in sorted(by_object.items()):
        for verb in sorted(have):
            if verb in verbs and verbs[verb][1] and not set(verbs[verb][1]) & have:
                errors.append("iommufd_%s_%s: no releasing %s" %
                              (obj, verb, " or ".join("iommufd_%s_%s" % (obj, r)
                                                      for r in verbs[verb][1])))
        if objects[obj].startswith("kernel object"):
            for getter in ("get_id", "get_ctx"):
                if getter not in have:
                    errors.append("iommufd_%s_%s: missing (every kernel object has it)" %
                                  (obj, getter))
    for name in KEEP:
        if name not in exports:
            errors.append("%s: a promised name is gone" % name)

    for e in errors:
        print("FAIL:", e)
    print("check-naming: %d exports, %d objects, %d verbs, %d violations" %
          (len(exports), len(objects), len(verbs), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
