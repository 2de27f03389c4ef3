/** The per-memcg slab view behind v1 memory.kmem.slabinfo and the memcg_slabinfo tool. */
import type { Kernel } from '../kernel.js';
import type { MemCgroup } from '../cgroup.js';
import type { SlabinfoRow } from '../types.js';

export function memcgSlabinfo(k: Kernel, memcg: MemCgroup): SlabinfoRow[] {
  return k.kmem.memcgSlabinfo(k, memcg);
}
