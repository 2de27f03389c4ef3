/**
 * obj_cgroup (mm/memcontrol.c, 5.9): an intermediate owner of slab objects. It points at a memcg
 * and carries a reference count (one per live charged object, plus holders); when the memcg is
 * offlined the pointer moves to the parent, so no object has to be walked and the dead memcg
 * is not pinned by slab objects. Charging is in bytes through the per-CPU obj stock, with whole
 * pages charged to the page counter and the sub-page remainder remembered.
 */
import type { Kernel } from '../kernel.js';
import type { MemCgroup } from '../cgroup.js';
import type { Task } from '../task.js';
import { cssGet, cssPut } from '../cgroup.js';
import { memcgKmemCharge, memcgKmemUncharge } from '../memcontrol.js';

export class ObjCgroup {
  /** Index in k.objcgs; stored in obj_cgroup vectors (0 means "no owner"). */
  readonly id: number;
  memcg: MemCgroup;
  refcnt = 1; // the memcg's own reference, dropped by percpu_ref_kill at offline
  nrChargedBytes = 0;
  killed = false;
  released = false;
  constructor(id: number, memcg: MemCgroup) {
    this.id = id;
    this.memcg = memcg;
  }
}

export function objCgroupAlloc(k: Kernel, memcg: MemCgroup): ObjCgroup {
  const objcg = new ObjCgroup(k.objcgs.length, memcg);
  k.objcgs.push(objcg);
  cssGet(memcg);
  return objcg;
}

export function objCgroupGet(objcg: ObjCgroup, n = 1): void {
  objcg.refcnt += n;
}

/** Drops `n` references (n = 0: the caller already dropped them; release if none is left). */
export function objCgroupPut(k: Kernel, objcg: ObjCgroup, n = 1): void {
  objcg.refcnt -= n;
  if (objcg.refcnt === 0 && !objcg.released) objCgroupRelease(k, objcg);
  else if (objcg.refcnt < 0) throw new Error(`obj_cgroup ${objcg.id} refcount underflow`);
}

/** obj_cgroup_release: give back the parked whole pages, leave the list, drop the css ref. */
function objCgroupRelease(k: Kernel, objcg: ObjCgroup): void {
  const nrPages = Math.floor(objcg.nrChargedBytes / k.pageSize);
  if (nrPages) memcgKmemUncharge(k, objcg.memcg, nrPages);
  objcg.nrChargedBytes = 0;
  const list = objcg.memcg.objcgList;
  const i = list.indexOf(objcg);
  if (i >= 0) list.splice(i, 1);
  objcg.released = true;
  cssPut(k, objcg.memcg);
  k.objcgs[objcg.id] = null;
}

/** obj_cgroup_charge: bytes from the CPU's stock, else whole pages with the leftover stocked. */
export function objCgroupCharge(k: Kernel, objcg: ObjCgroup, size: number, cpu: number, task: Task | null, nofail = false): boolean {
  const st = k.stock;
  if (st.cachedObjcg[cpu] === objcg && st.nrBytes[cpu] >= size) {
    st.nrBytes[cpu] -= size;
    return true;
  }
  const ps = k.pageSize;
  let nrPages = Math.floor(size / ps);
  const nrBytes = size % ps;
  if (nrBytes) nrPages++;
  if (!memcgKmemCharge(k, objcg.memcg, nrPages, { cpu, task, nofail })) return false;
  if (nrBytes) refillObjStock(k, objcg, ps - nrBytes, cpu);
  return true;
}

export function objCgroupUncharge(k: Kernel, objcg: ObjCgroup, size: number, cpu: number): void {
  refillObjStock(k, objcg, size, cpu);
}

/** refill_obj_stock */
export function refillObjStock(k: Kernel, objcg: ObjCgroup, nrBytes: number, cpu: number): void {
  const st = k.stock;
  if (st.cachedObjcg[cpu] !== objcg) {
    drainObjStock(k, cpu);
    objCgroupGet(objcg);
    st.cachedObjcg[cpu] = objcg;
    st.nrBytes[cpu] = objcg.nrChargedBytes;
    objcg.nrChargedBytes = 0;
  }
  st.nrBytes[cpu] += nrBytes;
  if (st.nrBytes[cpu] > k.pageSize) drainObjStock(k, cpu);
}

/** drain_obj_stock: whole pages back to the page counter, the remainder parked on the objcg. */
export function drainObjStock(k: Kernel, cpu: number): void {
  const st = k.stock;
  const old = st.cachedObjcg[cpu];
  if (!old) return;
  const bytes = st.nrBytes[cpu];
  if (bytes) {
    const nrPages = Math.floor(bytes / k.pageSize);
    const rem = bytes % k.pageSize;
    if (nrPages) memcgKmemUncharge(k, old.memcg, nrPages);
    old.nrChargedBytes += rem;
    st.nrBytes[cpu] = 0;
  }
  st.cachedObjcg[cpu] = null;
  objCgroupPut(k, old);
}

/** get_obj_cgroup_from_current: the objcg of the nearest non-root memcg with one (root: none). */
export function currentObjCgroup(memcg: MemCgroup): ObjCgroup | null {
  for (let m: MemCgroup | null = memcg; m && m.parent; m = m.parent) {
    if (m.objcg) return m.objcg;
  }
  return null;
}
