/**
 * Memory-cgroup helpers drgn lacks: a memcg's obj_cgroups (its own and those reparented from
 * dead descendants), a slab's obj_cgroup vector, the owner of a slab object, a legacy memcg's
 * child caches, and what holds a memcg's css references (why a removed cgroup is still dying).
 */
import { pageKindName } from '../snapshot.js';
import type { KmemCacheView, MemCgroupView, ObjCgroupView, Program, SlabView } from '../program.js';
import { slabObjectInfo } from './slab.js';

/** Every live obj_cgroup, by id. */
export function* forEachObjCgroup(prog: Program): Iterable<ObjCgroupView> {
  for (let row = 0; row < prog.snap.objcgs.count; row++) yield prog.objcgById(prog.snap.objcgs.id[row])!;
}

/** memcg->objcg followed by memcg->objcg_list: what memcg_slabinfo.py counts as this memcg's. */
export function memcgObjcgs(memcg: MemCgroupView): ObjCgroupView[] {
  const own = memcg.objcg;
  return own ? [own, ...memcg.objcgList] : memcg.objcgList;
}

/** obj_cgroup->memcg */
export function objCgroupMemcg(objcg: ObjCgroupView): MemCgroupView {
  return objcg.memcg;
}

/** page_objcgs: a slab's obj_cgroup vector (null entries = unaccounted slots), or null. */
export function slabObjcgs(slab: SlabView): Array<ObjCgroupView | null> | null {
  const ids = slab.objcgIds();
  if (!ids) return null;
  return Array.from(ids, (id) => (id ? slab.prog.objcgById(id) : null));
}

/** The obj_cgroup owning the slab object at `addr` (obj_to_index into the vector), or null. */
export function slabObjectObjcg(prog: Program, addr: bigint): ObjCgroupView | null {
  const info = slabObjectInfo(prog, addr);
  if (!info) return null;
  const ids = info.slab.objcgIds();
  if (!ids || !ids[info.index]) return null;
  return prog.objcgById(ids[info.index]);
}

/** mem_cgroup_from_obj: the memcg a slab object is charged to (objcg's memcg, or the legacy child cache's). */
export function memCgroupFromObj(prog: Program, addr: bigint): MemCgroupView | null {
  const objcg = slabObjectObjcg(prog, addr);
  if (objcg) return objcg.memcg;
  const info = slabObjectInfo(prog, addr);
  return info ? info.slabCache.memcg : null;
}

/** legacy: the child caches on memcg->kmem_caches (own and reparented), list order. */
export function memcgKmemCaches(memcg: MemCgroupView): KmemCacheView[] {
  return memcg.kmemCaches;
}

/** legacy memcg_params.root_cache / objcg clone's root; null for a root cache. */
export function kmemCacheRoot(cache: KmemCacheView): KmemCacheView | null {
  return cache.rootCache;
}

/** legacy memcg_params.memcg */
export function kmemCacheMemcg(cache: KmemCacheView): MemCgroupView | null {
  return cache.memcg;
}

/** legacy: every child cache of a root cache (memcg_params.children), dead ones included. */
export function kmemCacheChildren(root: KmemCacheView): KmemCacheView[] {
  const out: KmemCacheView[] = [];
  const c = root.prog.snap.caches;
  for (let row = 0; row < c.count; row++) if (c.rootCache[row] === root.id && c.memcg[row]) out.push(root.prog.cacheAt(row));
  return out;
}

/** What holds the css references of a memcg (mem_cgroup css refcount minus the online base ref). */
export interface CssRefs {
  /** the refcount */
  total: number;
  /** live tasks attached */
  tasks: number;
  /** pages charged one reference each (anon, file, kernel stacks, page tables, kmalloc-large), by kind */
  pages: Record<string, number>;
  nrPages: number;
  /** tasks whose kernel-stack statistic is kept here */
  kernelStacks: number;
  /** obj_cgroups whose memcg this is (one reference each) */
  objcgs: ObjCgroupView[];
  /** CPUs whose page stock caches this memcg */
  stockCpus: number[];
  /** legacy child caches this memcg created that still exist (memcg_link_cache keeps the css) */
  legacyCaches: KmemCacheView[];
  /** references nothing above explains (queued work items hold some) */
  other: number;
}

interface CssRefIndex {
  tasks: Map<number, number>;
  stacks: Map<number, number>;
  pages: Map<number, Record<string, number>>;
  objcgs: Map<number, number[]>;
  stock: Map<number, number[]>;
  creators: Map<number, number[]>;
}

/** Holders of css references, grouped by memcg, built once per program. */
function cssRefIndex(prog: Program): CssRefIndex {
  let ix = prog.cache.get('cssRefIndex') as CssRefIndex | undefined;
  if (ix) return ix;
  const snap = prog.snap;
  ix = { tasks: new Map(), stacks: new Map(), pages: new Map(), objcgs: new Map(), stock: new Map(), creators: new Map() };
  const inc = (m: Map<number, number>, id: number) => m.set(id, (m.get(id) ?? 0) + 1);
  const push = (m: Map<number, number[]>, id: number, v: number) => {
    const l = m.get(id);
    if (l) l.push(v);
    else m.set(id, [v]);
  };
  const t = snap.tasks;
  for (let i = 0; i < t.count; i++) {
    inc(ix.tasks, t.memcg[i]);
    if (t.stackMemcg[i]) inc(ix.stacks, t.stackMemcg[i]);
  }
  const b = snap.blocks;
  for (let i = 0; i < b.count; i++) {
    const id = b.memcg[i];
    if (!id) continue;
    let rec = ix.pages.get(id);
    if (!rec) ix.pages.set(id, (rec = {}));
    const kind = pageKindName(b.kind[i]);
    rec[kind] = (rec[kind] ?? 0) + (1 << b.order[i]);
  }
  const o = snap.objcgs;
  for (let i = 0; i < o.count; i++) push(ix.objcgs, o.memcg[i], o.id[i]);
  for (let cpu = 0; cpu < prog.nrCpus; cpu++) if (snap.stock.pageMemcg[cpu]) push(ix.stock, snap.stock.pageMemcg[cpu], cpu);
  const c = snap.caches;
  for (let row = 0; row < c.count; row++) if (c.creator[row]) push(ix.creators, c.creator[row], row);
  prog.cache.set('cssRefIndex', ix);
  return ix;
}

/** The references pinning a memcg, found by walking the snapshot. */
export function memcgCssRefs(memcg: MemCgroupView): CssRefs {
  const prog = memcg.prog;
  const ix = cssRefIndex(prog);
  const id = memcg.id;
  const pages = { ...(ix.pages.get(id) ?? {}) };
  const refs: CssRefs = {
    total: memcg.refcnt,
    tasks: ix.tasks.get(id) ?? 0,
    pages,
    nrPages: Object.values(pages).reduce((a, n) => a + n, 0),
    kernelStacks: ix.stacks.get(id) ?? 0,
    objcgs: (ix.objcgs.get(id) ?? []).map((o) => prog.objcgById(o)!),
    stockCpus: [...(ix.stock.get(id) ?? [])],
    legacyCaches: (ix.creators.get(id) ?? []).map((row) => prog.cacheAt(row)),
    other: 0,
  };
  const explained = refs.tasks + refs.nrPages + refs.kernelStacks + refs.objcgs.length + refs.stockCpus.length + refs.legacyCaches.length;
  refs.other = refs.total - explained;
  return refs;
}

/** References held on an obj_cgroup: live objects in slab vectors, per-CPU stocks, percpu charges. */
export interface ObjcgRefs {
  total: number;
  objects: number;
  /** objects per cache name */
  byCache: Record<string, number>;
  stockCpus: number[];
  /** memcgs whose per-CPU memory is charged to it */
  percpu: number;
  /** the memcg's own base reference (dropped when killed at offline) */
  base: number;
  other: number;
}

export function objcgRefs(objcg: ObjCgroupView): ObjcgRefs {
  const prog = objcg.prog;
  const snap = prog.snap;
  const refs: ObjcgRefs = { total: objcg.refcnt, objects: 0, byCache: {}, stockCpus: [], percpu: 0, base: objcg.killed ? 0 : 1, other: 0 };
  for (const [cacheId, n] of objcgObjectCounts(prog).get(objcg.id) ?? []) {
    refs.objects += n;
    const name = prog.cacheById(cacheId)!.name;
    refs.byCache[name] = (refs.byCache[name] ?? 0) + n;
  }
  for (let cpu = 0; cpu < prog.nrCpus; cpu++) if (snap.stock.objcg[cpu] === objcg.id) refs.stockCpus.push(cpu);
  const g = snap.cgroups;
  for (let i = 0; i < g.count; i++) if (g.percpuObjcg[i] === objcg.id) refs.percpu++;
  refs.other = refs.total - refs.objects - refs.stockCpus.length - refs.percpu - refs.base;
  return refs;
}

/** objcg id -> (cache id -> live objects in vectors), built once per program. */
export function objcgObjectCounts(prog: Program): Map<number, Map<number, number>> {
  let m = prog.cache.get('objcgObjectCounts') as Map<number, Map<number, number>> | undefined;
  if (m) return m;
  m = new Map();
  const s = prog.snap.slabs;
  for (let row = 0; row < s.count; row++) {
    const start = s.vecStart[row];
    if (start < 0) continue;
    const objects = prog.cacheById(s.cache[row])!.objects;
    for (let i = 0; i < objects; i++) {
      const id = s.vec[start + i];
      if (!id) continue;
      let per = m.get(id);
      if (!per) m.set(id, (per = new Map()));
      per.set(s.cache[row], (per.get(s.cache[row]) ?? 0) + 1);
    }
  }
  prog.cache.set('objcgObjectCounts', m);
  return m;
}
