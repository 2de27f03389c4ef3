/**
 * The allocation entry points: kmem_cache_alloc / kmem_cache_free and kmalloc / kfree, with the
 * slab controller's hooks around SLUB. Requests above KMALLOC_MAX_CACHE_SIZE go to the page
 * allocator (kmalloc_large), counted as unreclaimable slab and charged as pages if accounted.
 */
import type { Kernel } from './kernel.js';
import type { KmemCache } from './slab_common.js';
import type { Task } from './task.js';
import { ALLOC_FAILED, slubAlloc, slubFree } from './slub.js';
import { kmallocIndex } from './slab_common.js';
import { PageKind } from './page_alloc.js';
import { memcgKmemCharge, memcgKmemUncharge } from './memcontrol.js';
import { cssGet, cssPut } from './cgroup.js';
import { Stat } from './memcg_stat.js';

export { ALLOC_FAILED };


/**
 * kmem_cache_alloc from `task`'s context (null: kernel or interrupt context, on `onCpu`);
 * returns the address or ALLOC_FAILED.
 */
export function kmemCacheAlloc(k: Kernel, s: KmemCache, task: Task | null, account = false, onCpu?: number): number {
  const cpu = onCpu ?? (task ? task.cpu : 0);
  k.allocCpu = cpu;
  k.allocTask = task;
  const target = k.kmem.preAlloc(k, s, task, account, cpu);
  if (target === null) return ALLOC_FAILED;
  const addr = slubAlloc(k, target, cpu);
  if (addr === ALLOC_FAILED) {
    k.kmem.allocFailed(k, target, cpu);
    return ALLOC_FAILED;
  }
  k.kmem.postAlloc(k, target, k.slabs.lastSlab, k.slabs.lastIdx, cpu);
  return addr;
}

/** The cache an object lives in. */
export function cacheOfObject(k: Kernel, addr: number): KmemCache | null {
  const slab = k.pages.slabOf(Math.floor(addr / k.pageSize));
  return slab >= 0 ? k.caches[k.slabs.cache[slab]] : null;
}

/** kmem_cache_free / kfree of a slab object, freed on `cpu`. */
export function kmemCacheFree(k: Kernel, addr: number, cpu: number): void {
  const pfn = Math.floor(addr / k.pageSize);
  const slab = k.pages.slabOf(pfn);
  if (slab < 0) {
    if (k.pages.kind[pfn] === PageKind.KmallocLarge) return kfreeLarge(k, pfn);
    throw new Error(`kfree of a non-slab address ${addr}`);
  }
  const s = k.caches[k.slabs.cache[slab]];
  const idx = (addr - k.slabs.pfn[slab] * k.pageSize) / s.size;
  k.kmem.freeHook(k, s, slab, idx, cpu);
  slubFree(k, s, slab, idx, cpu);
}

/** kmalloc(size, flags) from `task`'s context. */
export function kmalloc(k: Kernel, size: number, task: Task | null, account: boolean, reclaimable: boolean): number {
  // KMALLOC_MAX_CACHE_SIZE: the largest kmalloc cache
  if (size > k.kmalloc[k.kmalloc.length - 1].objectSize) return kmallocLarge(k, size, task, account);
  const idx = kmallocIndex(size);
  const s = reclaimable ? k.kmallocRcl[idx] : k.kmalloc[idx];
  return kmemCacheAlloc(k, s, task, account);
}

/** An unaccounted kernel-context kmalloc on a node (e.g. an obj_cgroup vector). */
export function kmallocRaw(k: Kernel, size: number, _nid: number): number {
  const saveCpu = k.allocCpu;
  const saveTask = k.allocTask;
  const addr = kmalloc(k, size, null, false, false);
  k.allocCpu = saveCpu;
  k.allocTask = saveTask;
  return addr;
}

export function kfreeRaw(k: Kernel, addr: number): void {
  if (addr > 0) kmemCacheFree(k, addr, 0);
}

function pageOrder(k: Kernel, size: number): number {
  let order = 0;
  while (k.pageSize << order < size) order++;
  return order;
}

/** kmalloc_large: whole pages, NR_SLAB_UNRECLAIMABLE_B, page-level memcg charge if accounted. */
function kmallocLarge(k: Kernel, size: number, task: Task | null, account: boolean): number {
  const order = pageOrder(k, size);
  const nr = 1 << order;
  const cpu = task ? task.cpu : 0;
  const memcg = account && k.kmem.kmemEnabled && task && !task.kthread && task.memcg.parent ? task.memcg : null;
  if (memcg && !memcgKmemCharge(k, memcg, nr, { cpu, task })) return ALLOC_FAILED;
  const pfn = k.pages.alloc(order, k.cpuNode[cpu], PageKind.KmallocLarge);
  if (pfn < 0) {
    if (memcg) memcgKmemUncharge(k, memcg, nr);
    return ALLOC_FAILED;
  }
  if (memcg) {
    k.pages.memcgId[pfn] = memcg.id;
    cssGet(memcg, nr);
    memcg.stat[Stat.SlabUnreclaimable] += nr * k.pageSize;
  }
  return pfn * k.pageSize;
}

function kfreeLarge(k: Kernel, pfn: number): void {
  const order = k.pages.headOrder[pfn];
  const nr = 1 << order;
  const id = k.pages.memcgId[pfn];
  if (id) {
    const memcg = k.memcgById.get(id)!;
    memcg.stat[Stat.SlabUnreclaimable] -= nr * k.pageSize;
    memcgKmemUncharge(k, memcg, nr);
    cssPut(k, memcg, nr);
  }
  k.pages.free(pfn, order);
}
