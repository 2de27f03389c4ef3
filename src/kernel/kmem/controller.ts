/**
 * The seam between the allocator and kmem accounting: a slab controller is an object of hooks
 * (as mm/slab.h's memcg_slab_*_hook), chosen at boot. The allocator never tests configuration.
 */
import type { Kernel } from '../kernel.js';
import type { KmemCache } from '../slab_common.js';
import type { MemCgroup } from '../cgroup.js';
import type { Task } from '../task.js';
import type { ControllerName, SlabinfoRow } from '../types.js';

export interface KmemController {
  readonly name: ControllerName;
  /** Whether kernel memory (stacks, accounted pages, percpu) is charged at all. */
  readonly kmemEnabled: boolean;
  /**
   * slab_pre_alloc_hook: picks the cache to allocate from and charges what must be charged
   * before the object exists; null when the charge failed (the allocation fails).
   */
  preAlloc(k: Kernel, s: KmemCache, task: Task | null, account: boolean, cpu: number): KmemCache | null;
  /** slab_post_alloc_hook for the object just allocated at `addr` (slab, index) from `s`. */
  postAlloc(k: Kernel, s: KmemCache, slab: number, idx: number, cpu: number): void;
  /** The allocation failed after preAlloc: undo its charge. */
  allocFailed(k: Kernel, s: KmemCache, cpu: number): void;
  /** slab_free_hook. */
  freeHook(k: Kernel, s: KmemCache, slab: number, idx: number, cpu: number): void;
  /** account_slab_page / charge_slab_page; false fails the slab allocation. */
  slabPageAlloc(k: Kernel, s: KmemCache, slab: number, nrPages: number): boolean;
  /** unaccount_slab_page / uncharge_slab_page. */
  slabPageFree(k: Kernel, s: KmemCache, slab: number, nrPages: number): void;
  /** The css id /proc/kpagecgroup reports for a slab page (0 = none). */
  slabPageMemcgId(k: Kernel, slab: number): number;
  /** mem_cgroup_from_obj: the memcg owning a slab object (for list_lru), null = root list. */
  objMemcg(k: Kernel, slab: number, idx: number): MemCgroup | null;
  online(k: Kernel, memcg: MemCgroup): void;
  offline(k: Kernel, memcg: MemCgroup): void;
  release(k: Kernel, memcg: MemCgroup): void;
  drainObjStock(k: Kernel, cpu: number): void;
  /** The per-memcg slabinfo view (memory.kmem.slabinfo / memcg_slabinfo). */
  memcgSlabinfo(k: Kernel, memcg: MemCgroup): SlabinfoRow[];
}
