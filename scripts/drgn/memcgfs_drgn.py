#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Run drgn scripts against a memcgfs kernel image.

A memcgfs image (written by `memcgfs drgn`, src/inspect/image.ts) is a directory holding
memcgfs.core, an ELF core whose PT_LOAD segments map the simulated kernel's virtual addresses,
and memcgfs.json, the struct layouts of the image's kernel profile (generated from the
TypeScript layout registry, src/inspect/layouts.ts), its global variables and constants, and
its cgroup directories.

This adapter builds a drgn.Program from it the way drgn's CLI builds one for a vmcore: memory
comes from the core file (read natively by drgn), types from a type finder over the layout
table, variables and constants (including the ones drgn derives from VMCOREINFO on a real
kernel: vmemmap, PAGE_SIZE, PAGE_SHIFT, PAGE_MASK) from an object finder. Then it runs a
script with `prog` in its globals and its own argv, as `drgn script.py args...` does.

Shims for things only a real kernel program has (drgn 0.0.22 cannot flag a blank program as a
Linux kernel):
  * drgn.helpers.linux.mm's direct-map offset helper returns PAGE_OFFSET (page_to_virt,
    virt_to_page and the slab helpers built on them work);
  * os.stat of a directory under a cgroup file-system prefix (/sys/fs/cgroup, and any
    --cgroupfs-prefix, e.g. a mount's sys/fs/cgroup) answers from the image's cgroup tree with
    st_ino = the kernfs node id, which is what cgroupfs reports and what tools such as
    memcg_slabinfo.py look up.

Usage: /usr/bin/python3 memcgfs_drgn.py --image DIR [--cgroupfs-prefix P]... [SCRIPT [ARGS...]]
Without SCRIPT, an interactive console with prog and drgn.helpers.linux.
"""

import argparse
import errno
import json
import os
import runpy
import stat as stat_mod
import sys

try:
    import drgn
    from drgn import FindObjectFlags, Object, Program, TypeEnumerator, TypeKind, TypeMember
except ImportError:  # pragma: no cover - reported to the user
    sys.stderr.write(
        "memcgfs drgn: cannot import drgn; install Debian's python3-drgn and run this with "
        "/usr/bin/python3 (a pyenv python does not see Debian's packages)\n"
    )
    sys.exit(3)

CORE_FILE = "memcgfs.core"
META_FILE = "memcgfs.json"
IMAGE_FORMAT = "memcgfs-drgn-image"


class ImageTypes:
    """drgn types built on demand from the image's layout table."""

    KIND_KEYS = {
        TypeKind.STRUCT: "struct",
        TypeKind.UNION: "union",
        TypeKind.ENUM: "enum",
        TypeKind.TYPEDEF: "typedef",
    }

    def __init__(self, prog, layout):
        self.prog = prog
        self.decls = {}
        for t in layout["types"]:
            if t["kind"] == "typedef":
                self.decls[("typedef", t["name"])] = t
            else:
                self.decls[(t["kind"], t["tag"])] = t
        self.built = {}

    def names(self):
        return self.decls.keys()

    def find(self, kind, name, filename=None):
        key = (self.KIND_KEYS.get(kind), name)
        if key not in self.decls:
            return None
        t = self.built.get(key)
        if t is None:
            t = self._build(self.decls[key])
            self.built[key] = t
        return t

    def _ref(self, tname):
        if isinstance(tname, dict):
            return self._build(tname)
        return self.prog.type(tname)

    def _member(self, m):
        t = m["type"]
        bits = m.get("bits")
        if bits:
            return TypeMember(
                lambda t=t, bits=bits: Object(self.prog, self._ref(t), bit_field_size=bits),
                m["name"],
                m["bitOffset"],
            )
        return TypeMember(lambda t=t: self._ref(t), m["name"], m["bitOffset"])

    def _build(self, t):
        kind = t["kind"]
        if kind in ("struct", "union"):
            ctor = self.prog.struct_type if kind == "struct" else self.prog.union_type
            return ctor(t["tag"], t["size"], [self._member(m) for m in t["members"]])
        if kind == "enum":
            return self.prog.enum_type(
                t["tag"],
                self.prog.type(t["compat"]),
                [TypeEnumerator(name, value) for name, value in t["values"]],
            )
        if kind == "typedef":
            return self.prog.typedef_type(t["name"], self._ref(t["target"]))
        raise ValueError("unknown type kind %r" % kind)


def load_image(image_dir):
    """Returns (prog, meta) for an image directory."""
    with open(os.path.join(image_dir, META_FILE)) as f:
        meta = json.load(f)
    if meta.get("format") != IMAGE_FORMAT:
        raise SystemExit("memcgfs drgn: %s is not a memcgfs drgn image" % image_dir)
    prog = Program()
    prog.set_core_dump(os.path.join(image_dir, CORE_FILE))
    types = ImageTypes(prog, meta["layout"])
    prog.add_type_finder(types.find)

    variables = {s["name"]: (s["type"], int(s["address"], 16)) for s in meta["symbols"]}
    constants = {}
    for c in meta["constants"]:
        v = c["value"]
        constants[c["name"]] = (c["type"], int(v, 16) if v.startswith("0x") else int(v))

    def find_object(prog, name, flags, filename):
        if flags & FindObjectFlags.VARIABLE and name in variables:
            tname, addr = variables[name]
            return Object(prog, tname, address=addr)
        if flags & FindObjectFlags.CONSTANT and name in constants:
            tname, value = constants[name]
            return Object(prog, tname, value=value)
        return None

    prog.add_object_finder(find_object)
    prog.cache["memcgfs_meta"] = meta
    return prog, meta


def install_shims(prog, meta, prefixes):
    """The direct-map offset and the cgroupfs stat shims (see the module docstring)."""
    page_offset = int(meta["pageOffset"], 16)
    import drgn.helpers.linux.mm as mm

    mm._linux_helper_direct_mapping_offset = lambda prog_: page_offset

    v1 = meta["cgroupVersion"] == "v1"
    inos = {c["path"]: c["ino"] for c in meta["cgroups"] if c["online"]}
    real_stat = os.stat
    prefixes = [os.path.abspath(p) for p in prefixes]

    def cgroupfs_stat(path, *args, **kwargs):
        if isinstance(path, int):
            return real_stat(path, *args, **kwargs)
        p = os.path.abspath(os.fsdecode(path))
        for prefix in prefixes:
            if p == prefix or p.startswith(prefix + "/"):
                rel = p[len(prefix):] or "/"
                if v1:
                    if not (rel == "/memory" or rel.startswith("/memory/")):
                        break
                    rel = rel[len("/memory"):] or "/"
                ino = inos.get(rel)
                if ino is None:
                    raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
                return os.stat_result((stat_mod.S_IFDIR | 0o755, ino, 0, 2, 0, 0, 0, 0, 0, 0))
        return real_stat(path, *args, **kwargs)

    os.stat = cgroupfs_stat
    if hasattr(drgn, "set_default_prog"):
        drgn.set_default_prog(prog)


def run_script(prog, script, args):
    sys.argv = [script] + list(args)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, init_globals={"prog": prog}, run_name="__main__")


def interact(prog):
    import code

    import drgn.helpers.linux as helpers

    env = {"prog": prog, "drgn": drgn}
    env.update({k: getattr(helpers, k) for k in helpers.__all__})
    env.update({k: getattr(drgn, k) for k in ("Object", "cast", "container_of", "sizeof", "offsetof", "NULL", "FaultError")})
    code.interact(banner="memcgfs drgn %s (profile %s): prog is set" % (drgn.__version__, prog.cache["memcgfs_meta"]["profile"]), local=env)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="memcgfs_drgn.py", description="run a drgn script against a memcgfs image")
    ap.add_argument("--image", required=True, help="image directory (memcgfs.core + memcgfs.json)")
    ap.add_argument(
        "--cgroupfs-prefix",
        action="append",
        default=[],
        help="directory that stands for the image's cgroup file system (default /sys/fs/cgroup; repeatable)",
    )
    ap.add_argument("script", nargs="?", help="drgn script to run")
    ap.add_argument("args", nargs=argparse.REMAINDER, help="the script's arguments")
    opts = ap.parse_args(argv)
    prog, meta = load_image(opts.image)
    install_shims(prog, meta, ["/sys/fs/cgroup"] + opts.cgroupfs_prefix)
    if opts.script is None:
        interact(prog)
        return 0
    run_script(prog, opts.script, opts.args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
