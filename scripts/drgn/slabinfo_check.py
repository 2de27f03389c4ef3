#!/usr/bin/env drgn
# SPDX-License-Identifier: MIT
"""Slab usage of one memory cgroup, in /proc/slabinfo format, read from kernel memory.

A clean-room drgn script (written for memcgfs against drgn's public API; not derived from the
kernel's tools/cgroup/memcg_slabinfo.py) that computes the same view as that tool:

  * obj_cgroup kernels (the type `struct obj_cgroup` exists): for every slab page carrying an
    obj_cgroup vector (bit 0 of page.memcg_data, or of page.obj_cgroups on 5.9), count the
    slots owned by the memcg's obj_cgroup or by one on its objcg_list (reparented from dead
    descendants); per cache, in the order caches are first met walking pages by pfn; report
    the count as both active and total objects, the rest of the line from the whole cache;
  * legacy kernels: for every cache on the memcg's kmem_caches list, that cache's own SLUB
    numbers (active = total - free objects on node partial lists), under its root cache's name.

Usage: slabinfo_check.py [--json] CGROUP_DIR
The memcg is the one whose cgroup directory has CGROUP_DIR's inode number (kernfs node id).
"""

import argparse
import json
import os
import struct
import sys

from drgn import FaultError, container_of
from drgn.helpers.linux.list import list_for_each_entry
from drgn.helpers.linux.mm import for_each_page

LINE = "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu %6lu"
HEADER = (
    "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
    " : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>"
)


def type_exists(prog, name):
    try:
        prog.type(name)
    except LookupError:
        return False
    return True


def find_memcg(prog, ino):
    """The non-root mem_cgroup whose cgroup's kernfs node has this id, or None."""
    pending = [prog["root_mem_cgroup"].css.address_of_()]
    while pending:
        parent = pending.pop()
        for css in list_for_each_entry("struct cgroup_subsys_state", parent.children.address_of_(), "sibling"):
            if css.cgroup.kn.id.value_() == ino:
                return container_of(css, "struct mem_cgroup", "css")
            pending.append(css)
    return None


class CacheFacts:
    """Geometry and node counters of one kmem_cache."""

    def __init__(self, cache, nr_nodes, name=None):
        oo = cache.oo.x.value_()
        self.name = name if name is not None else cache.name.string_().decode()
        self.size = cache.size.value_()
        self.per_slab = oo & 0xFFFF
        self.pages = 1 << (oo >> 16)
        self.slabs = 0
        self.objs = 0
        self.free = 0
        for nid in range(nr_nodes):
            node = cache.node[nid]
            self.slabs += node.nr_slabs.counter.value_()
            self.objs += node.total_objects.counter.value_()
            for page in list_for_each_entry("struct page", node.partial.address_of_(), "lru"):
                self.free += page.objects.value_() - page.inuse.value_()

    def row(self, active=None, total=None):
        if active is None:
            active, total = self.objs - self.free, self.objs
        return {
            "name": self.name,
            "activeObjs": active,
            "numObjs": total,
            "objSize": self.size,
            "objPerSlab": self.per_slab,
            "pagesPerSlab": self.pages,
            "activeSlabs": self.slabs,
            "numSlabs": self.slabs,
        }


def vector_slot(prog):
    """Name of the struct page member holding the obj_cgroup vector pointer (bit 0 tagged)."""
    page = prog.type("struct page")
    for name in ("memcg_data", "obj_cgroups"):
        if page.has_member(name):
            return name
    raise LookupError("struct page has no obj_cgroup vector member")


def objcg_rows(prog, memcg, nr_nodes):
    mine = set()
    if memcg.objcg.value_():
        mine.add(memcg.objcg.value_())
    for objcg in list_for_each_entry("struct obj_cgroup", memcg.objcg_list.address_of_(), "list"):
        mine.add(objcg.value_())
    counts = {}  # cache address -> count, insertion = first met
    caches = {}
    if mine:
        slab_bit = 1 << prog.constant("PG_slab").value_()
        slot = vector_slot(prog)
        for page in for_each_page(prog):
            try:
                if not page.flags.value_() & slab_bit:
                    continue
                tagged = getattr(page, slot).value_()
            except FaultError:
                continue
            cache = page.slab_cache
            if not tagged & 1 or not cache.value_():
                continue
            n = cache.oo.x.value_() & 0xFFFF
            raw = prog.read(tagged & ~1, 8 * n)
            owned = sum(1 for ptr in struct.unpack("<%dQ" % n, raw) if ptr in mine)
            if owned:
                key = cache.value_()
                counts[key] = counts.get(key, 0) + owned
                caches[key] = cache
    return [CacheFacts(caches[k], nr_nodes).row(n, n) for k, n in counts.items()]


def legacy_rows(prog, memcg, nr_nodes):
    rows = []
    for cache in list_for_each_entry("struct kmem_cache", memcg.kmem_caches.address_of_(), "memcg_params.kmem_caches_node"):
        root = cache.memcg_params.root_cache
        name = (root if root.value_() else cache).name.string_().decode()
        rows.append(CacheFacts(cache, nr_nodes, name).row())
    return rows


def main():
    ap = argparse.ArgumentParser(description="per-memcg slab usage in /proc/slabinfo format")
    ap.add_argument("--json", action="store_true", help="print JSON rows instead of text")
    ap.add_argument("cgroup", metavar="CGROUP_DIR", help="cgroup directory of the memory cgroup")
    args = ap.parse_args()

    memcg = find_memcg(prog, os.stat(args.cgroup).st_ino)  # noqa: F821 (prog comes from drgn)
    if memcg is None:
        sys.stderr.write("slabinfo_check.py: no memory cgroup at %s\n" % args.cgroup)
        sys.exit(1)
    if type_exists(prog, "struct kmem_cache") and prog.type("struct kmem_cache").members[1].name != "flags":  # noqa: F821
        sys.stderr.write("slabinfo_check.py: only SLUB is supported\n")
        sys.exit(1)
    nr_nodes = prog["nr_online_nodes"].value_()  # noqa: F821
    if type_exists(prog, "struct obj_cgroup"):  # noqa: F821
        mode, rows = "obj_cgroup", objcg_rows(prog, memcg, nr_nodes)  # noqa: F821
    else:
        mode, rows = "legacy", legacy_rows(prog, memcg, nr_nodes)  # noqa: F821

    if args.json:
        json.dump({"mode": mode, "rows": rows}, sys.stdout)
        sys.stdout.write("\n")
        return
    print(HEADER)
    for r in rows:
        print(
            LINE
            % (
                r["name"],
                r["activeObjs"],
                r["numObjs"],
                r["objSize"],
                r["objPerSlab"],
                r["pagesPerSlab"],
                0,
                0,
                0,
                r["activeSlabs"],
                r["numSlabs"],
                0,
            )
        )


main()
