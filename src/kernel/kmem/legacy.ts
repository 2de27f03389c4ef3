/**
 * The legacy per-memcg kmem_cache controller (5.5-5.8). Every (root cache, memcg) pair gets its
 * own child cache `root(serial:cgroup)`, created by a work item on the memcg's first accounted
 * allocation from that root (until it exists, allocations go to the root cache unaccounted).
 * Whole slab pages are charged to the memcg (and the v1 kmem counter) when a child cache grows,
 * so objects of different memcgs never share a page, and every CPU a task runs on holds its own
 * partly used slabs of each child cache.
 *
 * On offline the memcg's child caches are deactivated (min_partial = cpu_partial = 0, shrunk)
 * and reparented (later uncharges go to the parent), and live on until their last object is
 * freed. Following kernel-spec 12.6 (and the seed), a child cache keeps a reference on the memcg
 * that created it for as long as it exists: one long-lived object keeps the deleted memcg dying.
 */
import type { Kernel } from '../kernel.js';
import type { KmemCache } from '../slab_common.js';
import type { MemCgroup } from '../cgroup.js';
import type { KmemController } from './controller.js';
import type { SlabinfoRow } from '../types.js';
import { Stat } from '../memcg_stat.js';
import { queueWork } from '../clock.js';
import { cacheSlabinfoRow, kmemCacheTryCreate, kmemCacheDestroy } from '../slab_common.js';
import { slubShrink } from '../slub.js';
import { cssGet, cssPut } from '../cgroup.js';
import { memcgKmemCharge, memcgKmemUncharge } from '../memcontrol.js';

export function createLegacyController(k: Kernel): KmemController {
  /** memcg owning each child cache for its whole life (the pinned css). */
  const creator = new Map<KmemCache, MemCgroup>();

  function scheduleCreate(root: KmemCache, memcg: MemCgroup): void {
    if (root.pendingCreate.has(memcg.id)) return;
    root.pendingCreate.add(memcg.id);
    cssGet(memcg); // css_tryget_online for the work item
    queueWork(k, 'memcg_kmem_cache_create', () => {
      root.pendingCreate.delete(memcg.id);
      try {
        if (!memcg.online || root.memcgChildren!.has(memcg.id)) return;
        const child = kmemCacheTryCreate(k, `${root.name}(${memcg.serial}:${memcg.name})`, root.objectSize, root.flags, root);
        // memcg_create_kmem_cache failed: allocations keep going to the root cache; the next one retries
        if (!child) return;
        child.rootCache = root;
        child.memcg = memcg;
        child.refcnt = 1;
        root.children.push(child);
        root.memcgChildren!.set(memcg.id, child);
        memcg.kmemCaches.push(child);
        creator.set(child, memcg);
        cssGet(memcg); // memcg_link_cache
      } finally {
        cssPut(k, memcg);
      }
    });
  }

  function statItem(s: KmemCache): Stat {
    return s.reclaimable ? Stat.SlabReclaimable : Stat.SlabUnreclaimable;
  }

  function maybeDestroy(s: KmemCache): void {
    if (!s.deactivatedFlag || s.slabCount() !== 0 || s.destroyed || s.pendingCreate.has(-2)) return;
    s.pendingCreate.add(-2);
    // kmemcg_cache_shutdown -> shutdown_cache via the workqueue
    queueWork(k, 'kmemcg_cache_shutdown', () => {
      s.pendingCreate.delete(-2);
      if (s.destroyed || s.slabCount() !== 0) return;
      kmemCacheDestroy(k, s);
      const root = s.rootCache!;
      root.children.splice(root.children.indexOf(s), 1);
      const owner = s.memcg!;
      const i = owner.kmemCaches.indexOf(s);
      if (i >= 0) owner.kmemCaches.splice(i, 1);
      const c = creator.get(s)!;
      creator.delete(s);
      cssPut(k, c);
    });
  }

  return {
    name: 'legacy',
    kmemEnabled: true,

    preAlloc(k, s, task, account) {
      if (!account && !s.accounted) return s;
      if (!task || task.kthread) return s;
      const memcg = task.memcg;
      if (!memcg.parent || memcg.kmemcgId < 0) return s;
      if (!s.memcgChildren) s.memcgChildren = new Map();
      const child = s.memcgChildren.get(memcg.id);
      if (!child) {
        scheduleCreate(s, memcg);
        return s;
      }
      return child;
    },

    postAlloc() {},
    allocFailed() {},
    freeHook() {},

    slabPageAlloc(k, s, slab, nrPages) {
      if (!s.memcg) return true;
      // walk up to an online memcg (css_tryget_online): a dead memcg's cache charges its parent
      let memcg: MemCgroup | null = s.memcg;
      while (memcg && !memcg.online) memcg = memcg.parent;
      k.slabs.charged[slab] = 0;
      if (!memcg || !memcg.parent) {
        s.refcnt += nrPages;
        return true;
      }
      if (!memcgKmemCharge(k, memcg, nrPages, { cpu: k.allocCpu, task: k.allocTask })) return false;
      memcg.stat[statItem(s)] += nrPages * k.pageSize;
      k.slabs.charged[slab] = memcg.id;
      s.refcnt += nrPages;
      return true;
    },

    slabPageFree(k, s, slab, nrPages) {
      if (!s.memcg) return;
      s.refcnt -= nrPages;
      if (k.slabs.charged[slab] !== 0) {
        // uncharge_slab_page uses the cache's memcg at free time (the parent after reparenting)
        const memcg = s.memcg;
        memcg.stat[statItem(s)] -= nrPages * k.pageSize;
        memcgKmemUncharge(k, memcg, nrPages);
        k.slabs.charged[slab] = 0;
      }
      if (s.deactivatedFlag && s.slabCount() === 0) maybeDestroy(s);
    },

    slabPageMemcgId(k, slab) {
      const s = k.caches[k.slabs.cache[slab]];
      return s && s.memcg ? s.memcg.id : 0;
    },

    objMemcg(k, slab) {
      const s = k.caches[k.slabs.cache[slab]];
      return s.memcg ?? null;
    },

    online(k, memcg) {
      if (!memcg.parent) return;
      memcg.kmemcgId = k.allocKmemcgId();
    },

    offline(k, memcg) {
      const parent = memcg.parent!;
      // memcg_deactivate_kmem_caches
      for (const root of k.caches) {
        if (!root || root.destroyed || root.rootCache || !root.memcgChildren) continue;
        const child = root.memcgChildren.get(memcg.id);
        if (!child) continue;
        root.memcgChildren.delete(memcg.id);
        child.deactivatedFlag = true;
        child.minPartial = 0;
        child.cpuPartialLimit = 0;
        // after an RCU grace period: shrink, then the cache dies with its last slab
        queueWork(k, 'kmemcg_cache_deactivate', () => {
          if (child.destroyed) return;
          slubShrink(k, child);
          if (child.slabCount() === 0) maybeDestroy(child);
        });
      }
      for (const c of memcg.kmemCaches) c.memcg = parent;
      parent.kmemCaches.push(...memcg.kmemCaches);
      memcg.kmemCaches = [];
      k.freeKmemcgId(memcg.kmemcgId);
      memcg.kmemcgId = -1;
    },

    release() {},

    drainObjStock() {},

    memcgSlabinfo(k, memcg): SlabinfoRow[] {
      return memcg.kmemCaches.filter((c) => !c.destroyed).map((c) => cacheSlabinfoRow(k, c));
    },
  };
}
