/** obj_cgroup controller specifics (kernel-spec 11). */
import { describe, expect, it } from 'vitest';
import {
  cgroupMkdir,
  cgroupRmdir,
  cgroupStat,
  cgroupSubtreeControl,
  flushDeferredWork,
  kpagecgroupRead,
  memcgCounterInfo,
  memcgSlabinfo,
  memcgStatHierarchical,
  memcgStatLocal,
  slabinfo,
  taskExit,
  taskLookupMissing,
  taskSpawn,
} from '../../src/kernel/index.js';
import { expectInvariants, smallKernel, withCgroup } from './helpers.js';
import { memcgPercpuBytesPerCpu } from '../../src/kernel/percpu.js';

describe('objcg controller', () => {
  it('charges each object s->size + 8 bytes, byte-precise in memory.stat', () => {
    const k = smallKernel('objcg', { objcgLayout: 'single-set' });
    const { cg, task } = withCgroup(k);
    taskLookupMissing(k, task, 1000, 20); // short names: inline, dentry only
    expect(memcgStatHierarchical(k, cg).slabReclaimable).toBe(1000 * (192 + 8));
    taskLookupMissing(k, task, 1000, 109); // long names: + kmalloc-rcl-128 external name
    expect(memcgStatHierarchical(k, cg).slabReclaimable).toBe(1000 * (192 + 8) + 1000 * (192 + 8 + 128 + 8));
    expectInvariants(k);
  });

  it('charges whole pages and keeps the sub-page leftover in the stock', () => {
    const k = smallKernel('objcg', { objcgLayout: 'single-set' });
    const { cg, task } = withCgroup(k);
    const before = memcgCounterInfo(k, cg, 'memory').usageBytes;
    taskLookupMissing(k, task, 1, 10);
    const after = memcgCounterInfo(k, cg, 'memory').usageBytes;
    // one object of 200 bytes costs one page (and a MEMCG_CHARGE_BATCH of pages goes to the page stock)
    expect(after - before).toBeGreaterThanOrEqual(4096);
    expect((after - before) % 4096).toBe(0);
    expect(k.stock.nrBytes[task.cpu]).toBe(4096 - 200);
  });

  it('in the seed layout, the first accounted allocation waits for the shared clone', () => {
    const k = smallKernel('objcg');
    const { cg, task } = withCgroup(k);
    taskLookupMissing(k, task, 1, 10);
    expect(memcgStatHierarchical(k, cg).slabReclaimable).toBe(0);
    // the clone is created by a work item, which runs by the next system call
    flushDeferredWork(k);
    taskLookupMissing(k, task, 10, 10);
    expect(memcgStatHierarchical(k, cg).slabReclaimable).toBe(10 * 200);
    expect(slabinfo(k).some((r) => r.name === 'dentry-memcg')).toBe(true);
    expectInvariants(k);
  });

  it('reparents objects on rmdir and releases the dead memcg after deferred work', () => {
    const k = smallKernel('objcg');
    cgroupSubtreeControl(k, k.rootMemcg, ['memory'], []);
    const parent = cgroupMkdir(k, k.rootMemcg, 'parent');
    cgroupSubtreeControl(k, parent, ['memory'], []);
    const child = cgroupMkdir(k, parent, 'child');
    const t = taskSpawn(k, child, 'worker');
    taskLookupMissing(k, t, 10, 100);
    flushDeferredWork(k);
    taskLookupMissing(k, t, 500, 100);
    const slab = memcgStatHierarchical(k, parent).slabReclaimable;
    const accounted = memcgSlabinfo(k, child).find((r) => r.name === 'dentry-memcg')!.activeObjs;
    expect(accounted).toBeGreaterThanOrEqual(500);
    taskExit(k, t);
    cgroupRmdir(k, child);
    expect(cgroupStat(k, parent).nrDyingDescendants).toBe(1);
    flushDeferredWork(k);
    expect(cgroupStat(k, parent).nrDyingDescendants).toBe(0);
    // the objects live on, now owned by the parent
    expect(memcgStatHierarchical(k, parent).slabReclaimable).toBe(slab);
    expect(memcgStatLocal(k, parent).slabReclaimable).toBe(slab);
    expect(memcgSlabinfo(k, parent).find((r) => r.name === 'dentry-memcg')!.activeObjs).toBe(accounted);
    expectInvariants(k);
  });

  it('charges a new memcg\'s per-CPU statistics to its parent as percpu', () => {
    const k = smallKernel('objcg');
    cgroupSubtreeControl(k, k.rootMemcg, ['memory'], []);
    const parent = cgroupMkdir(k, k.rootMemcg, 'p');
    for (let i = 0; i < 10; i++) cgroupMkdir(k, parent, `c${i}`);
    const percpu = memcgStatHierarchical(k, parent).percpu;
    expect(percpu).toBe(10 * memcgPercpuBytesPerCpu(k) * k.config.nrCpus);
    const current = memcgCounterInfo(k, parent, 'memory').usageBytes;
    expect(current).toBeGreaterThan(0);
    expect(Math.abs(current - percpu)).toBeLessThan(256 * 1024 * k.config.nrCpus);
    expectInvariants(k);
  });

  it('reports no owner for slab pages in /proc/kpagecgroup', () => {
    const k = smallKernel('objcg', { objcgLayout: 'single-set' });
    const { task } = withCgroup(k);
    taskLookupMissing(k, task, 100, 10);
    const dentry = k.cache('dentry');
    const slab = dentry.cpuSlab[task.cpu];
    const pfn = k.slabs.pfn[slab];
    expect(kpagecgroupRead(k, pfn, 1)[0]).toBe(0n);
  });
});
