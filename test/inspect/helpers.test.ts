/** The drgn-named helpers against known workloads, for both slab controllers. */
import { describe, expect, it } from 'vitest';
import { forEachCgroup, forEachTask as kernelTasks, slabCacheSysfsList, flushDeferredWork } from '../../src/kernel/index.js';
import {
  PAGE_OFFSET,
  PageSlab,
  cgroupGetFromPath,
  cgroupName,
  cgroupPath,
  compoundHead,
  cssForEachChild,
  cssForEachDescendantPre,
  decodePageFlags,
  findContainingSlabCache,
  findSlabCache,
  findTask,
  forEachMemCgroup,
  forEachPage,
  forEachSlab,
  forEachSlabCache,
  forEachTask,
  kmemCacheChildren,
  kmemCacheMemcg,
  kmemCacheRoot,
  memCgroupFromObj,
  memcgCssRefs,
  memcgKmemCaches,
  memcgObjcgs,
  objCgroupMemcg,
  pfnToPage,
  programFromKernel,
  rootMemCgroup,
  slabCacheForEachAllocatedObject,
  slabCacheUsage,
  slabObjcgs,
  slabObjectInfo,
  slabObjectObjcg,
  slubGetSlabinfo,
  virtToPage,
} from '../../src/inspect/index.js';
import { CONTROLLERS, knownWorkload } from './fixtures.js';

describe.each(CONTROLLERS)('helpers (%s)', (controller) => {
  const legacy = controller === 'legacy';

  it('forEachSlabCache / findSlabCache: every live cache, newest first', () => {
    const { k } = knownWorkload(controller);
    const prog = programFromKernel(k);
    const names = [...forEachSlabCache(prog)].map((s) => s.name);
    const kernelNames = slabCacheSysfsList(k).map((s) => s.name);
    expect([...names].reverse()).toEqual(kernelNames);
    expect(names[names.length - 1]).toBe('kmem_cache_node');
    expect(findSlabCache(prog, 'dentry')!.objectSize).toBe(192);
    expect(findSlabCache(prog, 'no such cache')).toBeNull();
  });

  it('slabCacheForEachAllocatedObject yields exactly the allocated objects', () => {
    const { k } = knownWorkload(controller);
    const prog = programFromKernel(k);
    for (const s of forEachSlabCache(prog)) {
      let n = 0;
      for (const addr of slabCacheForEachAllocatedObject(s)) {
        if (n < 3) {
          const info = slabObjectInfo(prog, addr + 7n)!;
          expect(info.address).toBe(addr);
          expect(info.allocated).toBe(true);
          expect(info.slabCache).toBe(s);
        }
        n++;
      }
      expect(n, s.name).toBe(s.nrAllocated);
      expect(slabCacheUsage(s).activeObjs).toBe(s.nrAllocated);
    }
  });

  it('slabObjectInfo tells free slots and non-slab memory apart', () => {
    const { k } = knownWorkload(controller);
    const prog = programFromKernel(k);
    const slab = [...forEachSlab(prog)].find((x) => x.nrFree > 0)!;
    const free = slab.freeIndices()[0];
    const info = slabObjectInfo(prog, slab.objectAddress(free))!;
    expect(info.allocated).toBe(false);
    expect(info.index).toBe(free);
    expect(slabObjectInfo(prog, PAGE_OFFSET)).toBeNull(); // pfn 0: reserved, not slab
    expect(slabObjectInfo(prog, 0x1000n)).toBeNull();
    // struct mem_cgroup lives in its kmalloc object
    const root = rootMemCgroup(prog);
    expect(findContainingSlabCache(prog, root.address)!.name).toBe('kmalloc-4k');
  });

  it('forEachPage / forEachSlab agree with the slabs, and pages decode', () => {
    const { k } = knownWorkload(controller);
    const prog = programFromKernel(k);
    let pages = 0;
    let slabHeads = 0;
    for (const page of forEachPage(prog)) {
      pages++;
      if (PageSlab(page)) slabHeads++;
    }
    expect(pages).toBe(k.pages.totalPages);
    expect(slabHeads).toBe(k.slabs.nrLive);
    const big = [...forEachSlab(prog)].find((x) => x.cache.order > 0)!;
    const tail = pfnToPage(prog, big.pfn + 1);
    expect(tail.isTail).toBe(true);
    expect(PageSlab(tail)).toBe(false);
    expect(compoundHead(tail).pfn).toBe(big.pfn);
    expect(decodePageFlags(pfnToPage(prog, big.pfn))).toBe('PG_slab|PG_head');
    const obj = big.objectAddress(big.objects - 1);
    expect(compoundHead(virtToPage(prog, obj)).pfn).toBe(big.pfn);
    expect(virtToPage(prog, obj).pfn).toBe(big.pfn + Math.floor(((big.objects - 1) * big.cache.size) / prog.pageSize));
  });

  it('cssForEachDescendantPre / cgroupPath / cgroupGetFromPath', () => {
    const { k, a, b } = knownWorkload(controller);
    const prog = programFromKernel(k);
    const all = [...cssForEachDescendantPre(rootMemCgroup(prog))].map(cgroupPath);
    const kernel = [...forEachCgroup(k, { includeDying: true })].map((cg) => (cg.parent ? cg : null)).filter((x) => x).length + 1;
    expect(all.length).toBe(kernel);
    expect(all[0]).toBe('/');
    const online = [...forEachMemCgroup(prog, { includeOffline: false })].map(cgroupPath);
    expect(online).toContain('/p/a');
    const bView = prog.memcgById(b.id);
    if (bView) {
      expect(all).toContain('/p/b');
      expect(online).not.toContain('/p/b');
      expect(bView.dying).toBe(true);
    }
    const av = cgroupGetFromPath(prog, '/p/a')!;
    expect(av.id).toBe(a.id);
    expect(av.ino).toBe(a.ino);
    expect(cgroupName(av)).toBe('a');
    expect(cgroupName(rootMemCgroup(prog))).toBe('/');
    expect(cgroupGetFromPath(prog, '/p/b')).toBeNull();
    expect([...cssForEachChild(av.parent!)].map((c) => c.name)).toContain('a');
  });

  it('forEachTask / findTask', () => {
    const { k, ta } = knownWorkload(controller);
    const prog = programFromKernel(k);
    expect([...forEachTask(prog)].map((t) => t.pid)).toEqual([...kernelTasks(k)].map((t) => t.pid));
    expect(findTask(prog, 1)!.comm).toBe('systemd');
    const t = findTask(prog, ta.pid)!;
    expect(t.memcg.name).toBe('a');
    expect(findContainingSlabCache(prog, t.address)!.name).toBe('task_struct');
    expect(findTask(prog, 999999)).toBeNull();
  });

  it('knows which memcg owns a slab object', () => {
    const { k, a } = knownWorkload(controller);
    const prog = programFromKernel(k);
    const av = prog.memcgById(a.id)!;
    const cache = legacy ? memcgKmemCaches(av).find((c) => kmemCacheRoot(c)?.name === 'dentry')! : findSlabCache(prog, 'dentry-memcg')!;
    let owned = 0;
    for (const addr of slabCacheForEachAllocatedObject(cache)) if (memCgroupFromObj(prog, addr)?.id === a.id) owned++;
    expect(owned).toBe(500);
  });
});

describe('objcg-only helpers', () => {
  it('memcgObjcgs includes the obj_cgroups reparented from dead children', () => {
    const { k, p, a, b } = knownWorkload('objcg');
    flushDeferredWork(k);
    const prog = programFromKernel(k);
    const pv = prog.memcgById(p.id)!;
    const objcgs = memcgObjcgs(pv);
    expect(objcgs[0].id).toBe(p.objcg!.id);
    expect(objcgs.length).toBe(2);
    const reparented = objcgs[1];
    expect(reparented.killed).toBe(true);
    expect(objCgroupMemcg(reparented).id).toBe(p.id);
    expect(prog.memcgById(b.id)).toBeNull(); // released: nothing pinned it
    const av = prog.memcgById(a.id)!;
    expect(memcgObjcgs(av).map((o) => o.id)).toEqual([a.objcg!.id]);
  });

  it('slabObjcgs / slabObjectObjcg read the obj_cgroup vector', () => {
    const { k, a } = knownWorkload('objcg');
    const prog = programFromKernel(k);
    const clone = findSlabCache(prog, 'dentry-memcg')!;
    const slab = [...forEachSlab(prog, clone)][0];
    const vec = slabObjcgs(slab)!;
    expect(vec.length).toBe(clone.objects);
    const addr = [...slabCacheForEachAllocatedObject(clone)].find((x) => slabObjectObjcg(prog, x)?.id === a.objcg!.id);
    expect(addr).toBeDefined();
    // a root cache slab of unaccounted objects has no vector
    const kernfs = [...forEachSlab(prog, findSlabCache(prog, 'kernfs_node_cache')!)][0];
    expect(slabObjcgs(kernfs)).toBeNull();
  });
});

describe('legacy-only helpers', () => {
  it('memcgKmemCaches / kmemCacheMemcg / kmemCacheChildren and the pins of a dying memcg', () => {
    const { k, p, a, b } = knownWorkload('legacy');
    flushDeferredWork(k);
    const prog = programFromKernel(k);
    const av = prog.memcgById(a.id)!;
    const own = memcgKmemCaches(av);
    expect(own.map((c) => c.name)).toEqual([`dentry(${a.serial}:a)`]);
    expect(kmemCacheMemcg(own[0])!.id).toBe(a.id);
    // b's cache was reparented to p, and still pins b
    const pv = prog.memcgById(p.id)!;
    const reparented = memcgKmemCaches(pv);
    expect(reparented.map((c) => c.name)).toEqual([`dentry(${b.serial}:b)`]);
    expect(reparented[0].deactivated).toBe(true);
    expect(reparented[0].creator!.id).toBe(b.id);
    const bv = prog.memcgById(b.id)!;
    expect(bv.dying).toBe(true);
    const refs = memcgCssRefs(bv);
    expect(refs.legacyCaches.map((c) => c.name)).toEqual([reparented[0].name]);
    expect(refs.other).toBe(0);
    expect(kmemCacheChildren(findSlabCache(prog, 'dentry')!).map((c) => c.name)).toEqual([`dentry(${a.serial}:a)`, `dentry(${b.serial}:b)`]);
    expect(slubGetSlabinfo(reparented[0]).numObjs).toBeGreaterThanOrEqual(300);
  });
});

describe('addresses', () => {
  it('are stable across snapshots for the life of an object', () => {
    const { k, a } = knownWorkload('objcg');
    const p1 = programFromKernel(k);
    const p2 = programFromKernel(k);
    const m1 = p1.memcgById(a.id)!;
    const m2 = p2.memcgById(a.id)!;
    expect(m2.address).toBe(m1.address);
    expect(m2.cgroupAddress).toBe(m1.cgroupAddress);
    expect(m2.objcg!.address).toBe(m1.objcg!.address);
    expect(findSlabCache(p2, 'dentry')!.address).toBe(findSlabCache(p1, 'dentry')!.address);
    const addrs = new Set<bigint>();
    for (const c of forEachSlabCache(p1)) addrs.add(c.address);
    for (const c of forEachMemCgroup(p1)) addrs.add(c.address);
    expect(addrs.size).toBe(p1.snap.caches.count + p1.snap.cgroups.count);
  });
});
