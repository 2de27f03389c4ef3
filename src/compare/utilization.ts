/**
 * Slab utilization, measured the way Roman Gushchin's drgn script estimated it on production
 * hosts: live object bytes over slab page bytes. This is the only module of memcgfs outside the
 * kernel that reads the allocator's internals (read-only): the slab table's per-slab `inuse`
 * counts and cache geometry. Definitions:
 *  - live object bytes: every allocated slot counts s->size bytes (the slot, alignment included;
 *    `objectSize` variants use s->object_size). Free slots count as free wherever they are —
 *    including the free slots of per-CPU slabs and per-CPU partial slabs, which /proc/slabinfo
 *    would report as active.
 *  - slab page bytes: PAGE_SIZE << order for every slab of every cache (root caches, legacy
 *    per-memcg children, objcg's shared "-memcg" clones). kmalloc_large pages are not slabs.
 * Per-cache figures are grouped by root cache name (legacy children and "-memcg" clones are
 * added to the cache they were cloned from).
 */
import type { Kernel, KmemCache } from '../kernel/index.js';

export interface CacheUtilization {
  /** root cache name */
  name: string;
  /** caches that make it up (1 + legacy children / clones) */
  nrCaches: number;
  slabs: number;
  slabPages: number;
  slabBytes: number;
  liveObjects: number;
  /** live objects × s->size */
  liveBytes: number;
  /** live objects × s->object_size */
  liveObjectBytes: number;
  /** liveBytes / slabBytes (0 when there are no slabs) */
  utilization: number;
}

export interface SlabUtilization {
  slabs: number;
  slabPages: number;
  slabBytes: number;
  liveObjects: number;
  liveBytes: number;
  liveObjectBytes: number;
  /** live slot bytes / slab bytes */
  utilization: number;
  /** live object_size bytes / slab bytes */
  utilizationObjectSize: number;
  /** live caches (legacy children and objcg clones included) */
  nrCaches: number;
  perCache: CacheUtilization[];
}

function rootOf(s: KmemCache): KmemCache {
  return s.rootCache ?? s;
}

/** Walks every slab of every cache once. */
export function slabUtilization(k: Kernel): SlabUtilization {
  const t = k.slabs;
  const byRoot = new Map<KmemCache, CacheUtilization>();
  let nrCaches = 0;
  for (const s of k.caches) {
    if (!s || s.destroyed) continue;
    nrCaches++;
    const root = rootOf(s);
    let u = byRoot.get(root);
    if (!u) {
      u = { name: root.name, nrCaches: 0, slabs: 0, slabPages: 0, slabBytes: 0, liveObjects: 0, liveBytes: 0, liveObjectBytes: 0, utilization: 0 };
      byRoot.set(root, u);
    }
    u.nrCaches++;
  }
  for (let id = 0; id < t.capacity; id++) {
    if (!t.links[id]) continue;
    const s = k.caches[t.cache[id]];
    if (!s) continue;
    const u = byRoot.get(rootOf(s))!;
    const inuse = t.inuse[id];
    u.slabs++;
    u.slabPages += 1 << s.order;
    u.slabBytes += k.pageSize << s.order;
    u.liveObjects += inuse;
    u.liveBytes += inuse * s.size;
    u.liveObjectBytes += inuse * s.objectSize;
  }
  const total: SlabUtilization = {
    slabs: 0,
    slabPages: 0,
    slabBytes: 0,
    liveObjects: 0,
    liveBytes: 0,
    liveObjectBytes: 0,
    utilization: 0,
    utilizationObjectSize: 0,
    nrCaches,
    perCache: [],
  };
  for (const u of byRoot.values()) {
    u.utilization = u.slabBytes > 0 ? u.liveBytes / u.slabBytes : 0;
    total.slabs += u.slabs;
    total.slabPages += u.slabPages;
    total.slabBytes += u.slabBytes;
    total.liveObjects += u.liveObjects;
    total.liveBytes += u.liveBytes;
    total.liveObjectBytes += u.liveObjectBytes;
    if (u.slabs > 0) total.perCache.push(u);
  }
  total.utilization = total.slabBytes > 0 ? total.liveBytes / total.slabBytes : 0;
  total.utilizationObjectSize = total.slabBytes > 0 ? total.liveObjectBytes / total.slabBytes : 0;
  total.perCache.sort((a, b) => b.slabBytes - a.slabBytes || a.name.localeCompare(b.name));
  return total;
}
