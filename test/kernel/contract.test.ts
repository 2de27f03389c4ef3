/** The contract every slab controller honours (legacy, objcg, none). */
import { describe, expect, it } from 'vitest';
import {
  cgroupAttach,
  cgroupMkdir,
  cgroupRmdir,
  cgroupStat,
  clockAdvance,
  dropCaches,
  flushDeferredWork,
  findTask,
  meminfo,
  memcgCounterInfo,
  memcgSetLimit,
  memcgStatHierarchical,
  slabinfo,
  taskAnonFault,
  taskCreateFiles,
  taskExit,
  taskFork,
  taskKfree,
  taskKmalloc,
  taskLookupMissing,
  taskMigrateCpu,
  taskOpenFiles,
  taskPagecacheRead,
  taskSocket,
} from '../../src/kernel/index.js';
import type { ControllerName } from '../../src/kernel/index.js';
import { errno, expectInvariants, smallKernel, withCgroup } from './helpers.js';

const CONTROLLERS: ControllerName[] = ['objcg', 'legacy', 'none'];

describe.each(CONTROLLERS)('kernel contract under %s', (controller) => {
  it('boots with consistent state', () => {
    const k = smallKernel(controller);
    expectInvariants(k);
    const mi = meminfo(k);
    expect(mi.slabReclaimablePages + mi.slabUnreclaimablePages).toBeGreaterThan(0);
    expect(findTask(k, 1)?.comm).toBe('systemd');
    expect(findTask(k, 2)?.kthread).toBe(true);
  });

  it('frees everything a process allocated when it exits', () => {
    const k = smallKernel(controller);
    // live objects of the caches a process's own allocations come from (root caches and
    // their per-memcg children or clones together)
    const CACHES = ['task_struct', 'task_delay_info', 'pid', 'cred_jar', 'mm_struct', 'vm_area_struct', 'filp', 'TCP', 'files_cache', 'signal_cache'];
    const live = () =>
      CACHES.map((name) =>
        k.caches.filter((c) => c && !c.destroyed && (c.rootCache ?? c).name === name).reduce((a, c) => a + c.nrAllocated, 0),
      );
    const kmallocLive = () => k.caches.filter((c) => c && !c.destroyed && /^kmalloc-(8k|512)/.test((c.rootCache ?? c).name)).reduce((a, c) => a + c.nrAllocated, 0);
    const before = live();
    const kmallocBefore = kmallocLive();
    const { task } = withCgroup(k);
    const thread = taskFork(k, task, { thread: true });
    taskOpenFiles(k, task, 20);
    taskSocket(k, thread, 3, 'tcp');
    const h = taskKmalloc(k, task, 300);
    taskKfree(k, task, h);
    taskKmalloc(k, thread, 5000);
    taskAnonFault(k, task, 50);
    expect(live()).not.toEqual(before);
    expectInvariants(k);
    taskExit(k, task);
    expect(findTask(k, thread.pid)).toBeUndefined();
    expectInvariants(k);
    expect(live()).toEqual(before);
    expect(kmallocLive()).toBe(kmallocBefore);
  });

  it('keeps charges where they were made when a task moves', () => {
    const k = smallKernel(controller);
    const { cg, task } = withCgroup(k, 'a');
    const b = cgroupMkdir(k, k.rootMemcg, 'b');
    taskAnonFault(k, task, 64);
    const aUsage = memcgCounterInfo(k, cg, 'memory').usageBytes;
    cgroupAttach(k, b, task.pid, 'process');
    expect(task.memcg).toBe(b);
    expect(memcgCounterInfo(k, cg, 'memory').usageBytes).toBe(aUsage);
    expect(memcgStatHierarchical(k, cg).anon).toBe(64 * k.pageSize);
    expectInvariants(k);
  });

  it('returns the kernel errno for bad requests and changes nothing', () => {
    const k = smallKernel(controller);
    const { cg, task } = withCgroup(k, 'a');
    expect(errno(() => cgroupAttach(k, cg, 999999, 'process'))).toBe('ESRCH');
    expect(errno(() => cgroupAttach(k, cg, 2, 'process'))).toBe('EINVAL');
    expect(errno(() => cgroupMkdir(k, k.rootMemcg, 'a'))).toBe('EEXIST');
    expect(errno(() => cgroupMkdir(k, k.rootMemcg, 'x\ny'))).toBe('EINVAL');
    expect(errno(() => cgroupRmdir(k, cg))).toBe('EBUSY');
    expect(errno(() => cgroupRmdir(k, k.rootMemcg))).toBe('EBUSY');
    expect(errno(() => taskMigrateCpu(k, task, 99))).toBe('EINVAL');
    expect(errno(() => taskKfree(k, task, 12345))).toBe('EINVAL');
    expect(task.memcg).toBe(cg);
    expectInvariants(k);
  });

  it('counts a 16 KiB kernel stack per thread where kmem is accounted', () => {
    const k = smallKernel(controller);
    const { cg, task } = withCgroup(k);
    for (let i = 0; i < 10; i++) taskFork(k, task, { thread: true });
    const stack = memcgStatHierarchical(k, cg).kernelStack;
    expect(stack).toBe(controller === 'none' ? 0 : 10 * 16384);
    expectInvariants(k);
  });

  it('reclaims the memcg dentries when memory.high is lowered', () => {
    const k = smallKernel(controller);
    const { cg, task } = withCgroup(k);
    taskLookupMissing(k, task, 2000, 109);
    flushDeferredWork(k);
    taskLookupMissing(k, task, 20000, 109);
    taskPagecacheRead(k, task, 400);
    const before = memcgCounterInfo(k, cg, 'memory').usageBytes;
    memcgSetLimit(k, cg, 'memory', 'high', 256); // 1 MiB of 4 KiB pages
    const after = memcgCounterInfo(k, cg, 'memory').usageBytes;
    expect(after).toBeLessThan(before);
    expect(after).toBeLessThanOrEqual(1024 * 1024);
    expectInvariants(k);
  });

  it('OOM-kills a task that cannot fit under memory.max and records the events', () => {
    const k = smallKernel(controller);
    const { cg, task } = withCgroup(k);
    memcgSetLimit(k, cg, 'memory', 'max', (30 * 1024 * 1024) / k.pageSize);
    const got = taskAnonFault(k, task, (100 * 1024 * 1024) / k.pageSize);
    expect(got).toBeLessThan((100 * 1024 * 1024) / k.pageSize);
    expect(task.exited).toBe(true);
    expect(cg.events.oom).toBeGreaterThanOrEqual(1);
    expect(cg.events.oomKill).toBe(1);
    expect(cg.events.max).toBeGreaterThan(0);
    expect(memcgCounterInfo(k, cg, 'memory').usageBytes).toBeLessThanOrEqual(30 * 1024 * 1024);
    expectInvariants(k);
  });

  it('drop_caches frees cached dentries and page cache', () => {
    const k = smallKernel(controller);
    const { task } = withCgroup(k);
    taskCreateFiles(k, task, 500);
    taskLookupMissing(k, task, 500, 40);
    taskPagecacheRead(k, task, 100);
    const dentry = () => slabinfo(k).filter((r) => r.name.startsWith('dentry')).reduce((a, r) => a + r.activeObjs, 0);
    const before = dentry();
    dropCaches(k, 3);
    expect(dentry()).toBeLessThan(before);
    expect(meminfo(k).filePages).toBe(0);
    expect(k.vmEvents.dropSlab).toBe(1);
    expectInvariants(k);
  });

  it('is deterministic: same seed and operations give the same state', () => {
    const run = () => {
      const k = smallKernel(controller, { seed: 7 });
      const { task } = withCgroup(k);
      for (let i = 0; i < 50; i++) {
        taskMigrateCpu(k, task, k.rng.int(4));
        taskLookupMissing(k, task, 1 + k.rng.int(50), 20 + k.rng.int(100));
        if (i % 10 === 0) flushDeferredWork(k);
      }
      clockAdvance(k, 1e9);
      return JSON.stringify({ slab: slabinfo(k), mi: meminfo(k), stat: memcgStatHierarchical(k, k.rootMemcg) });
    };
    expect(run()).toBe(run());
  });

  it('keeps invariants through a random sequence of operations', () => {
    const k = smallKernel(controller, { seed: 3 });
    const { cg, task } = withCgroup(k);
    const tasks = [task];
    const r = k.rng;
    for (let step = 0; step < 300; step++) {
      const live = tasks.filter((t) => !t.exited);
      const t = live.length ? r.pick(live) : null;
      const op = r.int(9);
      if (!t || op === 0) {
        const p = live.length ? r.pick(live) : null;
        if (p) tasks.push(taskFork(k, p, { thread: r.chance(0.5) }));
      } else if (op === 1) taskLookupMissing(k, t, r.int(30), 10 + r.int(100));
      else if (op === 2) taskOpenFiles(k, t, r.int(5));
      else if (op === 3) taskMigrateCpu(k, t, r.int(4));
      else if (op === 4 && t.pid !== task.pid) taskExit(k, t);
      else if (op === 5) taskAnonFault(k, t, r.int(20));
      else if (op === 6) taskCreateFiles(k, t, r.int(10));
      else if (op === 7) flushDeferredWork(k);
      else if (op === 8) taskKmalloc(k, t, 1 + r.int(9000));
      if (step % 25 === 0) expectInvariants(k);
    }
    for (const t of tasks) if (!t.exited && t.leader === t) taskExit(k, t);
    cgroupRmdir(k, cg);
    dropCaches(k, 3);
    flushDeferredWork(k);
    expectInvariants(k);
    expect(cgroupStat(k, k.rootMemcg).nrDyingDescendants).toBe(0);
  });
});
