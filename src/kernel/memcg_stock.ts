/**
 * memcg_stock_pcp: per-CPU caches of pre-charged pages (cached memcg + nr_pages) and, for the
 * obj_cgroup controller, of pre-charged bytes (cached objcg + nr_bytes). A charge that finds
 * enough in its CPU's stock touches no page_counter; that is why memory.current runs ahead of
 * the statistics by up to MEMCG_CHARGE_BATCH pages (+ < 1 page of bytes) per CPU.
 */
import type { Kernel } from './kernel.js';
import type { MemCgroup } from './cgroup.js';
import type { ObjCgroup } from './kmem/obj_cgroup.js';
import { cssGet, cssPut } from './cgroup.js';
import { pageCounterUncharge } from './page_counter.js';

/** MEMCG_CHARGE_BATCH of 5.9. */
export const MEMCG_CHARGE_BATCH = 32;

export class MemcgStock {
  readonly cached: Array<MemCgroup | null>;
  readonly nrPages: Int32Array;
  readonly cachedObjcg: Array<ObjCgroup | null>;
  readonly nrBytes: Int32Array;
  constructor(nrCpus: number) {
    this.cached = new Array(nrCpus).fill(null);
    this.nrPages = new Int32Array(nrCpus);
    this.cachedObjcg = new Array(nrCpus).fill(null);
    this.nrBytes = new Int32Array(nrCpus);
  }
}

/** consume_stock */
export function consumeStock(k: Kernel, memcg: MemCgroup, nrPages: number, cpu: number): boolean {
  const st = k.stock;
  if (st.cached[cpu] === memcg && st.nrPages[cpu] >= nrPages) {
    st.nrPages[cpu] -= nrPages;
    return true;
  }
  return false;
}

/** drain_stock: give the stocked pages back to the page counters. */
export function drainStock(k: Kernel, cpu: number): void {
  const st = k.stock;
  const old = st.cached[cpu];
  if (!old) return;
  const n = st.nrPages[cpu];
  if (n > 0) {
    pageCounterUncharge(old.memory, n);
    if (k.cgroupVersion === 'v1') pageCounterUncharge(old.memsw, n);
  }
  st.nrPages[cpu] = 0;
  st.cached[cpu] = null;
  cssPut(k, old);
}

/** refill_stock */
export function refillStock(k: Kernel, memcg: MemCgroup, nrPages: number, cpu: number): void {
  const st = k.stock;
  if (st.cached[cpu] !== memcg) {
    drainStock(k, cpu);
    cssGet(memcg);
    st.cached[cpu] = memcg;
  }
  st.nrPages[cpu] += nrPages;
  if (st.nrPages[cpu] > MEMCG_CHARGE_BATCH) drainStock(k, cpu);
}

/** drain_all_stock: drains every CPU whose stock belongs to `root`'s subtree. */
export function drainAllStock(k: Kernel, root: MemCgroup): void {
  const st = k.stock;
  for (let cpu = 0; cpu < st.cached.length; cpu++) {
    const m = st.cached[cpu];
    if (m && isDescendant(m, root)) drainStock(k, cpu);
    const o = st.cachedObjcg[cpu];
    if (o && isDescendant(o.memcg, root)) k.kmem.drainObjStock(k, cpu);
  }
}

export function isDescendant(cg: MemCgroup, root: MemCgroup): boolean {
  for (let c: MemCgroup | null = cg; c; c = c.parent) if (c === root) return true;
  return false;
}
