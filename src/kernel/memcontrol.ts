/**
 * The memory controller: charging pages to memcgs (try_charge with the per-CPU stock, reclaim,
 * OOM), statistics and events, limits, and the memcg side of the cgroup lifecycle. Slab
 * accounting itself lives in the controller modules under kmem/.
 */
import type { Kernel } from './kernel.js';
import type { MemCgroup } from './cgroup.js';
import type { Task } from './task.js';
import type { MemcgEvents, MemcgStat, PageCounterInfo } from './types.js';
import { fail } from './errno.js';
import { Stat, STAT_KEYS } from './memcg_stat.js';
import {
  PageCounter,
  pageCounterCharge,
  pageCounterHierarchicalMax,
  pageCounterSetMax,
  pageCounterTryCharge,
  pageCounterUncharge,
} from './page_counter.js';
import { MEMCG_CHARGE_BATCH, consumeStock, drainAllStock, refillStock } from './memcg_stock.js';
import { cssGet, cssPut } from './cgroup.js';
import { tryToFreeMemcgPages, drainListLruToParent } from './vmscan.js';
import { memcgOom } from './oom_kill.js';

/** MAX_RECLAIM_RETRIES of 5.9 ("unify reclaim retry limits with page allocator"). */
export const MAX_RECLAIM_RETRIES = 16;

export type CounterName = 'memory' | 'memsw' | 'kmem' | 'tcpmem';
export type LimitName = 'max' | 'high' | 'low' | 'min' | 'soft';

export interface ChargeContext {
  cpu: number;
  task: Task | null;
  /** __GFP_NOFAIL: force the charge when reclaim and OOM cannot make room. */
  nofail?: boolean;
}

function counterOf(memcg: MemCgroup, which: CounterName): PageCounter {
  switch (which) {
    case 'memory':
      return memcg.memory;
    case 'memsw':
      return memcg.memsw;
    case 'kmem':
      return memcg.kmem;
    case 'tcpmem':
      return memcg.tcpmem;
  }
}

/** memcg_memory_event: the local count, and the hierarchical count up to (not incl.) the root. */
export function memcgMemoryEvent(memcg: MemCgroup, ev: keyof MemcgEvents): void {
  memcg.eventsLocal[ev]++;
  for (let m: MemCgroup | null = memcg; m && m.parent; m = m.parent) m.events[ev]++;
}

/**
 * try_charge(): charges nrPages to `memcg` (nothing for the root). Uses the CPU's stock, charges a
 * batch, and on hitting a limit reclaims, retries and finally invokes the memcg OOM killer.
 * Returns false when the charge failed (the caller fails the allocation with ENOMEM).
 */
export function tryCharge(k: Kernel, memcg: MemCgroup, nrPages: number, ctx: ChargeContext): boolean {
  if (!memcg.parent) return true;
  if (consumeStock(k, memcg, nrPages, ctx.cpu)) return true;
  const v1 = k.cgroupVersion === 'v1';
  let batch = Math.max(MEMCG_CHARGE_BATCH, nrPages);
  let retries = MAX_RECLAIM_RETRIES;
  for (;;) {
    let overLimit: PageCounter | null = null;
    if (v1) overLimit = pageCounterTryCharge(memcg.memsw, batch);
    if (!overLimit) {
      overLimit = pageCounterTryCharge(memcg.memory, batch);
      if (overLimit && v1) pageCounterUncharge(memcg.memsw, batch);
    }
    if (!overLimit) {
      if (batch > nrPages) refillStock(k, memcg, batch - nrPages, ctx.cpu);
      if (ctx.task) checkHigh(k, memcg, ctx.task);
      return true;
    }
    if (batch > nrPages) {
      batch = nrPages;
      continue;
    }
    const over = memcgOfCounter(memcg, overLimit);
    memcgMemoryEvent(over, 'max');
    if (ctx.task && ctx.task.exited) return false;
    if (tryToFreeMemcgPages(k, over, nrPages) > 0) continue;
    if (--retries > 0) continue;
    // reclaim is out of options: the memcg OOM killer
    if (!memcgOom(k, over, ctx.task)) break;
    if (ctx.task && ctx.task.exited) return false;
    retries = MAX_RECLAIM_RETRIES;
  }
  if (ctx.nofail) {
    if (v1) pageCounterCharge(memcg.memsw, nrPages);
    pageCounterCharge(memcg.memory, nrPages);
    return true;
  }
  return false;
}

function memcgOfCounter(memcg: MemCgroup, c: PageCounter): MemCgroup {
  for (let m: MemCgroup | null = memcg; m; m = m.parent) if (m.memory === c || m.memsw === c) return m;
  return memcg;
}

/**
 * Gives pages back (uncharge, not through the stock). Callers only uncharge what was charged;
 * that may be the root's counter when the charge was reparented there.
 */
export function uncharge(k: Kernel, memcg: MemCgroup, nrPages: number): void {
  if (nrPages === 0) return;
  pageCounterUncharge(memcg.memory, nrPages);
  if (k.cgroupVersion === 'v1') pageCounterUncharge(memcg.memsw, nrPages);
}

/** __memcg_kmem_charge: try_charge, plus the v1 kmem counter. */
export function memcgKmemCharge(k: Kernel, memcg: MemCgroup, nrPages: number, ctx: ChargeContext): boolean {
  if (!memcg.parent) return true;
  if (!tryCharge(k, memcg, nrPages, ctx)) return false;
  if (k.cgroupVersion === 'v1') {
    if (pageCounterTryCharge(memcg.kmem, nrPages)) {
      if (!ctx.nofail) {
        uncharge(k, memcg, nrPages);
        return false;
      }
      pageCounterCharge(memcg.kmem, nrPages);
    }
  }
  return true;
}

/** __memcg_kmem_uncharge */
export function memcgKmemUncharge(k: Kernel, memcg: MemCgroup, nrPages: number): void {
  if (nrPages === 0) return;
  if (k.cgroupVersion === 'v1') pageCounterUncharge(memcg.kmem, nrPages);
  uncharge(k, memcg, nrPages);
}

/** mod_memcg_state (bytes or counts). */
export function modMemcgStat(memcg: MemCgroup, item: Stat, delta: number): void {
  memcg.stat[item] += delta;
}

/** Charges a page the memcg will own (anon, page cache, kernel stack page): + css reference. */
export function chargePageTo(k: Kernel, memcg: MemCgroup, nrPages: number, ctx: ChargeContext, kmem: boolean): boolean {
  const ok = kmem ? memcgKmemCharge(k, memcg, nrPages, ctx) : tryCharge(k, memcg, nrPages, ctx);
  if (ok && memcg.parent) cssGet(memcg, nrPages);
  return ok;
}

/**
 * How many of the next `max` single-page charges of `memcg` on `cpu` (chargePageTo(.., 1, ..)
 * one after the other, nothing in between) would succeed without reclaim, without a failed
 * try and without draining another memcg's stock: the pages in the CPU's stock, then whole
 * MEMCG_CHARGE_BATCH batches that fit under every max. 0 when the stock holds another memcg
 * (the first charge drains it, which may queue the release of a dying cgroup).
 */
export function memcgPageChargeRoom(k: Kernel, memcg: MemCgroup, cpu: number, max: number): number {
  if (!memcg.parent) return max;
  const st = k.stock;
  if (st.cached[cpu] !== memcg) return 0;
  const stocked = st.nrPages[cpu];
  if (stocked >= max) return max;
  let batches = counterRoom(memcg.memory) / MEMCG_CHARGE_BATCH;
  if (k.cgroupVersion === 'v1') batches = Math.min(batches, counterRoom(memcg.memsw) / MEMCG_CHARGE_BATCH);
  return Math.min(max, stocked + Math.max(0, Math.floor(batches)) * MEMCG_CHARGE_BATCH);
}

/** Pages a charge may add to `counter` and every ancestor before one of them exceeds its max. */
function counterRoom(counter: PageCounter): number {
  let room = Infinity;
  for (let c: PageCounter | null = counter; c; c = c.parent) room = Math.min(room, c.max - c.usage);
  return room;
}

/**
 * `nrPages` single-page charges of `memcg` at once, for a caller that checked
 * memcgPageChargeRoom: the same counters, watermarks, stock, css references and memory.high
 * check as charging one page at a time (stock first, then a MEMCG_CHARGE_BATCH batch whose
 * rest refills the stock each time it runs dry).
 */
export function chargePagesBulk(k: Kernel, memcg: MemCgroup, nrPages: number, cpu: number, task: Task): void {
  if (!memcg.parent || nrPages === 0) return;
  const st = k.stock;
  const stocked = st.nrPages[cpu];
  if (nrPages <= stocked) {
    st.nrPages[cpu] = stocked - nrPages;
  } else {
    const rest = nrPages - stocked;
    const batches = Math.ceil(rest / MEMCG_CHARGE_BATCH);
    const charged = batches * MEMCG_CHARGE_BATCH;
    // usage only grows, so the watermarks and the memory.high check come out as per batch
    if (k.cgroupVersion === 'v1') pageCounterCharge(memcg.memsw, charged);
    pageCounterCharge(memcg.memory, charged);
    st.nrPages[cpu] = charged - rest;
    checkHigh(k, memcg, task);
  }
  cssGet(memcg, nrPages);
}

export function unchargePageFrom(k: Kernel, memcg: MemCgroup, nrPages: number, kmem: boolean): void {
  if (!memcg.parent) return;
  if (kmem) memcgKmemUncharge(k, memcg, nrPages);
  else uncharge(k, memcg, nrPages);
  cssPut(k, memcg, nrPages);
}

/** Over memory.high after a charge: the task reclaims on its way back to user space. */
function checkHigh(k: Kernel, memcg: MemCgroup, task: Task): void {
  for (let m: MemCgroup | null = memcg; m && m.parent; m = m.parent) {
    if (m.memory.usage > m.memory.high) {
      task.overHigh = true;
      return;
    }
  }
}

/** mem_cgroup_handle_over_high: reclaim what is over memory.high in the task's memcg and ancestors. */
export function memcgHandleOverHigh(k: Kernel, task: Task): void {
  if (!task.overHigh) return;
  task.overHigh = false;
  for (let m: MemCgroup | null = task.memcg; m && m.parent; m = m.parent) {
    const over = m.memory.usage - m.memory.high;
    if (over > 0) {
      memcgMemoryEvent(m, 'high');
      tryToFreeMemcgPages(k, m, over);
    }
  }
}

// ---- lifecycle ---------------------------------------------------------------------------

export function memcgOnline(k: Kernel, memcg: MemCgroup): void {
  k.kmem.online(k, memcg);
}

export function memcgOffline(k: Kernel, memcg: MemCgroup): void {
  drainAllStock(k, memcg);
  k.kmem.offline(k, memcg);
  drainListLruToParent(k, memcg);
  // page cache pages stay charged (and keep the memcg pinned); their LRU moves up for reclaim
}

export function memcgRelease(k: Kernel, memcg: MemCgroup): void {
  k.kmem.release(k, memcg);
  const parent = memcg.parent!;
  // fold whatever statistics remain into the parent (memcg_flush_percpu_vmstats)
  for (let i = 0; i < Stat.COUNT; i++) parent.stat[i] += memcg.stat[i];
  memcg.stat.fill(0);
  k.freeMemcgStruct(memcg);
  // leftover counter usage (e.g. charges uncharged from the parent after reparenting) is dropped
}

// ---- files' view ------------------------------------------------------------------------

function statRecord(arr: Float64Array): MemcgStat {
  const rec = {} as Record<string, number>;
  STAT_KEYS.forEach((key, i) => {
    rec[key] = Math.max(0, arr[i]);
  });
  return rec as unknown as MemcgStat;
}

export function memcgStatLocal(k: Kernel, memcg: MemCgroup): MemcgStat {
  return statRecord(memcg.stat);
}

/** Sum over the subtree, dying descendants included (they still hold charges). */
export function memcgStatHierarchicalRaw(memcg: MemCgroup): Float64Array {
  const sum = new Float64Array(Stat.COUNT);
  const stack = [memcg];
  while (stack.length) {
    const m = stack.pop()!;
    for (let i = 0; i < Stat.COUNT; i++) sum[i] += m.stat[i];
    for (const c of m.children) stack.push(c);
  }
  return sum;
}

export function memcgStatHierarchical(k: Kernel, memcg: MemCgroup): MemcgStat {
  return statRecord(memcgStatHierarchicalRaw(memcg));
}

export function memcgCounterInfo(k: Kernel, memcg: MemCgroup, which: CounterName): PageCounterInfo {
  const c = counterOf(memcg, which);
  const ps = k.pageSize;
  return {
    usageBytes: c.usage * ps,
    maxBytes: c.max === Infinity ? Infinity : c.max * ps,
    highBytes: c.high === Infinity ? Infinity : c.high * ps,
    lowBytes: c.low * ps,
    minBytes: c.min * ps,
    watermarkBytes: c.watermark * ps,
    failcnt: c.failcnt,
  };
}

/** v1 usage_in_bytes: the root reports statistics (file + anon), children their counter. */
export function memcgV1UsageBytes(k: Kernel, memcg: MemCgroup, which: CounterName): number {
  if (!memcg.parent && (which === 'memory' || which === 'memsw')) {
    const s = memcgStatHierarchicalRaw(memcg);
    return Math.max(0, s[Stat.File] + s[Stat.Anon]);
  }
  return counterOf(memcg, which).usage * k.pageSize;
}

export function memcgHierarchicalLimitBytes(k: Kernel, memcg: MemCgroup): number {
  const m = pageCounterHierarchicalMax(memcg.memory);
  return m === Infinity ? Infinity : m * k.pageSize;
}

/** Sets a limit. See docs/kernel-api.md for v1/v2 semantics. */
export function memcgSetLimit(k: Kernel, memcg: MemCgroup, which: CounterName, limit: LimitName, pages: number): void {
  if (!(pages >= 0)) fail('EINVAL');
  if (pages !== Infinity) pages = Math.floor(pages);
  const c = counterOf(memcg, which);
  if (limit === 'soft') {
    memcg.softLimit = pages;
  } else if (limit === 'low') {
    c.low = pages;
  } else if (limit === 'min') {
    c.min = pages;
  } else if (k.cgroupVersion === 'v2') {
    if (!memcg.parent) fail('EINVAL');
    if (limit === 'high') {
      // 5.9: reclaim synchronously down to the new high, then store it
      drainAllStock(k, memcg);
      let fruitless = 0;
      while (c.usage > pages && fruitless < MAX_RECLAIM_RETRIES) {
        const got = tryToFreeMemcgPages(k, memcg, c.usage - pages);
        fruitless = got > 0 ? 0 : fruitless + 1;
      }
      c.high = pages;
    } else {
      // memory.max: set first, then reclaim, then OOM until usage fits (never EBUSY)
      c.max = pages;
      drainAllStock(k, memcg);
      let retries = MAX_RECLAIM_RETRIES;
      while (c.usage > pages) {
        if (retries > 0) {
          const got = tryToFreeMemcgPages(k, memcg, c.usage - pages);
          if (got === 0) retries--;
          continue;
        }
        memcgMemoryEvent(memcg, 'max');
        if (!memcgOom(k, memcg, null)) break;
        retries = MAX_RECLAIM_RETRIES;
      }
    }
  } else {
    // v1 mem_cgroup_resize_max
    if (!memcg.parent) fail('EINVAL');
    if (which === 'memory' && pages > memcg.memsw.max) fail('EINVAL', 'memory limit above memsw limit');
    if (which === 'memsw' && pages < memcg.memory.max) fail('EINVAL', 'memsw limit below memory limit');
    let drained = false;
    let fruitless = 0;
    for (;;) {
      if (pageCounterSetMax(c, pages)) break;
      if (!drained) {
        drainAllStock(k, memcg);
        drained = true;
        continue;
      }
      const got = tryToFreeMemcgPages(k, memcg, c.usage - pages);
      if (got === 0 && ++fruitless >= 1) fail('EBUSY', 'usage cannot be reclaimed below the limit');
    }
  }
  k.generation++;
}

export function memcgResetWatermark(k: Kernel, memcg: MemCgroup, which: CounterName): void {
  const c = counterOf(memcg, which);
  c.watermark = c.usage;
  k.generation++;
}

export function memcgResetFailcnt(k: Kernel, memcg: MemCgroup, which: CounterName): void {
  counterOf(memcg, which).failcnt = 0;
  k.generation++;
}

/** memory.force_empty (v1): drain stocks and reclaim until empty or out of retries. */
export function memcgForceEmpty(k: Kernel, memcg: MemCgroup): void {
  if (!memcg.parent) fail('EINVAL');
  drainAllStock(k, memcg);
  let fruitless = 0;
  while (memcg.memory.usage > 0 && fruitless < MAX_RECLAIM_RETRIES) {
    const got = tryToFreeMemcgPages(k, memcg, memcg.memory.usage);
    fruitless = got > 0 ? 0 : fruitless + 1;
  }
  k.generation++;
}

/** memory.reclaim-style proactive reclaim; returns pages reclaimed. */
export function memcgReclaim(k: Kernel, memcg: MemCgroup, nrPages: number): number {
  const got = tryToFreeMemcgPages(k, memcg, nrPages);
  k.generation++;
  return got;
}
