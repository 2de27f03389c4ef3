/**
 * The activity calls added for the workloads' findings (docs/workload-findings.md F6–F9, F13, F14,
 * timerfd/eventfd): XFS files and pages, named files any task can unlink, writes to cached pages,
 * memfd/shmem, epoll_ctl, cached /proc reads. Every case runs under every controller and ends with
 * the kernel's invariants.
 */
import { describe, expect, it } from 'vitest';
import {
  bootKernel,
  cgroupMkdir,
  checkInvariants,
  clockAdvance,
  dropCaches,
  findSlabCache,
  flushDeferredWork,
  meminfo,
  memcgCounterInfo,
  memcgReclaim,
  memcgSetLimit,
  memcgStatLocal,
  taskAnonFault,
  taskClose,
  taskCreateFile,
  taskCreateFiles,
  taskEpoll,
  taskEpollCtl,
  taskEventfd,
  taskExit,
  taskFork,
  taskMemfd,
  taskPagecacheRead,
  taskPagecacheWrite,
  taskProcRead,
  taskSpawn,
  taskTimerfd,
  taskUnlink,
  taskUnlinkFiles,
} from '../../src/kernel/index.js';
import type { ControllerName, Kernel, MemCgroup, Task } from '../../src/kernel/index.js';
import { errno, expectInvariants, smallKernel, withCgroup } from './helpers.js';

const CONTROLLERS: ControllerName[] = ['legacy', 'objcg', 'none'];

/** Live objects of a cache, its per-memcg children or clones included. */
function live(k: Kernel, name: string): number {
  return k.caches.filter((c) => c && !c.destroyed && (c.rootCache ?? c).name === name).reduce((a, c) => a + c.nrAllocated, 0);
}

/** Live objects in the root cache alone: under legacy and objcg, the unaccounted ones. */
function rootLive(k: Kernel, name: string): number {
  return findSlabCache(k, name)?.nrAllocated ?? 0;
}

/** Objects allocated from a cache since boot, children and clones included. */
function allocs(k: Kernel, name: string): number {
  return k.caches.filter((c) => c && !c.destroyed && (c.rootCache ?? c).name === name).reduce((a, c) => a + c.nrAllocs, 0);
}

/** What a failed call must leave as it was. */
function fingerprint(k: Kernel): string {
  const objects = k.caches.filter((c) => c && !c.destroyed).map((c) => `${c.name}:${c.nrAllocated}`);
  const mi = meminfo(k);
  return JSON.stringify({ objects, file: mi.filePages, shmem: mi.shmemPages, anon: mi.anonPages, now: k.nowNs() });
}

/** A 64 KiB-page machine (the POWER8 profile, small). */
function power8Kernel(controller: ControllerName): Kernel {
  return bootKernel({ controller, machine: 'power8', machineOverrides: { memBytes: 1024 * 1024 * 1024, nrCpus: 4 } });
}

function spawnIn(k: Kernel, name: string): { cg: MemCgroup; task: Task } {
  const cg = cgroupMkdir(k, k.rootMemcg, name);
  return { cg, task: taskSpawn(k, cg, name, { cpu: 2 }) };
}

describe.each(CONTROLLERS)('activity calls under %s', (controller) => {
  const accounted = controller !== 'none';

  describe('F9: XFS', () => {
    it('creates files with an accounted xfs_inode and an unaccounted xfs_ili, caches made on first use', () => {
      const k = smallKernel(controller);
      const { cg, task } = withCgroup(k);
      expect(findSlabCache(k, 'xfs_inode')).toBeUndefined();
      taskCreateFiles(k, task, 1, 12, 'xfs');
      flushDeferredWork(k);
      const inode = findSlabCache(k, 'xfs_inode')!;
      const ili = findSlabCache(k, 'xfs_ili')!;
      expect(inode.accounted && inode.reclaimable).toBe(true);
      expect(inode.size).toBe(1024);
      expect(ili.accounted || ili.reclaimable).toBe(false);
      const slab = memcgStatLocal(k, cg).slabReclaimable;
      expect(taskCreateFiles(k, task, 100, 12, 'xfs')).toBe(100);
      expect(live(k, 'xfs_inode')).toBe(101);
      expect(live(k, 'xfs_ili')).toBe(101);
      // the log items are never charged: all in the root cache
      expect(rootLive(k, 'xfs_ili')).toBe(101);
      if (accounted) {
        expect(rootLive(k, 'xfs_inode')).toBeLessThanOrEqual(1);
        expect(memcgStatLocal(k, cg).slabReclaimable).toBeGreaterThan(slab + 100 * 960);
      } else {
        expect(memcgStatLocal(k, cg).slabReclaimable).toBe(0);
      }
      expectInvariants(k);
    });

    it('writes pages without buffer_heads, with radix tree nodes as ext4, and no iomap_page with 4 KiB pages', () => {
      const k = smallKernel(controller);
      const { cg, task } = withCgroup(k);
      const bh = live(k, 'buffer_head');
      const nodes = live(k, 'radix_tree_node');
      const kmalloc32 = live(k, 'kmalloc-32');
      const f = taskCreateFile(k, task, { fs: 'xfs' });
      expect(taskPagecacheWrite(k, task, 65, { file: f })).toBe(65);
      expect(live(k, 'buffer_head')).toBe(bh);
      expect(live(k, 'radix_tree_node')).toBe(nodes + 2);
      expect(live(k, 'kmalloc-32')).toBe(kmalloc32);
      expect(memcgStatLocal(k, cg).file).toBe(65 * k.pageSize);
      expect(taskPagecacheRead(k, task, 10, { fs: 'xfs' })).toBe(10);
      expect(live(k, 'buffer_head')).toBe(bh);
      expectInvariants(k);
    });

    it('gives each page an unaccounted iomap_page with 64 KiB pages, ext4 16 buffer_heads', () => {
      const k = power8Kernel(controller);
      const { task } = withCgroup(k);
      const kmalloc32 = rootLive(k, 'kmalloc-32');
      const bh = live(k, 'buffer_head');
      taskPagecacheWrite(k, task, 10, { fs: 'xfs' });
      taskPagecacheRead(k, task, 5, { fs: 'xfs' });
      expect(rootLive(k, 'kmalloc-32')).toBe(kmalloc32 + 15);
      expect(live(k, 'buffer_head')).toBe(bh);
      taskPagecacheWrite(k, task, 10);
      expect(live(k, 'buffer_head')).toBe(bh + 160);
      dropCaches(k, 1);
      expect(rootLive(k, 'kmalloc-32')).toBe(kmalloc32);
      expect(live(k, 'buffer_head')).toBe(bh);
      expectInvariants(k);
    });

    it('keeps an unlinked inode for background reclaim (5 s), drop_caches frees it at once', () => {
      const k = smallKernel(controller);
      const { task } = withCgroup(k);
      const a = taskCreateFile(k, task, { fs: 'xfs' });
      const b = taskCreateFile(k, task, { fs: 'xfs' });
      const dentries = live(k, 'dentry');
      taskUnlink(k, task, a);
      expect(live(k, 'xfs_inode')).toBe(2);
      expect(live(k, 'dentry')).toBe(dentries); // negative, cached
      clockAdvance(k, 4.9e9);
      expect(live(k, 'xfs_inode')).toBe(2);
      clockAdvance(k, 0.2e9);
      expect(live(k, 'xfs_inode')).toBe(1);
      expect(live(k, 'xfs_ili')).toBe(1);
      taskUnlink(k, task, b);
      dropCaches(k, 2);
      expect(live(k, 'xfs_inode')).toBe(0);
      expect(live(k, 'xfs_ili')).toBe(0);
      expectInvariants(k);
    });

    it('recycles a reclaimable inode when its file is looked up again', () => {
      const k = smallKernel(controller);
      const { cg, task } = withCgroup(k);
      const f = taskCreateFile(k, task, { fs: 'xfs' });
      taskPagecacheWrite(k, task, 3, { file: f });
      // the shrinkers prune its dentry: the page cache goes, the inode turns reclaimable
      memcgReclaim(k, k.rootMemcg, 1_000_000);
      expect(memcgStatLocal(k, cg).file).toBe(0);
      expect(live(k, 'xfs_inode')).toBe(1);
      const made = allocs(k, 'xfs_inode');
      expect(taskPagecacheRead(k, task, 2, { file: f })).toBe(2);
      expect(allocs(k, 'xfs_inode')).toBe(made);
      clockAdvance(k, 10e9);
      expect(live(k, 'xfs_inode')).toBe(1); // in use again: the worker leaves it alone
      expectInvariants(k);
    });
  });

  describe('F14: memfd and shmem', () => {
    it('charges memfd pages as shmem and file, frees everything at close', () => {
      const k = smallKernel(controller);
      const { cg, task } = withCgroup(k);
      taskClose(k, task, taskMemfd(k, task, 1));
      flushDeferredWork(k);
      const objs = ['shmem_inode_cache', 'dentry', 'filp', 'radix_tree_node'].map((n) => live(k, n));
      const mi = meminfo(k);
      const fd = taskMemfd(k, task, 100);
      const st = memcgStatLocal(k, cg);
      expect(st.shmem).toBe(100 * k.pageSize);
      expect(st.file).toBe(100 * k.pageSize);
      expect(st.inactiveAnon).toBe(100 * k.pageSize);
      expect(st.inactiveFile).toBe(0);
      const mi2 = meminfo(k);
      expect(mi2.shmemPages - mi.shmemPages).toBe(100);
      expect(mi2.filePages - mi.filePages).toBe(100);
      expect(mi2.inactiveAnon - mi.inactiveAnon).toBe(100);
      expect(mi2.inactiveFile).toBe(mi.inactiveFile);
      expect(['shmem_inode_cache', 'dentry', 'filp', 'radix_tree_node'].map((n) => live(k, n))).toEqual(objs.map((n, i) => n + (i === 3 ? 2 : 1)));
      const inode = findSlabCache(k, 'shmem_inode_cache')!;
      expect(inode.accounted && !inode.reclaimable).toBe(true);
      if (accounted) expect(rootLive(k, 'shmem_inode_cache')).toBe(0);
      // no swap: reclaim cannot touch shmem
      memcgReclaim(k, cg, 1000);
      expect(memcgStatLocal(k, cg).shmem).toBe(100 * k.pageSize);
      expectInvariants(k);
      taskClose(k, task, fd);
      expect(memcgStatLocal(k, cg).shmem).toBe(0);
      expect(memcgStatLocal(k, cg).file).toBe(0);
      expect(meminfo(k).shmemPages).toBe(mi.shmemPages);
      expect(['shmem_inode_cache', 'dentry', 'filp', 'radix_tree_node'].map((n) => live(k, n))).toEqual(objs);
      expect(errno(() => taskClose(k, task, fd))).toBe('EBADF');
      expectInvariants(k);
    });

    it('frees a memfd when its process exits; another process cannot close it', () => {
      const k = smallKernel(controller);
      const { cg, task } = withCgroup(k);
      const other = taskFork(k, task);
      const fd = taskMemfd(k, task, 20, { nameLen: 40 });
      expect(errno(() => taskClose(k, other, fd))).toBe('EBADF');
      expect(memcgStatLocal(k, cg).shmem).toBe(20 * k.pageSize);
      taskExit(k, task);
      expect(memcgStatLocal(k, cg).shmem).toBe(0);
      expect(meminfo(k).shmemPages).toBe(0);
      expectInvariants(k);
    });

    it('writes tmpfs files as shmem pages, freed by unlink', () => {
      const k = smallKernel(controller);
      const { cg, task } = withCgroup(k);
      const f = taskCreateFile(k, task, { fs: 'tmpfs' });
      const dentries = live(k, 'dentry');
      expect(taskPagecacheWrite(k, task, 8, { file: f })).toBe(8);
      expect(taskPagecacheRead(k, task, 8, { file: f })).toBe(8);
      expect(memcgStatLocal(k, cg).shmem).toBe(8 * k.pageSize);
      taskUnlink(k, task, f);
      expect(memcgStatLocal(k, cg).shmem).toBe(0);
      expect(live(k, 'dentry')).toBe(dentries - 1); // tmpfs deletes the dentry
      expectInvariants(k);
    });
  });

  describe('timerfd and eventfd', () => {
    it('allocate an unaccounted context, a pseudo dentry and a file each, held until exit', () => {
      const k = smallKernel(controller);
      const task = taskFork(k, withCgroup(k).task);
      const before = ['filp', 'dentry', 'kmalloc-256', 'kmalloc-64'].map((n) => live(k, n));
      const root256 = rootLive(k, 'kmalloc-256');
      const root64 = rootLive(k, 'kmalloc-64');
      expect(taskTimerfd(k, task, 3)).toBe(3);
      expect(taskEventfd(k, task, 2)).toBe(2);
      expect(['filp', 'dentry', 'kmalloc-256', 'kmalloc-64'].map((n) => live(k, n))).toEqual([before[0] + 5, before[1] + 5, before[2] + 3, before[3] + 2]);
      expect(rootLive(k, 'kmalloc-256')).toBe(root256 + 3);
      expect(rootLive(k, 'kmalloc-64')).toBe(root64 + 2);
      expectInvariants(k);
      taskExit(k, task);
      expect(['filp', 'dentry', 'kmalloc-256', 'kmalloc-64'].map((n) => live(k, n))).toEqual(before);
      expectInvariants(k);
    });
  });

  describe('F13: epoll_ctl', () => {
    it('adds and removes watches on an existing instance, frees all at close', () => {
      const k = smallKernel(controller);
      const { task } = withCgroup(k);
      const epi = live(k, 'eventpoll_epi');
      const pwq = live(k, 'eventpoll_pwq');
      const ep = taskEpoll(k, task, 2);
      expect(taskEpollCtl(k, task, ep, 5)).toBe(5);
      expect(live(k, 'eventpoll_epi')).toBe(epi + 7);
      expect(live(k, 'eventpoll_pwq')).toBe(pwq + 7);
      expect(taskEpollCtl(k, task, ep, -3)).toBe(3);
      expect(live(k, 'eventpoll_epi')).toBe(epi + 4);
      const fp = fingerprint(k);
      expect(errno(() => taskEpollCtl(k, task, ep, -5))).toBe('ENOENT');
      expect(errno(() => taskEpollCtl(k, task, ep, 1.5))).toBe('EINVAL');
      expect(fingerprint(k)).toBe(fp);
      // once the memcg's caches exist, watches are charged: none lands in the root cache
      flushDeferredWork(k);
      const unaccounted = rootLive(k, 'eventpoll_epi');
      taskEpollCtl(k, task, ep, 50);
      expect(rootLive(k, 'eventpoll_epi')).toBe(unaccounted + (accounted ? 0 : 50));
      taskClose(k, task, ep);
      expect(live(k, 'eventpoll_epi')).toBe(epi);
      expect(live(k, 'eventpoll_pwq')).toBe(pwq);
      expectInvariants(k);
    });
  });

  describe('F6: cached /proc reads', () => {
    it('a first read leaves a proc dentry and inode cached, a cached read only transient objects', () => {
      const k = smallKernel(controller);
      const { task } = withCgroup(k);
      const inodes = live(k, 'proc_inode_cache');
      const dentries = live(k, 'dentry');
      const seq = live(k, 'seq_file');
      expect(taskProcRead(k, task, 5)).toBe(5);
      expect(live(k, 'proc_inode_cache')).toBe(inodes + 5);
      expect(live(k, 'dentry')).toBe(dentries + 5);
      const seqAllocs = allocs(k, 'seq_file');
      const filp = live(k, 'filp');
      expect(taskProcRead(k, task, 7, { cached: true })).toBe(7);
      expect(live(k, 'proc_inode_cache')).toBe(inodes + 5);
      expect(live(k, 'dentry')).toBe(dentries + 5);
      expect(live(k, 'seq_file')).toBe(seq);
      expect(live(k, 'filp')).toBe(filp);
      expect(allocs(k, 'seq_file')).toBe(seqAllocs + 7);
      expectInvariants(k);
    });

    it('reads into a one-page buffer: kmalloc-64k with 64 KiB pages', () => {
      const k = power8Kernel(controller);
      const { task } = withCgroup(k);
      const before = allocs(k, 'kmalloc-64k');
      taskProcRead(k, task, 3, { cached: true });
      expect(allocs(k, 'kmalloc-64k')).toBe(before + 3);
      expectInvariants(k);
    });
  });

  describe('F7: named files, unlink by another process', () => {
    it('unlink truncates pages, radix tree nodes and buffer_heads; the dentry stays, negative', () => {
      const k = smallKernel(controller);
      const a = spawnIn(k, 'a');
      const b = spawnIn(k, 'b');
      const bh = live(k, 'buffer_head');
      const nodes = live(k, 'radix_tree_node');
      const inodes = live(k, 'ext4_inode_cache');
      const f = taskCreateFile(k, a.task);
      expect(taskPagecacheWrite(k, a.task, 70, { file: f })).toBe(70);
      expect(live(k, 'buffer_head')).toBe(bh + 70);
      expect(live(k, 'radix_tree_node')).toBe(nodes + 2);
      expect(memcgStatLocal(k, a.cg).file).toBe(70 * k.pageSize);
      const usage = memcgCounterInfo(k, a.cg, 'memory').usageBytes;
      const dentries = live(k, 'dentry');
      taskUnlink(k, b.task, f);
      expect(memcgStatLocal(k, a.cg).file).toBe(0);
      expect(memcgCounterInfo(k, a.cg, 'memory').usageBytes).toBeLessThanOrEqual(usage - 70 * k.pageSize);
      expect(live(k, 'buffer_head')).toBe(bh);
      expect(live(k, 'radix_tree_node')).toBe(nodes);
      expect(live(k, 'ext4_inode_cache')).toBe(inodes);
      expect(live(k, 'dentry')).toBe(dentries);
      expect(meminfo(k).filePages).toBe(0);
      expect(errno(() => taskUnlink(k, b.task, f))).toBe('ENOENT');
      expect(errno(() => taskPagecacheRead(k, a.task, 1, { file: f }))).toBe('ENOENT');
      expectInvariants(k);
      // the negative dentry goes with reclaim
      dropCaches(k, 2);
      expect(live(k, 'dentry')).toBeLessThan(dentries);
      expectInvariants(k);
    });

    it('a file whose dentry was reclaimed loses its pages and is looked up again by whoever uses it', () => {
      const k = smallKernel(controller);
      const a = spawnIn(k, 'a');
      const b = spawnIn(k, 'b');
      const f = taskCreateFile(k, a.task);
      taskPagecacheRead(k, a.task, 10, { file: f });
      dropCaches(k, 2); // prunes the dentry: its inode is evicted with the page cache
      expect(memcgStatLocal(k, a.cg).file).toBe(0);
      expect(live(k, 'ext4_inode_cache')).toBe(0);
      expect(taskPagecacheRead(k, b.task, 4, { file: f })).toBe(4);
      expect(live(k, 'ext4_inode_cache')).toBe(1);
      expect(memcgStatLocal(k, b.cg).file).toBe(4 * k.pageSize);
      taskUnlink(k, a.task, f);
      expect(memcgStatLocal(k, b.cg).file).toBe(0);
      expect(live(k, 'ext4_inode_cache')).toBe(0);
      expectInvariants(k);
    });

    it('reclaim takes named files\' pages off the LRU with their radix tree nodes', () => {
      const k = smallKernel(controller);
      const { cg, task } = withCgroup(k);
      const nodes = live(k, 'radix_tree_node');
      const f = taskCreateFile(k, task);
      taskPagecacheWrite(k, task, 130, { file: f });
      taskPagecacheRead(k, task, 30);
      expect(live(k, 'radix_tree_node')).toBe(nodes + 4);
      memcgReclaim(k, cg, 1_000_000);
      expect(memcgStatLocal(k, cg).file).toBe(0);
      expect(live(k, 'radix_tree_node')).toBe(nodes);
      expectInvariants(k);
      taskPagecacheWrite(k, task, 3, { file: f });
      taskUnlink(k, task, f);
      expect(memcgStatLocal(k, cg).file).toBe(0);
      expectInvariants(k);
    });

    it('taskUnlinkFiles leaves negative dentries (tmpfs: none)', () => {
      const k = smallKernel(controller);
      const { task } = withCgroup(k);
      taskCreateFiles(k, task, 5, 12, 'ext4');
      const dentries = live(k, 'dentry');
      expect(taskUnlinkFiles(k, task, 5)).toBe(5);
      expect(live(k, 'ext4_inode_cache')).toBe(0);
      expect(live(k, 'dentry')).toBe(dentries);
      taskCreateFiles(k, task, 5, 12, 'tmpfs');
      expect(taskUnlinkFiles(k, task, 5)).toBe(5);
      expect(live(k, 'dentry')).toBe(dentries);
      expect(taskUnlinkFiles(k, task, 5)).toBe(0);
      expectInvariants(k);
    });
  });

  describe('F8: writes to cached pages', () => {
    it('attach buffer_heads charged to the memcg of the page, not of the writer', () => {
      const k = smallKernel(controller);
      const a = spawnIn(k, 'a');
      const b = spawnIn(k, 'b');
      // let both memcgs' buffer_head caches exist
      taskPagecacheWrite(k, a.task, 1);
      taskPagecacheWrite(k, b.task, 1);
      flushDeferredWork(k);
      const f = taskCreateFile(k, a.task);
      taskPagecacheRead(k, a.task, 200, { file: f });
      const bh = live(k, 'buffer_head');
      const slabA = memcgStatLocal(k, a.cg).slabReclaimable;
      const slabB = memcgStatLocal(k, b.cg).slabReclaimable;
      expect(taskPagecacheWrite(k, b.task, 150, { file: f, cached: true })).toBe(150);
      expect(live(k, 'buffer_head')).toBe(bh + 150);
      expect(memcgStatLocal(k, b.cg).slabReclaimable).toBe(slabB);
      if (accounted) expect(memcgStatLocal(k, a.cg).slabReclaimable).toBeGreaterThan(slabA);
      else expect(memcgStatLocal(k, a.cg).slabReclaimable).toBe(0);
      // only 50 pages are left without buffers
      expect(taskPagecacheWrite(k, b.task, 100, { file: f, cached: true })).toBe(50);
      expect(live(k, 'buffer_head')).toBe(bh + 200);
      expectInvariants(k);
      taskUnlink(k, b.task, f);
      expect(live(k, 'buffer_head')).toBe(bh);
      expectInvariants(k);
    });

    it('without a file, take the oldest cached pages of the writer\'s memcg that have no buffers', () => {
      const k = smallKernel(controller);
      const { task } = withCgroup(k);
      taskPagecacheRead(k, task, 10);
      taskPagecacheWrite(k, task, 5);
      taskPagecacheRead(k, task, 10);
      const bh = live(k, 'buffer_head');
      expect(taskPagecacheWrite(k, task, 15, { cached: true })).toBe(15);
      expect(live(k, 'buffer_head')).toBe(bh + 15);
      expect(taskPagecacheWrite(k, task, 15, { cached: true })).toBe(5);
      expect(taskPagecacheWrite(k, task, 1, { cached: true })).toBe(0);
      dropCaches(k, 1);
      expect(live(k, 'buffer_head')).toBe(0);
      expectInvariants(k);
    });
  });

  describe('errors', () => {
    /** `setup` makes what the call needs (its handle); the call must then change nothing. */
    const cases: Array<{ name: string; code: string; setup?: (k: Kernel, t: Task) => number; call: (k: Kernel, t: Task, dead: Task, h: number) => unknown }> = [
      { name: 'memfd: negative pages', code: 'EINVAL', call: (k, t) => taskMemfd(k, t, -1) },
      { name: 'memfd: name too long', code: 'EINVAL', call: (k, t) => taskMemfd(k, t, 1, { nameLen: 250 }) },
      { name: 'memfd: exited task', code: 'ESRCH', call: (k, _t, dead) => taskMemfd(k, dead, 1) },
      { name: 'timerfd: fractional count', code: 'EINVAL', call: (k, t) => taskTimerfd(k, t, 0.5) },
      { name: 'eventfd: exited task', code: 'ESRCH', call: (k, _t, dead) => taskEventfd(k, dead, 1) },
      { name: 'epoll: negative watches', code: 'EINVAL', call: (k, t) => taskEpoll(k, t, -2) },
      { name: 'epoll_ctl: unknown handle', code: 'EBADF', call: (k, t) => taskEpollCtl(k, t, 123456, 1) },
      { name: 'epoll_ctl: a memfd', code: 'EINVAL', setup: (k, t) => taskMemfd(k, t, 0), call: (k, t, _d, h) => taskEpollCtl(k, t, h, 1) },
      { name: 'epoll_ctl: another process\'s instance', code: 'EBADF', setup: (k, t) => taskEpoll(k, taskFork(k, t), 1), call: (k, t, _d, h) => taskEpollCtl(k, t, h, 1) },
      { name: 'epoll_ctl: removing more than there are', code: 'ENOENT', setup: (k, t) => taskEpoll(k, t, 2), call: (k, t, _d, h) => taskEpollCtl(k, t, h, -3) },
      { name: 'close: not a handle', code: 'EBADF', call: (k, t) => taskClose(k, t, 7.5) },
      { name: 'close: exited task', code: 'ESRCH', call: (k, _t, dead) => taskClose(k, dead, 3) },
      { name: 'create: unknown filesystem', code: 'EINVAL', call: (k, t) => taskCreateFile(k, t, { fs: 'btrfs' as 'ext4' }) },
      { name: 'create: name too long', code: 'EINVAL', call: (k, t) => taskCreateFile(k, t, { nameLen: 256 }) },
      { name: 'create files: unknown filesystem', code: 'EINVAL', call: (k, t) => taskCreateFiles(k, t, 1, 12, 'nfs' as 'ext4') },
      { name: 'unlink: no such file', code: 'ENOENT', call: (k, t) => taskUnlink(k, t, 99) },
      { name: 'unlink: already unlinked', code: 'ENOENT', setup: (k, t) => { const f = taskCreateFile(k, t); taskUnlink(k, t, f); return f; }, call: (k, t, _d, h) => taskUnlink(k, t, h) },
      { name: 'unlink: exited task', code: 'ESRCH', setup: (k, t) => taskCreateFile(k, t), call: (k, _t, dead, h) => taskUnlink(k, dead, h) },
      { name: 'read: tmpfs pages without a file', code: 'EINVAL', call: (k, t) => taskPagecacheRead(k, t, 1, { fs: 'tmpfs' }) },
      { name: 'write: no such file', code: 'ENOENT', call: (k, t) => taskPagecacheWrite(k, t, 1, { file: 4242 }) },
      { name: 'write: not the file\'s filesystem', code: 'EINVAL', setup: (k, t) => taskCreateFile(k, t), call: (k, t, _d, h) => taskPagecacheWrite(k, t, 1, { file: h, fs: 'xfs' }) },
      { name: 'write: cached not a boolean', code: 'EINVAL', call: (k, t) => taskPagecacheWrite(k, t, 1, { cached: 1 as unknown as boolean }) },
      { name: 'proc read: cached not a boolean', code: 'EINVAL', call: (k, t) => taskProcRead(k, t, 1, { cached: 'yes' as unknown as boolean }) },
    ];
    it.each(cases)('$name: $code, nothing changed', ({ code, setup, call }) => {
      const k = smallKernel(controller);
      const { task } = withCgroup(k);
      const dead = taskFork(k, task);
      taskExit(k, dead);
      const h = setup ? setup(k, task) : 0;
      const fp = fingerprint(k);
      expect(errno(() => call(k, task, dead, h))).toBe(code);
      expect(fingerprint(k)).toBe(fp);
      expectInvariants(k);
    });
  });

  it('keeps invariants through a random mix of the new calls', () => {
    const k = smallKernel(controller, { seed: 5 });
    const { cg, task } = withCgroup(k);
    const other = spawnIn(k, 'other').task;
    const tasks = [task, other, taskFork(k, task)];
    const files: number[] = [];
    const fds = new Map<number, Task>();
    const r = k.rng;
    // tight enough that reclaim and, now and then, the OOM killer take part
    memcgSetLimit(k, cg, 'memory', 'max', (24 * 1024 * 1024) / k.pageSize);
    for (let step = 0; step < 600; step++) {
      const alive = tasks.filter((x) => !x.exited);
      if (alive.length < 3) tasks.push(taskSpawn(k, r.chance(0.5) ? cg : other.memcg, 'worker', { cpu: r.int(4) }));
      const t = r.pick(tasks.filter((x) => !x.exited));
      const op = r.int(17);
      if (op === 0) files.push(taskCreateFile(k, t, { fs: r.pick(['ext4', 'xfs', 'tmpfs'] as const) }));
      else if (op === 1 && files.length) taskPagecacheWrite(k, t, r.int(80), { file: r.pick(files) });
      else if (op === 2 && files.length) taskPagecacheRead(k, t, r.int(80), { file: r.pick(files) });
      else if (op === 3 && files.length) taskPagecacheWrite(k, t, r.int(40), { file: r.pick(files), cached: true });
      else if (op === 4 && files.length) {
        const f = files.splice(r.int(files.length), 1)[0];
        taskUnlink(k, t, f);
      } else if (op === 5) fds.set(taskMemfd(k, t, r.int(40)), t.leader);
      else if (op === 6) fds.set(taskEpoll(k, t, r.int(5)), t.leader);
      else if (op === 7 && fds.size) {
        const [fd, owner] = r.pick([...fds]);
        fds.delete(fd);
        if (!owner.exited) taskClose(k, owner, fd);
      } else if (op === 8) memcgReclaim(k, cg, r.int(200));
      else if (op === 9) dropCaches(k, 1 + r.int(3));
      else if (op === 10) clockAdvance(k, r.int(3e9));
      else if (op === 11) taskPagecacheRead(k, t, r.int(50), { fs: r.pick(['ext4', 'xfs'] as const) });
      else if (op === 12) taskPagecacheWrite(k, t, r.int(30), { cached: r.chance(0.5) });
      else if (op === 13) taskProcRead(k, t, r.int(4), { cached: r.chance(0.5) });
      else if (op === 14) taskCreateFiles(k, t, r.int(5), 12, r.pick(['ext4', 'xfs', 'tmpfs'] as const));
      else if (op === 15) taskUnlinkFiles(k, t, r.int(5));
      else if (op === 16 && t !== task) taskExit(k, t);
      else if (op === 16) taskAnonFault(k, t, r.int(500));
      if (step % 20 === 0) expect(checkInvariants(k)).toEqual([]);
    }
    for (const t of tasks) if (!t.exited) taskExit(k, t);
    for (const f of files) taskUnlink(k, taskSpawn(k, k.rootMemcg, 'rm'), f);
    dropCaches(k, 3);
    expect(meminfo(k).filePages).toBe(0);
    expect(meminfo(k).shmemPages).toBe(0);
    expectInvariants(k);
  });
});
