/**
 * The anonymous-page path in batches (F16): a fault batch, a bulk page free and the batched
 * uncharge of an exiting mm must leave exactly the state the page-at-a-time path leaves — the
 * same pages in the same order, counters, watermarks, stocks, statistics, time and deferred work.
 */
import { describe, expect, it } from 'vitest';
import {
  cgroupAttach,
  cgroupMkdir,
  cgroupRmdir,
  cgroupSubtreeControl,
  memcgSetLimit,
  memcgStatLocal,
  taskAnonFault,
  taskAnonFree,
  taskExit,
  taskSpawn,
} from '../../src/kernel/index.js';
import type { CgroupVersion, ControllerName, Kernel, MemCgroup, Task } from '../../src/kernel/index.js';
import { PageAllocator, PageKind } from '../../src/kernel/page_alloc.js';
import { expectInvariants, smallKernel, withCgroup } from './helpers.js';

/** Everything the anonymous-page path touches, as plain data. */
function anonState(k: Kernel, task: Task) {
  const mm = task.leader.mm;
  return {
    now: k.clock.nowNs,
    work: k.clock.work.map((w) => w.name),
    pfns: mm ? Array.from(mm.anon.pfns.subarray(0, mm.anon.length)) : [],
    exited: task.exited,
    pgfault: k.vmEvents.pgfault,
    allocs: k.pages.nrAllocs,
    free: k.pages.counts.map((c) => c[PageKind.Free]),
    stock: [Array.from(k.stock.nrPages), k.stock.cached.map((m) => (m ? m.id : 0))],
    cgroups: [...k.memcgById.values()].map((cg) => ({
      id: cg.id,
      refcnt: cg.refcnt,
      released: cg.released,
      stat: Array.from(cg.stat),
      events: { ...cg.events },
      counters: [cg.memory, cg.memsw].map((c) => [c.usage, c.watermark, c.failcnt]),
    })),
  };
}

interface Case {
  name: string;
  pages: number;
  /** what happens before the faults: limits, another memcg's stock on the CPU, deferred work, a timer */
  setup: (k: Kernel, cg: MemCgroup, task: Task, seen: number[]) => void;
  /** what the case must have exercised */
  check?: (r: ReturnType<typeof run>) => void;
}

const CASES: Case[] = [
  { name: 'no limit', pages: 1000, setup: () => {} },
  {
    name: 'the stock holds another memcg',
    pages: 300,
    setup: (k, cg, task) => {
      const other = taskSpawn(k, cgroupMkdir(k, k.rootMemcg, 'other'), 'other', { cpu: task.cpu });
      taskAnonFault(k, other, 5);
    },
  },
  {
    name: 'memory.max reached mid-batch (reclaim, then OOM)',
    pages: 3000,
    setup: (k, cg) => memcgSetLimit(k, cg, 'memory', 'max', 700),
    check: (r) => expect(r.state.exited).toBe(true),
  },
  {
    name: 'a limit on the parent',
    pages: 600,
    setup: (k, cg, task) => {
      const parent = cgroupMkdir(k, k.rootMemcg, 'parent');
      if (k.cgroupVersion === 'v2') cgroupSubtreeControl(k, parent, ['memory'], []);
      cgroupAttach(k, cgroupMkdir(k, parent, 'child'), task.pid, 'process');
      taskAnonFault(k, task, 1);
      memcgSetLimit(k, parent, 'memory', 'max', 250);
    },
    check: (r) => expect(r.done).toBeLessThan(600),
  },
  {
    name: 'deferred work queued (a dying cgroup released)',
    pages: 200,
    setup: (k, cg, task) => {
      const gone = cgroupMkdir(k, k.rootMemcg, 'gone');
      cgroupAttach(k, gone, task.pid, 'process');
      cgroupAttach(k, cg, task.pid, 'process');
      cgroupRmdir(k, gone);
      expect(k.clock.work.length).toBeGreaterThan(0);
    },
  },
  {
    name: 'a timer falls due during the faults',
    pages: 500,
    setup: (k, cg, task, seen) => {
      k.clock.addTimer(k.clock.nowNs + 123_456.5, () => seen.push(k.clock.nowNs, task.leader.mm!.anon.length, cg.memory.usage));
    },
    check: (r) => expect(r.seen.length).toBe(3),
  },
];

function run(controller: ControllerName, cgroupVersion: CgroupVersion, c: Case, oneByOne: boolean) {
  const k = smallKernel(controller, { cgroupVersion, seed: 5 });
  const { cg, task } = withCgroup(k);
  const seen: number[] = [];
  c.setup(k, cg, task, seen);
  let done = 0;
  if (!oneByOne) done = taskAnonFault(k, task, c.pages);
  else for (let i = 0; i < c.pages && !task.exited; i++) done += taskAnonFault(k, task, 1);
  const state = anonState(k, task);
  if (!task.exited) taskExit(k, task);
  return { done, seen, state, after: anonState(k, task), k };
}

describe.each([
  ['objcg', 'v2'],
  ['legacy', 'v1'],
  ['none', 'v2'],
] as Array<[ControllerName, CgroupVersion]>)('anonymous faults in batches under %s, cgroup %s', (controller, version) => {
  it.each(CASES)('$name: one call gives the state of one fault per call', (c) => {
    const batch = run(controller, version, c, false);
    const single = run(controller, version, c, true);
    expect(batch.done).toBe(single.done);
    expect(batch.seen).toEqual(single.seen);
    expect(batch.state).toEqual(single.state);
    expect(batch.after).toEqual(single.after);
    c.check?.(batch);
    expectInvariants(batch.k);
  });
});

describe('bulk page frees', () => {
  it('freeBulk leaves the allocator as page-by-page frees do, and reports memcg runs', () => {
    const make = () => {
      const pa = new PageAllocator(1 << 14, 2);
      const got: number[] = [];
      for (let i = 0; i < 3000; i++) {
        const pfn = pa.alloc(0, i % 3 === 0 ? 1 : 0, PageKind.Anon);
        pa.memcgId[pfn] = 1 + ((i >> 7) % 3);
        got.push(pfn);
        if (i % 50 === 0) pa.alloc(2, 0, PageKind.File);
      }
      return { pa, got: got.filter((_, i) => i % 7 !== 3) };
    };
    const a = make();
    const b = make();
    const runs: number[] = [];
    a.pa.freeBulk(a.got, a.got.length, runs);
    for (const pfn of b.got) b.pa.free(pfn, 0);
    const next = (pa: PageAllocator) => Array.from({ length: 5000 }, (_, i) => pa.alloc(i % 5 === 0 ? 1 : 0, i % 2, PageKind.Anon));
    expect(a.pa.counts).toEqual(b.pa.counts);
    expect(a.pa.nrFrees).toBe(b.pa.nrFrees);
    expect(next(a.pa)).toEqual(next(b.pa));
    let pages = 0;
    for (let i = 0; i < runs.length; i += 2) {
      pages += runs[i + 1];
      if (i > 0) expect(runs[i]).not.toBe(runs[i - 2]);
    }
    expect(pages).toBe(a.got.length);
  });

  it('munmap and exit uncharge pages of several memcgs and keep the invariants', () => {
    const k = smallKernel('objcg');
    const { cg, task } = withCgroup(k, 'a');
    const b = cgroupMkdir(k, k.rootMemcg, 'b');
    taskAnonFault(k, task, 100);
    cgroupAttach(k, b, task.pid, 'process');
    taskAnonFault(k, task, 50);
    cgroupAttach(k, cg, task.pid, 'process');
    taskAnonFault(k, task, 30);
    expect(taskAnonFree(k, task, 60)).toBe(60);
    expect(memcgStatLocal(k, cg).anon).toBe(100 * k.pageSize);
    expect(memcgStatLocal(k, b).anon).toBe(20 * k.pageSize);
    expectInvariants(k);
    taskExit(k, task);
    expect(memcgStatLocal(k, cg).anon).toBe(0);
    expect(memcgStatLocal(k, b).anon).toBe(0);
    expectInvariants(k);
  });
});
