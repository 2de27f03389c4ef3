#!/usr/bin/env drgn
# SPDX-License-Identifier: MIT
"""Reads a memcgfs image with drgn's own helpers and prints what they see, as JSON
(addresses as hex strings: they do not fit a JSON number's 53 bits).

Used by test/inspect/drgn.test.ts to check that the image is faithful: the same facts must
come out of drgn's stock helpers (slab, cgroup, pid, mm) as out of the TypeScript API.

Usage: image_check.py [--cache NAME]... [--object ADDR]... [--layout FILE]
  --cache NAME    count NAME's allocated objects with slab_cache_for_each_allocated_object
  --object ADDR   slab_object_info of ADDR (hex)
  --layout FILE   JSON list of [type, member] pairs: report sizeof(type) and offsetof(type, member),
                  and sizeof of every type in the image's table
"""

import argparse
import json
import sys

from drgn import TypeKind, offsetof, sizeof
from drgn.helpers.linux.cgroup import cgroup_path, css_for_each_descendant_pre
from drgn.helpers.linux.mm import PageSlab, compound_head, virt_to_page
from drgn.helpers.linux.pid import find_task, for_each_task
from drgn.helpers.linux.slab import (
    find_slab_cache,
    for_each_slab_cache,
    slab_cache_for_each_allocated_object,
    slab_object_info,
)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", action="append", default=[])
    ap.add_argument("--object", action="append", default=[])
    ap.add_argument("--layout")
    args = ap.parse_args()
    out = {}
    out["caches"] = [
        {"name": s.name.string_().decode(), "address": hex(s.value_()), "size": s.size.value_()}
        for s in for_each_slab_cache(prog)  # noqa: F821
    ]
    out["allocated"] = {}
    for name in args.cache:
        s = find_slab_cache(prog, name)  # noqa: F821
        out["allocated"][name] = None if s is None else sum(1 for _ in slab_cache_for_each_allocated_object(s, "void"))
    out["objects"] = []
    for a in args.object:
        addr = int(a, 16)
        info = slab_object_info(prog, addr)  # noqa: F821
        page = compound_head(virt_to_page(prog, addr))  # noqa: F821
        out["objects"].append(
            None
            if info is None
            else {
                "cache": info.slab_cache.name.string_().decode(),
                "address": hex(info.address),
                "allocated": bool(info.allocated),
                "slabPage": hex(page.value_()),
                "pageSlab": bool(PageSlab(page)),
            }
        )
    root = prog["root_mem_cgroup"]  # noqa: F821
    out["memcgs"] = [
        {"path": cgroup_path(css.cgroup).decode(), "ino": css.cgroup.kn.id.value_(), "address": hex(css.value_())}
        for css in css_for_each_descendant_pre(root.css.address_of_())
    ]
    out["tasks"] = [{"pid": t.pid.value_(), "comm": t.comm.string_().decode(), "address": hex(t.value_())} for t in for_each_task(prog)]  # noqa: F821
    t1 = find_task(prog, 1)  # noqa: F821
    out["task1"] = t1.comm.string_().decode() if t1 else None
    if args.layout:
        with open(args.layout) as f:
            pairs = json.load(f)
        out["layout"] = [
            {"type": t, "member": m, "size": sizeof(prog.type(t)), "offset": offsetof(prog.type(t), m)}  # noqa: F821
            for t, m in pairs
        ]
        # every type of the image's table, resolved member by member
        sizes = {}
        for t in prog.cache["memcgfs_meta"]["layout"]["types"]:  # noqa: F821
            name = t["name"] if t["kind"] == "typedef" else "%s %s" % (t["kind"], t["tag"])
            ty = prog.type(name)  # noqa: F821
            base = ty
            while base.kind == TypeKind.TYPEDEF:
                base = base.type
            if base.kind in (TypeKind.STRUCT, TypeKind.UNION):
                for m in base.members:
                    m.type  # resolve every lazy member type
            sizes[name] = sizeof(ty)
        out["typeSizes"] = sizes
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


main()
