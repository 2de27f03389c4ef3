/** Legacy per-memcg kmem_cache controller specifics (kernel-spec 12). */
import { describe, expect, it } from 'vitest';
import {
  cgroupRmdir,
  cgroupStat,
  flushDeferredWork,
  kpagecgroupRead,
  memcgCounterInfo,
  memcgSlabinfo,
  memcgStatHierarchical,
  slabinfo,
  slabCacheSysfsList,
  taskExit,
  taskLookupMissing,
  dropCaches,
} from '../../src/kernel/index.js';
import { expectInvariants, smallKernel, withCgroup } from './helpers.js';

describe('legacy controller', () => {
  it('leaves the first allocation unaccounted and creates root(serial:name) asynchronously', () => {
    const k = smallKernel('legacy');
    const { cg, task } = withCgroup(k, 'web');
    taskLookupMissing(k, task, 1, 10);
    expect(memcgSlabinfo(k, cg)).toEqual([]);
    expect(memcgStatHierarchical(k, cg).slabReclaimable).toBe(0);
    flushDeferredWork(k);
    taskLookupMissing(k, task, 1, 10);
    const child = slabCacheSysfsList(k).find((c) => c.name.startsWith('dentry('));
    expect(child?.name).toBe(`dentry(${cg.serial}:web)`);
    expect(child?.memcgPath).toBe('/web');
    expectInvariants(k);
  });

  it('charges whole slab pages, v1 kmem counter included', () => {
    const k = smallKernel('legacy', { cgroupVersion: 'v1' });
    const { cg, task } = withCgroup(k);
    taskLookupMissing(k, task, 1, 10);
    flushDeferredWork(k);
    taskLookupMissing(k, task, 1, 10);
    const dentry = k.cache('dentry');
    const slabBytes = (k.pageSize << dentry.order);
    expect(memcgStatHierarchical(k, cg).slabReclaimable).toBe(slabBytes);
    expect(memcgCounterInfo(k, cg, 'kmem').usageBytes).toBe(slabBytes);
    const rows = memcgSlabinfo(k, cg);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'dentry', activeObjs: dentry.objects, numObjs: dentry.objects });
    expectInvariants(k);
  });

  it('adds child caches into the root cache line of /proc/slabinfo', () => {
    const k = smallKernel('legacy');
    const { task } = withCgroup(k);
    taskLookupMissing(k, task, 1, 10);
    flushDeferredWork(k);
    const before = slabinfo(k).find((r) => r.name === 'dentry')!.numObjs;
    taskLookupMissing(k, task, 2 * k.cache('dentry').objects, 10);
    expect(slabinfo(k).find((r) => r.name === 'dentry')!.numObjs).toBeGreaterThan(before);
    expect(slabinfo(k).some((r) => r.name.includes('('))).toBe(false);
  });

  it('keeps a removed memcg dying while one of its objects lives, and kpagecgroup names the parent', () => {
    const k = smallKernel('legacy');
    const { cg, task } = withCgroup(k);
    taskLookupMissing(k, task, 1, 10);
    flushDeferredWork(k);
    taskLookupMissing(k, task, 3, 10);
    const child = k.caches.find((c) => c && c.name.startsWith('dentry('))!;
    const pfn = k.slabs.pfn[child.cpuSlab[task.cpu]];
    expect(kpagecgroupRead(k, pfn, 1)[0]).toBe(BigInt(cg.ino));
    taskExit(k, task);
    cgroupRmdir(k, cg);
    flushDeferredWork(k);
    expect(cgroupStat(k, k.rootMemcg).nrDyingDescendants).toBe(1);
    expect(kpagecgroupRead(k, pfn, 1)[0]).toBe(BigInt(k.rootMemcg.ino));
    dropCaches(k, 2);
    flushDeferredWork(k);
    expect(cgroupStat(k, k.rootMemcg).nrDyingDescendants).toBe(0);
    expect(k.caches.some((c) => c && !c.destroyed && c.name.startsWith('dentry('))).toBe(false);
    expectInvariants(k);
  });
});
