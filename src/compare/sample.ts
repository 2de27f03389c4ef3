/**
 * One sample of what the thread's report sampled every 5 s: the workload cgroup's v1 counters
 * (memory.kmem.usage_in_bytes, memory.usage_in_bytes), /proc/meminfo Slab, and — from the
 * slab internals (utilization.ts) — slab pages, utilization and the number of kmem_caches,
 * plus cgroup.stat nr_dying_descendants of the root.
 */
import { cgroupByPath, cgroupStat, meminfo, memcgCounterInfo, memcgV1UsageBytes } from '../kernel/index.js';
import type { Kernel } from '../kernel/index.js';
import { slabUtilization } from './utilization.js';

export interface Sample {
  /** virtual ns since the workload started */
  tNs: number;
  /** memory.kmem.usage_in_bytes of the workload cgroup (0 while it does not exist) */
  kmemBytes: number;
  /** memory.usage_in_bytes of the workload cgroup */
  memoryBytes: number;
  /** /proc/meminfo Slab: (SReclaimable + SUnreclaim), kB */
  slabKb: number;
  slabPages: number;
  /** live slot bytes / slab bytes */
  utilization: number;
  nrCaches: number;
  /** cgroup.stat nr_dying_descendants of the root cgroup */
  nrDying: number;
}

export function takeSample(k: Kernel, cgroup: string, tNs: number): Sample {
  const cg = cgroupByPath(k, cgroup);
  const m = meminfo(k);
  const u = slabUtilization(k);
  return {
    tNs,
    kmemBytes: cg ? memcgCounterInfo(k, cg, 'kmem').usageBytes : 0,
    memoryBytes: cg ? (cg.parent ? memcgV1UsageBytes(k, cg, 'memory') : memcgCounterInfo(k, cg, 'memory').usageBytes) : 0,
    slabKb: ((m.slabReclaimablePages + m.slabUnreclaimablePages) * k.pageSize) / 1024,
    slabPages: u.slabPages,
    utilization: u.utilization,
    nrCaches: u.nrCaches,
    nrDying: cgroupStat(k, k.rootMemcg).nrDyingDescendants,
  };
}
