/**
 * SLUB (drgn.helpers.linux.slab, plus the usage helpers of newer drgn): caches in slab_caches
 * order, slabs, allocated objects and per-object lookups. Object counts here are exact: a free
 * object is one on its slab's freelist, whichever list (CPU, CPU partial, node partial) the slab
 * is on; `slubGetSlabinfo` gives the kernel's own /proc/slabinfo view, which ignores per-CPU free
 * objects.
 */
import { PAGE_OFFSET } from '../addresses.js';
import type { KmemCacheView, Program, SlabView } from '../program.js';
import { PageKind } from '../kernel_internals.js';
import { blockOfPfn } from './mm.js';

/** for_each_slab_cache: newest first, as the kernel's slab_caches list (list_add at the head). */
export function* forEachSlabCache(prog: Program): Iterable<KmemCacheView> {
  for (let row = prog.snap.caches.count - 1; row >= 0; row--) yield prog.cacheAt(row);
}

/** find_slab_cache: the first cache with that name in slab_caches order, or null. */
export function findSlabCache(prog: Program, name: string): KmemCacheView | null {
  for (const s of forEachSlabCache(prog)) if (s.name === name) return s;
  return null;
}

/** slab_cache_is_merged: the model never merges caches (every refcount is 1). */
export function slabCacheIsMerged(_cache: KmemCacheView): boolean {
  return false;
}

export function slabCacheObjectsPerSlab(cache: KmemCacheView): number {
  return cache.objects;
}

export function slabCacheOrder(cache: KmemCacheView): number {
  return cache.order;
}

export function slabCachePagesPerSlab(cache: KmemCacheView): number {
  return 1 << cache.order;
}

/** Slab rows of each cache (built once per program). */
function slabsByCache(prog: Program): Map<number, number[]> {
  let m = prog.cache.get('slabsByCache') as Map<number, number[]> | undefined;
  if (!m) {
    m = new Map();
    const s = prog.snap.slabs;
    for (let row = 0; row < s.count; row++) {
      let list = m.get(s.cache[row]);
      if (!list) m.set(s.cache[row], (list = []));
      list.push(row);
    }
    prog.cache.set('slabsByCache', m);
  }
  return m;
}

/** Every slab (pfn order), or those of one cache. */
export function* forEachSlab(prog: Program, cache?: KmemCacheView): Iterable<SlabView> {
  if (cache) {
    for (const row of slabsByCache(prog).get(cache.id) ?? []) yield prog.slabAt(row);
    return;
  }
  for (let row = 0; row < prog.snap.slabs.count; row++) yield prog.slabAt(row);
}

/** slab_cache_for_each_allocated_object: addresses of the allocated objects of a cache. */
export function* slabCacheForEachAllocatedObject(cache: KmemCacheView): Iterable<bigint> {
  const prog = cache.prog;
  const size = cache.size;
  for (const slab of forEachSlab(prog, cache)) {
    const free = new Uint8Array(cache.objects);
    for (const i of slab.freeIndices()) free[i] = 1;
    const base = slab.pfn * prog.pageSize;
    for (let i = 0; i < cache.objects; i++) if (!free[i]) yield PAGE_OFFSET + BigInt(base + i * size);
  }
}

export interface SlabObjectInfo {
  slabCache: KmemCacheView;
  slab: SlabView;
  /** start of the object */
  address: bigint;
  /** slot index in its slab (obj_to_index) */
  index: number;
  allocated: boolean;
}

/** slab_object_info: the slab object containing `addr` (a direct-map address), or null. */
export function slabObjectInfo(prog: Program, addr: bigint): SlabObjectInfo | null {
  if (addr < PAGE_OFFSET) return null;
  const off = addr - PAGE_OFFSET;
  if (off >= BigInt(prog.snap.totalPages) * BigInt(prog.pageSize)) return null;
  const kaddr = Number(off);
  const pfn = Math.floor(kaddr / prog.pageSize);
  const blk = blockOfPfn(prog, pfn);
  if (blk < 0) return null;
  const kind = prog.snap.blocks.kind[blk];
  if (kind !== PageKind.SlabReclaimable && kind !== PageKind.SlabUnreclaimable) return null;
  const headPfn = prog.snap.blocks.pfn[blk];
  const s = prog.snap.slabs;
  let row = -1;
  for (let lo = 0, hi = s.count - 1; lo <= hi; ) {
    const mid = (lo + hi) >> 1;
    if (s.pfn[mid] === headPfn) {
      row = mid;
      break;
    }
    if (s.pfn[mid] < headPfn) lo = mid + 1;
    else hi = mid - 1;
  }
  if (row < 0) return null;
  const slab = prog.slabAt(row);
  const cache = slab.cache;
  const index = Math.floor((kaddr - headPfn * prog.pageSize) / cache.size);
  if (index >= cache.objects) return null; // the slab's tail padding
  return {
    slabCache: cache,
    slab,
    address: PAGE_OFFSET + BigInt(headPfn * prog.pageSize + index * cache.size),
    index,
    allocated: slab.isAllocated(index),
  };
}

/** find_containing_slab_cache */
export function findContainingSlabCache(prog: Program, addr: bigint): KmemCacheView | null {
  return slabObjectInfo(prog, addr)?.slabCache ?? null;
}

export interface SlabCacheUsage {
  numSlabs: number;
  /** slots in all slabs */
  numObjs: number;
  /** free slots, wherever they are */
  freeObjs: number;
  activeObjs: number;
  /** free slots by where their slab sits */
  cpuSlabFree: number;
  cpuPartialFree: number;
  nodePartialFree: number;
  /** bytes of slab memory (PAGE_SIZE << order per slab) */
  slabBytes: number;
}

/** slab_cache_usage (drgn >= 0.0.33): counts that include per-CPU free objects. */
export function slabCacheUsage(cache: KmemCacheView): SlabCacheUsage {
  const prog = cache.prog;
  const u: SlabCacheUsage = { numSlabs: 0, numObjs: 0, freeObjs: 0, activeObjs: 0, cpuSlabFree: 0, cpuPartialFree: 0, nodePartialFree: 0, slabBytes: 0 };
  for (const slab of forEachSlab(prog, cache)) {
    u.numSlabs++;
    const free = slab.nrFree;
    u.freeObjs += free;
    const st = slab.state;
    if (st === 'cpu') u.cpuSlabFree += free;
    else if (st === 'cpu_partial') u.cpuPartialFree += free;
    else if (st === 'node_partial') u.nodePartialFree += free;
  }
  u.numObjs = u.numSlabs * cache.objects;
  u.activeObjs = u.numObjs - u.freeObjs;
  u.slabBytes = u.numSlabs * (prog.pageSize << cache.order);
  return u;
}

/** One /proc/slabinfo-style row (the kernel's SlabinfoRow shape). */
export interface SlabinfoRow {
  name: string;
  activeObjs: number;
  numObjs: number;
  objSize: number;
  objPerSlab: number;
  pagesPerSlab: number;
  activeSlabs: number;
  numSlabs: number;
}

/**
 * The kernel's SLUB get_slabinfo() as memcg_slabinfo.py reimplements it: node counters, with
 * active objects = total - free objects on the node partial lists (per-CPU slabs count as full).
 */
export function slubGetSlabinfo(cache: KmemCacheView, name = cache.name): SlabinfoRow {
  let nrSlabs = 0;
  let nrObjs = 0;
  let nrFree = 0;
  for (let nid = 0; nid < cache.prog.nrNodes; nid++) {
    nrSlabs += cache.nrSlabs(nid);
    nrObjs += cache.totalObjects(nid);
    for (const slab of cache.nodePartialSlabs(nid)) nrFree += slab.objects - slab.inuse;
  }
  return {
    name,
    activeObjs: nrObjs - nrFree,
    numObjs: nrObjs,
    objSize: cache.size,
    objPerSlab: cache.objects,
    pagesPerSlab: 1 << cache.order,
    activeSlabs: nrSlabs,
    numSlabs: nrSlabs,
  };
}
