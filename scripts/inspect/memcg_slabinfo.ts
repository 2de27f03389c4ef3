/**
 * memcg_slabinfo CGROUP: a port of the patchset's tools/cgroup/memcg_slabinfo.py (v5.11 text)
 * to the TypeScript inspection API — same argument, same output, same numbers, quirks included:
 *  - CGROUP is a cgroup directory (or a hierarchy path such as /a/b); the root cgroup cannot be
 *    queried ("Can't find the memory cgroup", the script only records descendants);
 *  - obj_cgroup kernels: per cache, the slots whose obj_cgroup is the memcg's own or one
 *    reparented from a dead descendant (live children are not included), found by walking every
 *    slab page's obj_cgroup vector in pfn order; active_objs = num_objs = that count, while the
 *    slabdata columns are the WHOLE cache's;
 *  - legacy kernels: every cache on memcg->kmem_caches (reparented dead children's included, so a
 *    name can repeat), named after its root cache, with that child cache's own SLUB numbers
 *    (free objects counted on node partial lists only, like /proc/slabinfo);
 *  - the header line, then one '%-17s %6lu %6lu %6u %4u %4d : tunables ...' line per cache.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import type { InspectScript, ScriptContext } from '../../src/inspect/script.js';
import { ScriptError, parseScriptArgs } from '../../src/inspect/script.js';
import type { MemCgroupView, Program } from '../../src/inspect/program.js';
import { cgroupFromIno, cgroupGetFromPath, cgroupPath } from '../../src/inspect/helpers/cgroup.js';
import { memcgObjcgs, memcgKmemCaches } from '../../src/inspect/helpers/memcg.js';
import { forEachSlab, slubGetSlabinfo, type SlabinfoRow } from '../../src/inspect/helpers/slab.js';

export const SLABINFO_HEADER =
  '# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>';

/** One output line, printf '%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu %6lu'. */
export function formatSlabinfoLine(r: SlabinfoRow): string {
  const n = (v: number, w: number) => String(v).padStart(w);
  return (
    `${r.name.padEnd(17)} ${n(r.activeObjs, 6)} ${n(r.numObjs, 6)} ${n(r.objSize, 6)} ${n(r.objPerSlab, 4)} ${n(r.pagesPerSlab, 4)}` +
    ` : tunables ${n(0, 4)} ${n(0, 4)} ${n(0, 4)} : slabdata ${n(r.activeSlabs, 6)} ${n(r.numSlabs, 6)} ${n(0, 6)}`
  );
}

/** Does the kernel shape have struct obj_cgroup (the script's shared_slab_pages test)? */
export function sharedSlabPages(prog: Program): boolean {
  return prog.controller !== 'legacy';
}

/** The rows memcg_slabinfo prints for a memcg. */
export function memcgSlabinfoRows(memcg: MemCgroupView): SlabinfoRow[] {
  const prog = memcg.prog;
  if (!sharedSlabPages(prog)) {
    return memcgKmemCaches(memcg).map((c) => slubGetSlabinfo(c, (c.rootCache ?? c).name));
  }
  const ids = new Set(memcgObjcgs(memcg).map((o) => o.id));
  const counts = new Map<number, number>();
  if (ids.size > 0) {
    for (const slab of forEachSlab(prog)) {
      const vec = slab.objcgIds();
      if (!vec) continue;
      let n = 0;
      for (let i = 0; i < vec.length; i++) if (vec[i] && ids.has(vec[i])) n++;
      if (!n) continue;
      const id = slab.cache.id;
      counts.set(id, (counts.get(id) ?? 0) + n);
    }
  }
  return [...counts].map(([id, n]) => ({ ...slubGetSlabinfo(prog.cacheById(id)!), activeObjs: n, numObjs: n }));
}

/**
 * Resolves the CGROUP argument: a directory of the cgroup file system (/sys/fs/cgroup/..., or
 * <mount>/sys/fs/cgroup/... for a mount), or a hierarchy path ('/a/b'). Like the script, only
 * non-root memcgs are found.
 */
export function resolveCgroupArgument(prog: Program, arg: string, ctx: ScriptContext = {}): MemCgroupView | null {
  const prefixes: string[] = [];
  if (ctx.mountDir) prefixes.push(path.join(path.resolve(ctx.mountDir), 'sys/fs/cgroup'));
  prefixes.push('/sys/fs/cgroup');
  let rel: string | null = null;
  const abs = arg.startsWith('/') ? path.normalize(arg) : path.resolve(arg);
  for (const p of prefixes) {
    if (abs === p || abs.startsWith(p + '/')) {
      rel = abs.slice(p.length) || '/';
      break;
    }
  }
  let cg: MemCgroupView | null = null;
  if (rel !== null) {
    if (prog.snap.cgroupVersion === 'v1') {
      if (!(rel === '/memory' || rel.startsWith('/memory/'))) return null;
      rel = rel.slice('/memory'.length) || '/';
    }
    cg = cgroupGetFromPath(prog, rel);
  } else if (arg.startsWith('/')) {
    cg = cgroupGetFromPath(prog, arg);
  }
  if (!cg && ctx.mountDir) {
    // a directory elsewhere: its inode number is the kernfs id, as the script assumes
    try {
      cg = cgroupFromIno(prog, statSync(arg).ino);
    } catch {
      cg = null;
    }
  }
  return cg && !cg.isRoot ? cg : null;
}

export interface MemcgSlabinfoData {
  cgroup: string;
  ino: number;
  mode: 'obj_cgroup' | 'legacy';
  rows: SlabinfoRow[];
}

export const script: InspectScript<MemcgSlabinfoData> = {
  name: 'memcg_slabinfo',
  summary: "a memory cgroup's slab usage in /proc/slabinfo format (tools/cgroup/memcg_slabinfo.py)",
  usage: 'CGROUP',
  collect(prog, args, ctx) {
    const { positional } = parseScriptArgs(args, {});
    if (positional.length !== 1) throw new ScriptError('usage: memcg_slabinfo CGROUP', 2);
    const memcg = resolveCgroupArgument(prog, positional[0], ctx);
    // the upstream tool's message, with the tool's original name
    if (!memcg) throw new ScriptError("slabinfo.py: error: Can't find the memory cgroup", 1);
    return {
      cgroup: cgroupPath(memcg),
      ino: memcg.ino,
      mode: sharedSlabPages(prog) ? 'obj_cgroup' : 'legacy',
      rows: memcgSlabinfoRows(memcg),
    };
  },
  format(data) {
    return [SLABINFO_HEADER, ...data.rows.map(formatSlabinfoLine)].join('\n') + '\n';
  },
};
