/**
 * Physical memory running out (not a memcg limit): whatever a charge-then-allocate path charged
 * is given back when the page does not come, and what failed to be created leaves nothing behind.
 */
import { describe, expect, it } from 'vitest';
import {
  KernelError,
  cgroupAttach,
  cgroupMkdir,
  cgroupRmdir,
  cgroupStat,
  clockAdvance,
  flushDeferredWork,
  taskAnonFault,
  taskAnonFree,
  taskCacheAlloc,
  taskFork,
  taskPagecacheRead,
  taskPagecacheWrite,
  taskSpawn,
} from '../../src/kernel/index.js';
import type { ControllerName, Kernel, MemCgroup } from '../../src/kernel/index.js';
import { PageKind } from '../../src/kernel/page_alloc.js';
import { objFullSize } from '../../src/kernel/kmem/objcg.js';
import { expectInvariants, tinyKernel, withCgroup } from './helpers.js';

const CONTROLLERS: ControllerName[] = ['objcg', 'legacy', 'none'];
/** more than a 256 MiB machine has */
const TOO_MANY = 1_000_000;

/**
 * What is charged to a leaf memcg that was never reparented to, in pages: its pages (anon, page
 * cache, stacks, page tables, large kmallocs), its per-CPU stock and its slab charges (legacy:
 * whole slab pages; objcg: object bytes, byte stocks and leftovers). Its memory.current must be this.
 */
function chargedPages(k: Kernel, cg: MemCgroup): number {
  const ps = k.pageSize;
  let pages = 0;
  for (let pfn = 0; pfn < k.pages.totalPages; pfn++) {
    if (k.pages.memcgId[pfn] !== cg.id) continue;
    pages += k.pages.kind[pfn] === PageKind.KmallocLarge ? 1 << k.pages.headOrder[pfn] : 1;
  }
  for (let cpu = 0; cpu < k.config.nrCpus; cpu++) if (k.stock.cached[cpu] === cg) pages += k.stock.nrPages[cpu];
  const t = k.slabs;
  let objBytes = cg.percpuBytes;
  for (let id = 0; id < t.capacity; id++) {
    if (!t.links[id]) continue;
    const s = k.caches[t.cache[id]];
    if (t.charged[id] === cg.id) pages += 1 << s.order;
    const vec = t.objcgs[id];
    if (vec) for (let i = 0; i < s.objects; i++) if (vec[i] && k.objcgs[vec[i]]?.memcg === cg) objBytes += objFullSize(s);
  }
  for (let cpu = 0; cpu < k.config.nrCpus; cpu++) {
    const o = k.stock.cachedObjcg[cpu];
    if (o && o.memcg === cg) objBytes += k.stock.nrBytes[cpu];
  }
  for (const o of k.objcgs) if (o && o.memcg === cg) objBytes += o.nrChargedBytes;
  return pages + objBytes / ps;
}

function expectUsageIsCharges(k: Kernel, cg: MemCgroup): void {
  expectInvariants(k);
  expect(cg.memory.usage).toBe(chargedPages(k, cg));
}

describe.each(CONTROLLERS)('physical memory exhausted (%s)', (controller) => {
  it('anonymous faults stop where memory ends and keep no charge for the page that did not come', () => {
    const k = tinyKernel(controller);
    const { cg, task } = withCgroup(k);
    const done = taskAnonFault(k, task, TOO_MANY);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(TOO_MANY);
    expect(k.pages.counts.reduce((a, c) => a + c[PageKind.Free], 0)).toBeLessThan(64);
    expectUsageIsCharges(k, cg);
    // and a second try, with nothing left at all
    expect(taskAnonFault(k, task, 10)).toBe(0);
    expectUsageIsCharges(k, cg);
    taskAnonFree(k, task, TOO_MANY);
    expectUsageIsCharges(k, cg);
  });

  it.each([
    { what: 'ext4 reads', run: (k: Kernel, t: Parameters<typeof taskPagecacheRead>[1]) => taskPagecacheRead(k, t, TOO_MANY) },
    { what: 'XFS reads', run: (k: Kernel, t: Parameters<typeof taskPagecacheRead>[1]) => taskPagecacheRead(k, t, TOO_MANY, { fs: 'xfs' }) },
    { what: 'ext4 writes', run: (k: Kernel, t: Parameters<typeof taskPagecacheRead>[1]) => taskPagecacheWrite(k, t, TOO_MANY) },
  ])('page-cache $what stop where memory ends, charges matching pages', ({ run }) => {
    const k = tinyKernel(controller);
    const { cg, task } = withCgroup(k);
    const done = run(k, task);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(TOO_MANY);
    expectUsageIsCharges(k, cg);
    // anon faults after the page cache took everything
    expect(taskAnonFault(k, task, 100)).toBe(0);
    expectUsageIsCharges(k, cg);
  });

  it('a fork that runs out of pages for its page tables undoes their charge', () => {
    // a few free pages after exhaustion: the fork fails at some point of dup_mm, page tables included
    for (let free = 0; free < 12; free++) {
      const k = tinyKernel(controller);
      const { cg, task } = withCgroup(k);
      taskAnonFault(k, task, TOO_MANY);
      taskAnonFree(k, task, free);
      try {
        taskFork(k, task);
      } catch (e) {
        expect(e).toBeInstanceOf(KernelError);
        expect((e as KernelError).code).toBe('ENOMEM');
      }
      expectUsageIsCharges(k, cg);
    }
  });

  it('a per-memcg cache whose creation finds memory exhausted is not created; rmdir and release work', () => {
    const k = tinyKernel(controller);
    const { cg: hogCg, task: hog } = withCgroup(k, 'hog');
    const cg = cgroupMkdir(k, k.rootMemcg, 'late');
    const task = taskSpawn(k, k.rootMemcg, 'late', { cpu: 0 });
    flushDeferredWork(k);
    taskAnonFault(k, hog, TOO_MANY);
    const nrCaches = k.caches.filter((s) => s && !s.destroyed).length;
    // the first accounted allocations in `late` queue the creation of its caches (legacy) or clones (objcg)
    cgroupAttach(k, cg, task.pid, 'process');
    for (const name of ['dentry', 'filp', 'kmalloc-64', 'vm_area_struct', 'task_struct']) {
      try {
        taskCacheAlloc(k, task, name);
      } catch (e) {
        expect((e as KernelError).code).toBe('ENOMEM');
      }
    }
    flushDeferredWork(k);
    // the creation work ran and failed: no cache without its struct kmem_cache
    expect(k.caches.filter((s) => s && !s.destroyed).length).toBe(nrCaches);
    expectInvariants(k);
    cgroupAttach(k, k.rootMemcg, task.pid, 'process');
    cgroupRmdir(k, cg);
    taskAnonFree(k, hog, TOO_MANY);
    flushDeferredWork(k);
    clockAdvance(k, 60e9);
    expectInvariants(k);
    expect(cgroupStat(k, k.rootMemcg).nrDyingDescendants).toBe(0);
    expectUsageIsCharges(k, hogCg);
  });
});
