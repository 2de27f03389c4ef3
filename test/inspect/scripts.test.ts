/** The inspection scripts: memcg_slabinfo, slab_utilization, dying_cgroups. */
import { describe, expect, it } from 'vitest';
import {
  cgroupMkdir,
  cgroupRmdir,
  cgroupSubtreeControl,
  flushDeferredWork,
  memcgSlabinfo,
  taskCreateFiles,
  taskExit,
  taskLookupMissing,
  taskPagecacheRead,
  taskSpawn,
  forEachCgroup,
  cgroupPath as kernelCgroupPath,
  type ControllerName,
} from '../../src/kernel/index.js';
import { findSlabCache, forEachSlabCache, programFromKernel, ScriptError } from '../../src/inspect/index.js';
import { SLABINFO_HEADER, formatSlabinfoLine, script as memcgSlabinfoScript } from '../../scripts/inspect/memcg_slabinfo.js';
import { script as utilScript, slabUtilization } from '../../scripts/inspect/slab_utilization.js';
import { script as dyingScript, dyingCgroups } from '../../scripts/inspect/dying_cgroups.js';
import { CONTROLLERS, knownWorkload, smallKernel } from './fixtures.js';

function slabinfo(k: Parameters<typeof programFromKernel>[0], path: string, mountDir?: string) {
  return memcgSlabinfoScript.collect(programFromKernel(k), [path], { mountDir });
}

describe('memcg_slabinfo', () => {
  it('reports exactly the N accounted dentries of a cgroup (objcg, two-set layout)', () => {
    const { k, a } = knownWorkload('objcg', { nA: 777 });
    const d = slabinfo(k, '/sys/fs/cgroup/p/a');
    expect(d.mode).toBe('obj_cgroup');
    expect(d.rows.map((r) => [r.name, r.activeObjs, r.numObjs])).toEqual([['dentry-memcg', 777, 777]]);
    expect(d.rows).toEqual(memcgSlabinfo(k, a));
  });

  it('reports exactly N in the single-set layout too (the first allocation is accounted at once)', () => {
    const { k, a } = knownWorkload('objcg', { nA: 123, objcgLayout: 'single-set' });
    const d = slabinfo(k, '/p/a');
    expect(d.rows.map((r) => [r.name, r.activeObjs])).toEqual([['dentry', 124]]);
    expect(d.rows).toEqual(memcgSlabinfo(k, a));
  });

  it('counts reparented objects of dead children, never live children (objcg)', () => {
    const { k, p } = knownWorkload('objcg');
    flushDeferredWork(k);
    const d = slabinfo(k, '/p');
    expect(d.rows.map((r) => [r.name, r.activeObjs])).toEqual([['dentry-memcg', 300]]);
    expect(d.rows).toEqual(memcgSlabinfo(k, p));
  });

  it("keeps the tool's quirk: slabdata columns are the whole cache's", () => {
    const { k } = knownWorkload('objcg', { nA: 50 });
    const prog = programFromKernel(k);
    const [row] = slabinfo(k, '/p/a').rows;
    const cache = findSlabCache(prog, 'dentry-memcg')!;
    expect(row.numSlabs).toBe(cache.nrSlabs());
    expect(row.numSlabs * row.objPerSlab).toBeGreaterThan(row.numObjs);
    expect(row.objSize).toBe(cache.size);
  });

  it("legacy: the memcg's child caches with their own SLUB numbers, under the root name", () => {
    const { k, a, p } = knownWorkload('legacy');
    const da = slabinfo(k, '/p/a');
    expect(da.mode).toBe('legacy');
    expect(da.rows.map((r) => r.name)).toEqual(['dentry']);
    const child = findSlabCache(programFromKernel(k), `dentry(${a.serial}:a)`)!;
    expect(da.rows[0].numObjs).toBe(child.totalObjects());
    expect(da.rows[0].numObjs).toBeGreaterThanOrEqual(500);
    expect(da.rows).toEqual(memcgSlabinfo(k, a));
    // the dead child's cache was reparented to p
    const dp = slabinfo(k, '/p');
    expect(dp.rows.map((r) => r.name)).toEqual(['dentry']);
    expect(dp.rows).toEqual(memcgSlabinfo(k, p));
  });

  it('matches the kernel view for every cgroup in both controllers and with kmem off', () => {
    for (const controller of [...CONTROLLERS, 'none'] as ControllerName[]) {
      const { k } = knownWorkload(controller);
      for (const cg of forEachCgroup(k)) {
        if (!cg.parent) continue;
        const path = kernelCgroupPath(cg);
        expect(slabinfo(k, path).rows, `${controller} ${path}`).toEqual(memcgSlabinfo(k, cg));
      }
    }
  });

  it('finds cgroups by file-system path, in a mount and in v1 hierarchies', () => {
    const { k } = knownWorkload('objcg', { cgroupVersion: 'v1' });
    expect(slabinfo(k, '/sys/fs/cgroup/memory/p/a').rows[0].activeObjs).toBe(500);
    expect(slabinfo(k, '/mnt/x/sys/fs/cgroup/memory/p/a', '/mnt/x').rows[0].activeObjs).toBe(500);
    expect(() => slabinfo(k, '/sys/fs/cgroup/p/a')).toThrow(ScriptError);
  });

  it("cannot query the root, with the tool's own message", () => {
    const { k } = knownWorkload('objcg');
    for (const path of ['/sys/fs/cgroup', '/', '/nope']) {
      try {
        slabinfo(k, path);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ScriptError);
        expect((e as ScriptError).message).toBe("slabinfo.py: error: Can't find the memory cgroup");
        expect((e as ScriptError).exitCode).toBe(1);
      }
    }
  });

  it("prints /proc/slabinfo's line format", () => {
    const line = formatSlabinfoLine({ name: 'dentry', activeObjs: 336, numObjs: 336, objSize: 192, objPerSlab: 42, pagesPerSlab: 2, activeSlabs: 8, numSlabs: 8 });
    expect(line).toBe('dentry               336    336    192   42    2 : tunables    0    0    0 : slabdata      8      8      0');
    const { k } = knownWorkload('objcg');
    const text = memcgSlabinfoScript.format(slabinfo(k, '/p/a'));
    expect(text.split('\n')[0]).toBe(SLABINFO_HEADER);
    expect(text).toMatch(/^dentry-memcg\s+500\s+500\s+192\s+21\s+1 : tunables {4}0 {4}0 {4}0 : slabdata\s+\d+\s+\d+\s+0$/m);
  });
});

/** Many small cgroups doing a little of everything, on several CPUs. */
function manyCgroups(controller: ControllerName) {
  const k = smallKernel(controller);
  cgroupSubtreeControl(k, k.rootMemcg, ['memory'], []);
  for (let i = 0; i < 24; i++) {
    const cg = cgroupMkdir(k, k.rootMemcg, `svc${i}`);
    const t = taskSpawn(k, cg, 'svc', { cpu: i % 4 });
    taskLookupMissing(k, t, 1, 20);
    taskCreateFiles(k, t, 1);
    flushDeferredWork(k);
    taskLookupMissing(k, t, 40, 20);
    taskCreateFiles(k, t, 15);
    if (i % 3 === 0) {
      taskExit(k, t);
      cgroupRmdir(k, cg);
    }
  }
  flushDeferredWork(k);
  return k;
}

describe('slab_utilization', () => {
  it.each(CONTROLLERS)('counts objects exactly, per-CPU free objects included (%s)', (controller) => {
    const { k } = knownWorkload(controller);
    const prog = programFromKernel(k);
    const d = slabUtilization(prog, { all: true });
    let allocated = 0;
    for (const s of forEachSlabCache(prog)) allocated += s.nrAllocated;
    expect(d.total.activeObjs).toBe(allocated);
    expect(d.total.procActiveObjs - d.total.activeObjs).toBe(d.total.cpuFreeObjs);
    expect(d.rows.reduce((a, r) => a + r.slabBytes, 0)).toBe(d.total.slabBytes);
    expect(d.total.caches).toBe(prog.snap.caches.count);
    for (const r of d.rows) {
      expect(r.utilObject).toBeLessThanOrEqual(r.utilSlot);
      expect(r.utilSlot).toBeLessThanOrEqual(1);
    }
    expect(d.total.utilSlot).toBeGreaterThan(0);
    const byRoot = slabUtilization(prog, { byRoot: true, all: true });
    expect(byRoot.total.slabBytes).toBe(d.total.slabBytes);
    expect(byRoot.rows.length).toBeLessThan(d.rows.length);
    expect(utilScript.format(utilScript.collect(prog, ['--by-root'], {}))).toMatch(/^TOTAL/m);
  });

  it('shows the patchset effect: legacy per-memcg caches waste more slab memory', () => {
    const objcg = slabUtilization(programFromKernel(manyCgroups('objcg')));
    const legacy = slabUtilization(programFromKernel(manyCgroups('legacy')));
    expect(legacy.total.caches).toBeGreaterThan(objcg.total.caches);
    expect(legacy.total.slabBytes).toBeGreaterThan(objcg.total.slabBytes);
    // the workload's own caches: dentry and the file-system inode cache, children folded in
    const util = (k: ReturnType<typeof manyCgroups>, name: string) => slabUtilization(programFromKernel(k), { byRoot: true }).rows.find((r) => r.name === name)!.utilSlot;
    expect(util(manyCgroups('legacy'), 'ext4_inode_cache')).toBeLessThan(util(manyCgroups('objcg'), 'ext4_inode_cache'));
  });
});

describe('dying_cgroups', () => {
  it('legacy: a removed cgroup is pinned by its child cache, with exact object counts', () => {
    const { k, b } = knownWorkload('legacy');
    flushDeferredWork(k);
    const d = dyingCgroups(programFromKernel(k));
    expect(d.dying.map((x) => x.path)).toEqual(['/p/b']);
    const [dead] = d.dying;
    expect(dead.id).toBe(b.id);
    expect(dead.legacyCaches).toHaveLength(1);
    expect(dead.legacyCaches[0]).toMatchObject({ name: `dentry(${b.serial}:b)`, root: 'dentry', chargedTo: '/p', deactivated: true, objects: 300 });
    expect(dead.legacyCaches[0].pages).toBe(dead.legacyCaches[0].slabs);
    expect(dead.other).toBe(0);
    expect(d.summary).toMatchObject({ dying: 1, pinnedByLegacyCaches: 1, legacyCacheObjects: 300 });
    expect(dyingScript.format(d)).toMatch(/^\/p\/b \(css \d+, ino \d+, serial \d+\): 1 reference$/m);
  });

  it('objcg: objects do not pin the memcg; its killed obj_cgroup lives on in the parent', () => {
    const { k, b } = knownWorkload('objcg');
    flushDeferredWork(k);
    const d = dyingCgroups(programFromKernel(k));
    expect(d.dying).toEqual([]);
    expect(d.killedObjcgs).toHaveLength(1);
    expect(d.killedObjcgs[0]).toMatchObject({ id: b.objcg?.id ?? d.killedObjcgs[0].id, memcg: '/p', objects: 300, byCache: { 'dentry-memcg': 300 } });
    expect(dyingScript.format(d)).toMatch(/obj_cgroup \d+ -> \/p: refcnt \d+, 300 objects \(dentry-memcg 300\)/);
  });

  it.each(CONTROLLERS)('page cache pins a removed cgroup in both controllers (%s)', (controller) => {
    const { k, p } = knownWorkload(controller, { removeB: false });
    const c = cgroupMkdir(k, p, 'c');
    const t = taskSpawn(k, c, 'reader', { cpu: 3 });
    taskPagecacheRead(k, t, 10);
    taskExit(k, t);
    cgroupRmdir(k, c);
    flushDeferredWork(k);
    const d = dyingCgroups(programFromKernel(k));
    const dead = d.dying.find((x) => x.path === '/p/c')!;
    expect(dead.pages.file).toBe(10);
    expect(dead.other).toBe(0);
  });
});

describe('script arguments', () => {
  it('rejects unknown options and extra arguments', () => {
    const { k } = knownWorkload('objcg', { nA: 5 });
    const prog = programFromKernel(k);
    expect(() => utilScript.collect(prog, ['--bogus'], {})).toThrow(/unknown option --bogus/);
    expect(() => dyingScript.collect(prog, ['x'], {})).toThrow(ScriptError);
    expect(() => memcgSlabinfoScript.collect(prog, [], {})).toThrow(/usage/);
  });
});
