/**
 * The obj_cgroup slab controller (the seed's design, merged in 5.9). Objects are charged one by
 * one (s->size + 8 bytes for their vector slot) to the obj_cgroup of the allocating task's
 * memcg; each slab page that holds an accounted object gets an obj_cgroup vector (a kmalloc'ed
 * array of one pointer per slot, itself unaccounted); statistics are bytes. Caches are shared:
 * by default the seed's two global sets (root caches for unaccounted and root-cgroup
 * allocations, one shared "-memcg" clone per cache for every other cgroup, created by a work
 * item on first use), or with objcgLayout 'single-set' the merged 5.9 layout where accounted
 * and unaccounted objects share slab pages.
 */
import type { Kernel } from '../kernel.js';
import type { KmemCache } from '../slab_common.js';
import type { MemCgroup } from '../cgroup.js';
import type { Task } from '../task.js';
import type { KmemController } from './controller.js';
import type { SlabinfoRow } from '../types.js';
import { Stat } from '../memcg_stat.js';
import { queueWork } from '../clock.js';
import { kmemCacheTryCreate, cacheSlabinfoRow } from '../slab_common.js';
import {
  ObjCgroup,
  currentObjCgroup,
  drainObjStock,
  objCgroupAlloc,
  objCgroupCharge,
  objCgroupGet,
  objCgroupPut,
  objCgroupUncharge,
} from './obj_cgroup.js';
import { cssGet, cssPut } from '../cgroup.js';
import { kmallocRaw, kfreeRaw } from '../slab_alloc.js';
import { percpuChargeMemcg, percpuUnchargeMemcg } from '../percpu.js';

/** sizeof(struct obj_cgroup *): the per-object metadata charged with every object. */
const OBJCG_POINTER_SIZE = 8;

export function objFullSize(s: KmemCache): number {
  return s.size + OBJCG_POINTER_SIZE;
}

export function createObjcgController(k: Kernel): KmemController {
  const singleSet = k.objcgLayout === 'single-set';
  /** objcg charged by the current preAlloc (consumed by postAlloc). */
  let pending: ObjCgroup | null = null;

  function cloneFor(s: KmemCache): KmemCache | null {
    if (s.memcgClone) return s.memcgClone;
    if (!s.pendingCreate.has(-1)) {
      s.pendingCreate.add(-1);
      // memcg_schedule_kmem_cache_create: until the clone exists, allocations stay unaccounted
      queueWork(k, 'memcg_kmem_cache_create', () => {
        s.pendingCreate.delete(-1);
        if (s.memcgClone) return;
        const clone = kmemCacheTryCreate(k, `${s.name}-memcg`, s.objectSize, s.flags, s);
        // creation failed: allocations stay unaccounted in the root cache; the next one retries
        if (!clone) return;
        clone.rootCache = s;
        s.memcgClone = clone;
      });
    }
    return null;
  }

  return {
    name: 'objcg',
    kmemEnabled: true,

    preAlloc(k, s, task: Task | null, account, cpu) {
      pending = null;
      if (!account && !s.accounted) return s;
      if (!task || task.kthread) return s; // memcg_kmem_bypass
      const objcg = currentObjCgroup(task.memcg);
      if (!objcg) return s; // root cgroup: not accounted
      let target = s;
      if (!singleSet) {
        const clone = s.memcgClone ?? cloneFor(s);
        if (!clone) return s;
        target = clone;
      }
      if (!objCgroupCharge(k, objcg, target.size + OBJCG_POINTER_SIZE, cpu, task)) return null;
      objCgroupGet(objcg);
      pending = objcg;
      return target;
    },

    postAlloc(k, s, slab, idx, _cpu) {
      const objcg = pending;
      if (!objcg) return;
      pending = null;
      const t = k.slabs;
      let vec = t.objcgs[slab];
      if (!vec) {
        // memcg_alloc_page_obj_cgroups: kcalloc(objects, 8) without __GFP_ACCOUNT
        vec = new Int32Array(s.objects);
        t.objcgs[slab] = vec;
        // allocate first: the allocation may grow the slab table and replace t.vecHandle
        const handle = kmallocRaw(k, s.objects * OBJCG_POINTER_SIZE, t.node[slab]);
        t.vecHandle[slab] = handle;
      }
      vec[idx] = objcg.id;
      // the reference taken in preAlloc now belongs to the object
      objcg.memcg.stat[s.reclaimable ? Stat.SlabReclaimable : Stat.SlabUnreclaimable] += s.size + OBJCG_POINTER_SIZE;
    },

    allocFailed(k, s, cpu) {
      const objcg = pending;
      if (!objcg) return;
      pending = null;
      objCgroupUncharge(k, objcg, objFullSize(s), cpu);
      objCgroupPut(k, objcg);
    },

    freeHook(k, s, slab, idx, cpu) {
      const vec = k.slabs.objcgs[slab];
      if (!vec) return;
      const id = vec[idx];
      if (id === 0) return;
      vec[idx] = 0;
      const objcg = k.objcgs[id]!;
      const size = s.size + OBJCG_POINTER_SIZE;
      objCgroupUncharge(k, objcg, size, cpu);
      objcg.memcg.stat[s.reclaimable ? Stat.SlabReclaimable : Stat.SlabUnreclaimable] -= size;
      if (--objcg.refcnt === 0) objCgroupPut(k, objcg, 0);
    },

    slabPageAlloc() {
      // account_slab_page: only node/global counters (the page allocator's kinds) change
      return true;
    },

    slabPageFree(k, _s, slab) {
      const t = k.slabs;
      if (t.objcgs[slab]) {
        kfreeRaw(k, t.vecHandle[slab]);
        t.objcgs[slab] = null;
        t.vecHandle[slab] = 0;
      }
    },

    slabPageMemcgId() {
      return 0; // a shared page has no owner: page->obj_cgroups has bit 0 set
    },

    objMemcg(k, slab, idx) {
      const vec = k.slabs.objcgs[slab];
      if (!vec || vec[idx] === 0) return null;
      return k.objcgs[vec[idx]]!.memcg;
    },

    online(k, memcg) {
      if (!memcg.parent) return;
      memcg.kmemcgId = k.allocKmemcgId();
      memcg.objcg = objCgroupAlloc(k, memcg);
      percpuChargeMemcg(k, memcg);
    },

    offline(k, memcg) {
      const parent = memcg.parent!;
      const objcg = memcg.objcg;
      memcg.objcg = null;
      const moved: ObjCgroup[] = [];
      if (objcg) moved.push(objcg);
      moved.push(...memcg.objcgList);
      memcg.objcgList = [];
      for (const o of moved) {
        // memcg_reparent_objcgs: the css reference moves with the pointer
        o.memcg = parent;
        cssGet(parent);
        cssPut(k, memcg);
        parent.objcgList.push(o);
      }
      if (objcg && !objcg.killed) {
        objcg.killed = true;
        objCgroupPut(k, objcg); // percpu_ref_kill: drop the memcg's own reference
      }
      k.freeKmemcgId(memcg.kmemcgId);
      memcg.kmemcgId = -1;
    },

    release(k, memcg) {
      percpuUnchargeMemcg(k, memcg);
    },

    drainObjStock(k, cpu) {
      drainObjStock(k, cpu);
    },

    memcgSlabinfo(k, memcg) {
      return objcgSlabinfo(k, memcg);
    },
  };
}

/**
 * What tools/cgroup/memcg_slabinfo.py prints for a memcg under the objcg controller: for every
 * slab page with an obj_cgroup vector, the slots owned by the memcg's objcgs (its own and those
 * inherited from dead children), per cache in first-seen order; the other columns are the
 * whole cache's, as the script does.
 */
export function objcgSlabinfo(k: Kernel, memcg: MemCgroup): SlabinfoRow[] {
  const ids = new Set<number>();
  if (memcg.objcg) ids.add(memcg.objcg.id);
  for (const o of memcg.objcgList) ids.add(o.id);
  if (ids.size === 0) return [];
  const counts = new Map<KmemCache, number>();
  const t = k.slabs;
  // the script walks every struct page in PFN order; slabs with a vector, by PFN, are the same walk
  const slabs: number[] = [];
  for (let id = 0; id < t.capacity; id++) if (t.links[id] && t.objcgs[id]) slabs.push(id);
  slabs.sort((a, b) => t.pfn[a] - t.pfn[b]);
  for (const slab of slabs) {
    const vec = t.objcgs[slab]!;
    let n = 0;
    for (let i = 0; i < vec.length; i++) if (vec[i] !== 0 && ids.has(vec[i])) n++;
    if (n === 0) continue;
    const s = k.caches[t.cache[slab]];
    counts.set(s, (counts.get(s) ?? 0) + n);
  }
  const rows: SlabinfoRow[] = [];
  for (const [s, n] of counts) {
    const whole = cacheSlabinfoRow(k, s);
    rows.push({ ...whole, activeObjs: n, numObjs: n });
  }
  return rows;
}
