/**
 * SLUB, the allocator. Theory of operation (as mm/slub.c):
 *
 * A slab is 2^order pages cut into `objects` slots of `size` bytes. Each slab is in one state:
 *  - CPU: the active slab of one CPU (frozen); allocations on that CPU pop its freelist, and
 *    frees of its objects push onto it, without touching any list;
 *  - CPU_PARTIAL: on a CPU's partial list (frozen), waiting to become the active slab;
 *  - NODE_PARTIAL: on its node's partial list, with at least one free slot (or empty, kept
 *    because the node has fewer than min_partial partial slabs);
 *  - FULL: every slot in use, on no list.
 * When the active slab runs dry the CPU takes its next per-CPU partial slab, else a batch from
 * the node partial list (until more than cpu_partial/2 free objects are held), else a new slab.
 * A free into a full slab freezes it onto the freeing CPU's partial list; once that list holds
 * more than cpu_partial free objects it is unfrozen onto the node lists. An empty slab is
 * returned to the page allocator when its node already keeps min_partial partial slabs.
 *
 * Storage is a struct of typed arrays indexed by slab id; each slab's freelist is an index
 * chain in a per-slab Int32Array (one array per slab, none per slot). An object is addressed by
 * its simulated physical address: pfn * PAGE_SIZE + index * size.
 */
import type { Kernel } from './kernel.js';
import type { KmemCache } from './slab_common.js';
import { PageKind } from './page_alloc.js';

export const SLAB_NONE = 0;
export const SLAB_CPU = 1;
export const SLAB_CPU_PARTIAL = 2;
export const SLAB_NODE_PARTIAL = 3;
export const SLAB_FULL = 4;

export class SlabTable {
  capacity = 0;
  cache: Int32Array = new Int32Array(0);
  pfn: Int32Array = new Int32Array(0);
  inuse: Int32Array = new Int32Array(0);
  freeHead: Int32Array = new Int32Array(0);
  state: Uint8Array = new Uint8Array(0);
  next: Int32Array = new Int32Array(0);
  prev: Int32Array = new Int32Array(0);
  node: Uint8Array = new Uint8Array(0);
  cpu: Int32Array = new Int32Array(0);
  /** legacy: css id the slab's pages were charged to (0 = none) */
  charged: Int32Array = new Int32Array(0);
  /** next-free index chain per slab */
  links: Array<Int32Array | null> = [];
  /** obj_cgroup vector per slab (objcg ids; 0 = unaccounted), allocated on demand. */
  objcgs: Array<Int32Array | null> = [];
  /** handle of the kmalloc'ed vector object backing `objcgs` (for its own free). */
  vecHandle: Float64Array = new Float64Array(0);
  private freeIds: number[] = [];
  nrLive = 0;
  /** slab and slot of the last successful slubAlloc (saves the caller an address decode) */
  lastSlab = -1;
  lastIdx = -1;

  constructor() {
    this.grow(1024);
  }

  private grow(cap: number): void {
    const g = <T extends Int32Array | Uint8Array | Float64Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(cap);
      b.set(a);
      return b;
    };
    this.cache = g(this.cache, Int32Array);
    this.pfn = g(this.pfn, Int32Array);
    this.inuse = g(this.inuse, Int32Array);
    this.freeHead = g(this.freeHead, Int32Array);
    this.state = g(this.state, Uint8Array);
    this.next = g(this.next, Int32Array);
    this.prev = g(this.prev, Int32Array);
    this.node = g(this.node, Uint8Array);
    this.cpu = g(this.cpu, Int32Array);
    this.charged = g(this.charged, Int32Array);
    this.vecHandle = g(this.vecHandle, Float64Array);
    for (let i = this.capacity; i < cap; i++) {
      this.links.push(null);
      this.objcgs.push(null);
    }
    // hand out low ids first
    for (let i = cap - 1; i >= this.capacity; i--) this.freeIds.push(i);
    this.capacity = cap;
  }

  allocId(): number {
    if (this.freeIds.length === 0) this.grow(this.capacity * 2);
    this.nrLive++;
    return this.freeIds.pop()!;
  }

  releaseId(id: number): void {
    this.state[id] = SLAB_NONE;
    this.links[id] = null;
    this.objcgs[id] = null;
    this.nrLive--;
    this.freeIds.push(id);
  }
}

/** Result of an allocation that found no memory. */
export const ALLOC_FAILED = -1;

/** Allocates one object from `s` on `cpu`; returns its address or ALLOC_FAILED. */
export function slubAlloc(k: Kernel, s: KmemCache, cpu: number): number {
  const t = k.slabs;
  const slab = s.cpuSlab[cpu];
  if (slab >= 0) {
    const idx = t.freeHead[slab];
    if (idx >= 0) {
      t.freeHead[slab] = t.links[slab]![idx];
      t.inuse[slab]++;
      s.nrAllocated++;
      s.nrAllocs++;
      t.lastSlab = slab;
      t.lastIdx = idx;
      return t.pfn[slab] * k.pageSize + idx * s.size;
    }
  }
  return slubAllocSlow(k, s, cpu);
}

function slubAllocSlow(k: Kernel, s: KmemCache, cpu: number): number {
  const t = k.slabs;
  let slab = s.cpuSlab[cpu];
  if (slab >= 0) {
    // the active slab is exhausted: it is unfrozen as a full slab (on no list)
    t.state[slab] = SLAB_FULL;
    s.cpuSlab[cpu] = -1;
  }
  slab = s.cpuPartial[cpu];
  if (slab >= 0) {
    s.cpuPartial[cpu] = t.next[slab];
    s.cpuPartialObjects[cpu] = s.cpuPartial[cpu] >= 0 ? Math.max(0, s.cpuPartialObjects[cpu] - (s.objects - t.inuse[slab])) : 0;
  } else {
    slab = getPartialNode(k, s, cpu, k.cpuNode[cpu]);
    if (slab < 0) {
      slab = newSlab(k, s, k.cpuNode[cpu]);
      if (slab < 0) return ALLOC_FAILED;
    }
  }
  t.state[slab] = SLAB_CPU;
  t.cpu[slab] = cpu;
  s.cpuSlab[cpu] = slab;
  const idx = t.freeHead[slab];
  t.freeHead[slab] = t.links[slab]![idx];
  t.inuse[slab]++;
  s.nrAllocated++;
  s.nrAllocs++;
  t.lastSlab = slab;
  t.lastIdx = idx;
  return t.pfn[slab] * k.pageSize + idx * s.size;
}

/** get_partial_node: the first slab becomes the CPU slab, more go to the CPU partial list. */
function getPartialNode(k: Kernel, s: KmemCache, cpu: number, nid: number): number {
  const t = k.slabs;
  let first = -1;
  let available = 0;
  for (let n = 0; n < s.nodePartialHead.length && first < 0; n++) {
    const node = (nid + n) % s.nodePartialHead.length;
    while (s.nodePartialHead[node] >= 0) {
      const slab = s.nodePartialHead[node];
      removePartial(k, s, slab);
      available += s.objects - t.inuse[slab];
      if (first < 0) first = slab;
      else putCpuPartial(k, s, slab, cpu, false);
      if (available > (s.cpuPartialLimit >> 1)) break;
    }
  }
  return first;
}

function addPartial(k: Kernel, s: KmemCache, slab: number, toTail: boolean): void {
  const t = k.slabs;
  const nid = t.node[slab];
  t.state[slab] = SLAB_NODE_PARTIAL;
  if (s.nodePartialHead[nid] < 0) {
    t.next[slab] = -1;
    t.prev[slab] = -1;
    s.nodePartialHead[nid] = slab;
    s.nodePartialTail[nid] = slab;
  } else if (toTail) {
    const tail = s.nodePartialTail[nid];
    t.next[tail] = slab;
    t.prev[slab] = tail;
    t.next[slab] = -1;
    s.nodePartialTail[nid] = slab;
  } else {
    const head = s.nodePartialHead[nid];
    t.prev[head] = slab;
    t.next[slab] = head;
    t.prev[slab] = -1;
    s.nodePartialHead[nid] = slab;
  }
  s.nrPartial[nid]++;
}

function removePartial(k: Kernel, s: KmemCache, slab: number): void {
  const t = k.slabs;
  const nid = t.node[slab];
  const p = t.prev[slab];
  const n = t.next[slab];
  if (p >= 0) t.next[p] = n;
  else s.nodePartialHead[nid] = n;
  if (n >= 0) t.prev[n] = p;
  else s.nodePartialTail[nid] = p;
  t.next[slab] = -1;
  t.prev[slab] = -1;
  s.nrPartial[nid]--;
}

/** put_cpu_partial (5.x): drain first if the list already holds more than cpu_partial objects. */
function putCpuPartial(k: Kernel, s: KmemCache, slab: number, cpu: number, drain: boolean): void {
  const t = k.slabs;
  if (drain && s.cpuPartial[cpu] >= 0 && s.cpuPartialObjects[cpu] > s.cpuPartialLimit) {
    unfreezePartials(k, s, cpu);
  }
  t.state[slab] = SLAB_CPU_PARTIAL;
  t.cpu[slab] = cpu;
  t.next[slab] = s.cpuPartial[cpu];
  s.cpuPartial[cpu] = slab;
  s.cpuPartialObjects[cpu] += s.objects - t.inuse[slab];
  if (s.cpuPartialLimit === 0) unfreezePartials(k, s, cpu);
}

/** Moves a CPU's partial slabs to the node lists, discarding empty ones beyond min_partial. */
export function unfreezePartials(k: Kernel, s: KmemCache, cpu: number): void {
  const t = k.slabs;
  let slab = s.cpuPartial[cpu];
  s.cpuPartial[cpu] = -1;
  s.cpuPartialObjects[cpu] = 0;
  while (slab >= 0) {
    const next = t.next[slab];
    const nid = t.node[slab];
    if (t.inuse[slab] === 0 && s.nrPartial[nid] >= s.minPartial) discardSlab(k, s, slab);
    else addPartial(k, s, slab, true);
    slab = next;
  }
}

/** deactivate_slab: the CPU gives up its active slab. */
export function deactivateCpuSlab(k: Kernel, s: KmemCache, cpu: number): void {
  const t = k.slabs;
  const slab = s.cpuSlab[cpu];
  if (slab < 0) return;
  s.cpuSlab[cpu] = -1;
  const nid = t.node[slab];
  if (t.inuse[slab] === 0 && s.nrPartial[nid] >= s.minPartial) discardSlab(k, s, slab);
  else if (t.inuse[slab] < s.objects) addPartial(k, s, slab, true);
  else t.state[slab] = SLAB_FULL;
}

/** Frees the object at `addr` belonging to slab `slab` of cache `s`, on `cpu`. */
export function slubFree(k: Kernel, s: KmemCache, slab: number, idx: number, cpu: number): void {
  const t = k.slabs;
  t.links[slab]![idx] = t.freeHead[slab];
  t.freeHead[slab] = idx;
  t.inuse[slab]--;
  s.nrAllocated--;
  s.nrFrees++;
  const st = t.state[slab];
  if (st === SLAB_CPU || st === SLAB_CPU_PARTIAL) return;
  if (st === SLAB_FULL) {
    putCpuPartial(k, s, slab, cpu, true);
    return;
  }
  // on the node partial list
  if (t.inuse[slab] === 0 && s.nrPartial[t.node[slab]] >= s.minPartial) {
    removePartial(k, s, slab);
    discardSlab(k, s, slab);
  }
}

/**
 * new_slab: pages from the buddy allocator, all slots free. Departure: SLUB falls back to the
 * cache's minimum order when a high-order allocation fails; the model keeps one geometry per
 * cache and fails instead (memory is never that fragmented in these workloads).
 */
function newSlab(k: Kernel, s: KmemCache, nid: number): number {
  const order = s.order;
  const objects = s.objects;
  const pfn = k.pages.alloc(order, nid, s.pageKind);
  if (pfn < 0) return -1;
  const t = k.slabs;
  const slab = t.allocId();
  t.cache[slab] = s.id;
  t.pfn[slab] = pfn;
  t.inuse[slab] = 0;
  t.state[slab] = SLAB_NONE;
  t.node[slab] = k.pages.nodeOf(pfn);
  t.next[slab] = -1;
  t.prev[slab] = -1;
  t.cpu[slab] = -1;
  t.vecHandle[slab] = 0;
  const links = s.linkPool.pop() ?? new Int32Array(objects);
  for (let i = 0; i < objects - 1; i++) links[i] = i + 1;
  links[objects - 1] = -1;
  t.links[slab] = links;
  t.freeHead[slab] = 0;
  k.pages.setSlab(pfn, 1 << order, slab);
  if (!k.kmem.slabPageAlloc(k, s, slab, 1 << order)) {
    k.pages.free(pfn, order);
    s.linkPool.push(links);
    t.releaseId(slab);
    return -1;
  }
  const n = t.node[slab];
  s.nrSlabs[n]++;
  s.totalObjects[n] += objects;
  s.nrSlabsAllocated++;
  return slab;
}

/** discard_slab: the pages go back to the buddy allocator. */
export function discardSlab(k: Kernel, s: KmemCache, slab: number): void {
  const t = k.slabs;
  const n = t.node[slab];
  s.nrSlabs[n]--;
  s.totalObjects[n] -= s.objects;
  s.nrSlabsFreed++;
  k.kmem.slabPageFree(k, s, slab, 1 << s.order);
  const links = t.links[slab];
  if (links && s.linkPool.length < 64) s.linkPool.push(links);
  k.pages.free(t.pfn[slab], s.order);
  t.releaseId(slab);
}

/** kmem_cache_shrink: flush per-CPU slabs and free every empty slab, whatever min_partial says. */
export function slubShrink(k: Kernel, s: KmemCache): void {
  const t = k.slabs;
  for (let cpu = 0; cpu < s.cpuSlab.length; cpu++) {
    deactivateCpuSlab(k, s, cpu);
    unfreezePartials(k, s, cpu);
  }
  for (let nid = 0; nid < s.nodePartialHead.length; nid++) {
    let slab = s.nodePartialHead[nid];
    while (slab >= 0) {
      const next = t.next[slab];
      if (t.inuse[slab] === 0) {
        removePartial(k, s, slab);
        discardSlab(k, s, slab);
      }
      slab = next;
    }
  }
}

/** Free slots sitting on node partial lists (what /proc/slabinfo subtracts from num_objs). */
export function nodePartialFreeObjects(k: Kernel, s: KmemCache): number {
  const t = k.slabs;
  let free = 0;
  for (let nid = 0; nid < s.nodePartialHead.length; nid++) {
    for (let slab = s.nodePartialHead[nid]; slab >= 0; slab = t.next[slab]) free += s.objects - t.inuse[slab];
  }
  return free;
}

/** Number of CPU slabs (active + per-CPU partial) of a cache. */
export function cpuSlabCount(k: Kernel, s: KmemCache): number {
  const t = k.slabs;
  let n = 0;
  for (let cpu = 0; cpu < s.cpuSlab.length; cpu++) {
    if (s.cpuSlab[cpu] >= 0) n++;
    for (let slab = s.cpuPartial[cpu]; slab >= 0; slab = t.next[slab]) n++;
  }
  return n;
}

/** The page kind a cache's slabs are counted as. */
export function slabPageKind(reclaimable: boolean): PageKind {
  return reclaimable ? PageKind.SlabReclaimable : PageKind.SlabUnreclaimable;
}
