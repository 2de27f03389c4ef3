/**
 * The seed's core effect from first principles: per-memcg caches multiplied by per-CPU slabs.
 * 64 CPUs; 200 memcgs each allocate one dentry on each of 8 CPUs (a task hopping CPUs).
 */
import { describe, expect, it } from 'vitest';
import {
  bootKernel,
  cgroupMkdir,
  cgroupRmdir,
  cgroupStat,
  cgroupSubtreeControl,
  flushDeferredWork,
  meminfo,
  taskExit,
  taskLookupMissing,
  taskMigrateCpu,
  taskSpawn,
} from '../../src/kernel/index.js';
import type { ControllerName } from '../../src/kernel/index.js';

function run(controller: ControllerName) {
  const k = bootKernel({ controller, machineOverrides: { nrCpus: 64, memBytes: 4 * 1024 ** 3 } });
  cgroupSubtreeControl(k, k.rootMemcg, ['memory'], []);
  const dentryPages = () =>
    k.caches
      .filter((c) => c && !c.destroyed && (c === k.cache('dentry') || c.rootCache === k.cache('dentry')))
      .reduce((a, c) => a + c.slabCount() * (1 << c.order), 0);
  const pagesBefore = dentryPages();
  const cgs = [];
  for (let i = 0; i < 200; i++) {
    const cg = cgroupMkdir(k, k.rootMemcg, `unit${i}`);
    const t = taskSpawn(k, cg, `unit${i}`, { cpu: 0 });
    // warm up: the first accounted allocation makes the controller set up its caches
    taskLookupMissing(k, t, 1, 10);
    flushDeferredWork(k);
    for (let cpu = 0; cpu < 8; cpu++) {
      taskMigrateCpu(k, t, (i + cpu * 8) % 64);
      taskLookupMissing(k, t, 1, 10);
    }
    cgs.push({ cg, t });
  }
  const slabPages = dentryPages() - pagesBefore;
  const mi = meminfo(k);
  const totalSlabPages = mi.slabReclaimablePages + mi.slabUnreclaimablePages;
  for (const { cg, t } of cgs) {
    taskExit(k, t);
    cgroupRmdir(k, cg);
  }
  flushDeferredWork(k);
  return { slabPages, totalSlabPages, dying: cgroupStat(k, k.rootMemcg).nrDyingDescendants };
}

describe('the seed: shared slab pages vs per-memcg caches', () => {
  it('legacy needs many times more slab pages and keeps deleted cgroups dying; objcg releases them', () => {
    const legacy = run('legacy');
    const objcg = run('objcg');
    expect(legacy.slabPages).toBeGreaterThan(20 * objcg.slabPages);
    expect(legacy.totalSlabPages - objcg.totalSlabPages).toBeGreaterThan(0.9 * (legacy.slabPages - objcg.slabPages));
    expect(legacy.dying).toBe(200);
    expect(objcg.dying).toBe(0);
  }, 60_000);
});
