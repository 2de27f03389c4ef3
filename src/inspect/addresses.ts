/**
 * The simulated kernel's virtual address space (x86_64 layout), shared by the TypeScript API and
 * the drgn image so both report the same address for the same object.
 *
 *   0xffff888000000000  direct map: PAGE_OFFSET + the simulator's object address
 *                       (pfn * PAGE_SIZE + index * size). Structs that the simulator backs with a
 *                       real slab object live inside it: struct mem_cgroup (its kmalloc), the
 *                       cgroup directory's kernfs_node, task_struct, struct pid, obj_cgroup
 *                       vectors. drgn's slab_object_info() therefore finds them in their caches.
 *   0xffffc90000000000  "synthetic heap" (the vmalloc range): structs the simulator keeps as plain
 *                       objects (kmem_cache, kmem_cache_node, obj_cgroup, struct cgroup,
 *                       css_set, names), one window per kind, address = window + id * stride,
 *                       so an address is stable for the object's whole life.
 *   0xffffea0000000000  vmemmap: struct page of pfn N at vmemmap + N * 64.
 *   0xffffffff82000000  kernel data: global variables (slab_caches, root_mem_cgroup, ...).
 *
 * Departure: a struct the kernel would kmalloc but the simulator does not allocate (kmem_cache,
 * obj_cgroup, struct cgroup) is outside the direct map, so slab_object_info() returns None for it.
 */
import { layoutRegistry, PROFILES } from './layouts.js';
import type { Snapshot } from './snapshot.js';

export const PAGE_OFFSET = 0xffff888000000000n;
export const VMEMMAP_START = 0xffffea0000000000n;
export const SYNTH_BASE = 0xffffc90000000000n;
export const KDATA_BASE = 0xffffffff82000000n;
export const STRUCT_PAGE_SIZE = 64;

/** Windows of the synthetic heap. */
export const enum Synth {
  KmemCache = 0,
  KmemCacheNode = 1,
  ObjCgroup = 2,
  MemCgroup = 3,
  Cgroup = 4,
  KernfsNode = 5,
  CssSet = 6,
  TaskStruct = 7,
  Pid = 8,
  CacheName = 9,
  KernfsName = 10,
  MemcgCacheArray = 11,
  XaNode = 12,
  ObjcgVector = 13,
  Percpu = 14,
  MmStruct = 15,
}
const WINDOW_SHIFT = 40n;
/** Bytes between consecutive ids in a window (>= the struct, cache-line multiples). */
const STRIDE: Record<number, number> = {
  [Synth.KmemCache]: 1024,
  [Synth.KmemCacheNode]: 128,
  [Synth.ObjCgroup]: 128,
  [Synth.MemCgroup]: 1024,
  [Synth.Cgroup]: 512,
  [Synth.KernfsNode]: 256,
  [Synth.CssSet]: 128,
  [Synth.TaskStruct]: 512,
  [Synth.Pid]: 128,
  [Synth.CacheName]: 512,
  [Synth.KernfsName]: 256,
  [Synth.MemcgCacheArray]: 1 << 20,
  [Synth.XaNode]: 1024,
  [Synth.ObjcgVector]: 1 << 16,
  [Synth.MmStruct]: 64,
  [Synth.Percpu]: 1 << 28,
};
/** Size of one CPU's per-CPU area, and where kmem_cache_cpu structs start inside it. */
export const PERCPU_UNIT = 1 << 28;
export const CPU_SLAB_PCPU_OFFSET = 0x10000;
export const KMEM_CACHE_CPU_SIZE = 32;

export function synthWindow(kind: Synth): bigint {
  return SYNTH_BASE + (BigInt(kind) << WINDOW_SHIFT);
}

/** Address of item `id` in a synthetic window. */
export function synthAddress(kind: Synth, id: number): bigint {
  return synthWindow(kind) + BigInt(id) * BigInt(STRIDE[kind]);
}

export function synthStride(kind: Synth): number {
  return STRIDE[kind];
}

/** Direct-map address of a simulator object address. */
export function directAddress(kaddr: number): bigint {
  return PAGE_OFFSET + BigInt(kaddr);
}

export function pfnToVirt(pageSize: number, pfn: number): bigint {
  return PAGE_OFFSET + BigInt(pfn) * BigInt(pageSize);
}

export function pfnToPageAddress(pfn: number): bigint {
  return VMEMMAP_START + BigInt(pfn) * BigInt(STRUCT_PAGE_SIZE);
}

/** The simulator address behind a direct-map address, or -1 when `addr` is not in the direct map. */
export function directToKaddr(totalBytes: number, addr: bigint): number {
  if (addr < PAGE_OFFSET) return -1;
  const off = addr - PAGE_OFFSET;
  if (off >= BigInt(totalBytes)) return -1;
  return Number(off);
}

/** __per_cpu_offset[cpu] */
export function perCpuOffset(cpu: number): bigint {
  return synthWindow(Synth.Percpu) + BigInt(cpu) * BigInt(PERCPU_UNIT);
}

/** The __percpu pointer kmem_cache.cpu_slab of a cache. */
export function cpuSlabPercpuPointer(cacheId: number): bigint {
  return BigInt(CPU_SLAB_PCPU_OFFSET + cacheId * KMEM_CACHE_CPU_SIZE);
}

/** Largest size of a struct over every profile (decides whether it fits its slab object). */
function maxStructSize(tag: string): number {
  let size = 0;
  for (const p of PROFILES) size = Math.max(size, layoutRegistry(p).sizeof(`struct ${tag}`));
  return size;
}

/** Finds the slab row holding a simulator address (slab rows are sorted by pfn), or -1. */
export function slabRowOf(snap: Snapshot, kaddr: number): number {
  const pfn = Math.floor(kaddr / snap.pageSize);
  const pfns = snap.slabs.pfn;
  let lo = 0;
  let hi = snap.slabs.count - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (pfns[mid] <= pfn) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Addresses of every struct of a snapshot, computed once. Structs backed by a slab object use
 * it when the object is allocated and large enough; otherwise their synthetic slot.
 */
export class AddressMap {
  private readonly snap: Snapshot;
  private readonly cacheRow = new Map<number, number>();
  readonly memcg = new Map<number, bigint>();
  readonly kernfsNode = new Map<number, bigint>();
  readonly task = new Map<number, bigint>();
  readonly pid = new Map<number, bigint>();

  constructor(snap: Snapshot) {
    this.snap = snap;
    for (let i = 0; i < snap.caches.count; i++) this.cacheRow.set(snap.caches.id[i], i);
    const memcgSize = maxStructSize('mem_cgroup');
    const knSize = maxStructSize('kernfs_node');
    const taskSize = maxStructSize('task_struct');
    const pidSize = maxStructSize('pid');
    const cg = snap.cgroups;
    for (let i = 0; i < cg.count; i++) {
      this.memcg.set(cg.id[i], this.place(cg.structAddr[i], memcgSize) ?? synthAddress(Synth.MemCgroup, cg.id[i]));
      this.kernfsNode.set(cg.id[i], this.place(cg.knAddr[i], knSize) ?? synthAddress(Synth.KernfsNode, cg.id[i]));
    }
    const t = snap.tasks;
    for (let i = 0; i < t.count; i++) {
      this.task.set(t.pid[i], this.place(t.taskStruct[i], taskSize) ?? synthAddress(Synth.TaskStruct, t.pid[i]));
      this.pid.set(t.pid[i], this.place(t.pidObj[i], pidSize) ?? synthAddress(Synth.Pid, t.pid[i]));
    }
  }

  /** The direct-map address of an allocated slab object of at least `size` bytes, else null. */
  private place(kaddr: number, size: number): bigint | null {
    if (!(kaddr > 0)) return null;
    const row = slabRowOf(this.snap, kaddr);
    if (row < 0) return null;
    const s = this.snap.slabs;
    const c = this.cacheRow.get(s.cache[row]);
    if (c === undefined) return null;
    const caches = this.snap.caches;
    const slabBytes = this.snap.pageSize << caches.order[c];
    const off = kaddr - s.pfn[row] * this.snap.pageSize;
    if (off < 0 || off >= slabBytes) return null;
    const objSize = caches.size[c];
    if (objSize < size || off % objSize !== 0) return null;
    const idx = off / objSize;
    if (idx >= caches.objects[c]) return null;
    // must be allocated: not on the slab's freelist
    const nfree = caches.objects[c] - s.inuse[row];
    for (let j = 0; j < nfree; j++) if (s.freeIdx[s.freeStart[row] + j] === idx) return null;
    return directAddress(kaddr);
  }

  kmemCache(cacheId: number): bigint {
    return synthAddress(Synth.KmemCache, cacheId);
  }

  kmemCacheNode(cacheId: number, nid: number): bigint {
    return synthAddress(Synth.KmemCacheNode, cacheId * 64 + nid);
  }

  objCgroup(id: number): bigint {
    return synthAddress(Synth.ObjCgroup, id);
  }

  memCgroup(cssId: number): bigint {
    return this.memcg.get(cssId) ?? synthAddress(Synth.MemCgroup, cssId);
  }

  /** struct cgroup of a css id; the root's is cgrp_dfl_root.cgrp (given by the image's symbols). */
  cgroup(cssId: number, rootCgroupAddress: bigint): bigint {
    return cssId === this.snap.cgroups.id[0] ? rootCgroupAddress : synthAddress(Synth.Cgroup, cssId);
  }

  kernfs(cssId: number): bigint {
    return this.kernfsNode.get(cssId) ?? synthAddress(Synth.KernfsNode, cssId);
  }

  taskStruct(pid: number): bigint {
    return this.task.get(pid) ?? synthAddress(Synth.TaskStruct, pid);
  }

  pidStruct(pid: number): bigint {
    return this.pid.get(pid) ?? synthAddress(Synth.Pid, pid);
  }

  /** The obj_cgroup vector of a slab row (its kmalloc object, or a synthetic slot). */
  objcgVector(row: number): bigint {
    const a = this.snap.slabs.vecAddr[row];
    return a > 0 ? directAddress(a) : synthAddress(Synth.ObjcgVector, this.snap.slabs.pfn[row]);
  }
}
