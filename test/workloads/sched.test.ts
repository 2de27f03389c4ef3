import { describe, expect, it } from 'vitest';
import { bootKernel, findTask, taskExit, taskFork, taskMigrateCpu } from '../../src/kernel/index.js';
import type { Kernel, Task } from '../../src/kernel/index.js';
import { EventLoop, MS } from '../../src/workloads/sim.js';
import type { Actor } from '../../src/workloads/sim.js';
import { WorkloadRng } from '../../src/workloads/rng.js';
import type { WorkloadContext } from '../../src/workloads/types.js';
import { placeTask, runTask, schedOf, wakeTask } from '../../src/workloads/sched.js';
import { schedTopology } from '../../src/workloads/sched_topology.js';

function context(machine: string, seed = 1, machineOverrides: { nrNodes?: number; nrCpus?: number; cpusPerLlc?: number } = {}): WorkloadContext {
  const k = bootKernel({ machine, controller: 'none', cgroupVersion: 'v1', seed, machineOverrides });
  return { k, rng: new WorkloadRng(seed), scale: 1, loop: new EventLoop(), params: {} };
}

/** A process forked by init, moved to `cpu` while it sleeps. */
function sleeper(k: Kernel, cpu: number): Task {
  const t = taskFork(k, findTask(k, 1)!, { comm: 'test' });
  taskMigrateCpu(k, t, cpu);
  return t;
}

/** Runs the loop's actors (and the scheduler's events between them) to the end. */
function drain(loop: EventLoop): void {
  for (const _ of loop.run());
}

const nodeOf = (ctx: WorkloadContext, cpu: number) => ctx.k.cpuNode[cpu];
const coreOf = (cpu: number) => Math.floor(cpu / 8);

describe('sched domains (topology.c facts)', () => {
  it('desktop: one MC domain of the package; power8: SMT cores, a node, and the NUMA level without fork/exec balancing', () => {
    const desktop = schedTopology(context('desktop').k.config);
    expect(desktop.levels.map((l) => [l.name, l.span, l.groupSpan])).toEqual([['MC', 8, 1]]);
    expect(desktop.forkExecSpan).toBe(8);
    expect(desktop.tickNs).toBe(1e6);
    const p8 = schedTopology(context('power8').k.config);
    expect(p8.levels.map((l) => [l.name, l.span, l.groupSpan, l.minIntervalMs, l.imbalancePct, l.cacheNiceTries])).toEqual([
      ['SMT', 8, 1, 8, 110, 0],
      ['DIE', 40, 8, 40, 125, 1],
      ['NUMA', 80, 40, 80, 125, 2],
    ]);
    expect(p8.levels.map((l) => l.balanceForkExec)).toEqual([true, true, false]);
    expect(p8.forkExecSpan).toBe(40);
    expect(p8.tickNs).toBe(10e6);
    // an x86 machine with two nodes keeps fork/exec balancing across them (SLIT 21 < RECLAIM_DISTANCE 30)
    const x86 = schedTopology(context('desktop', 1, { nrCpus: 16, nrNodes: 2, cpusPerLlc: 8 }).k.config);
    expect(x86.levels.map((l) => [l.name, l.span, l.groupSpan])).toEqual([['MC', 8, 1], ['NUMA', 16, 8]]);
    expect(x86.forkExecSpan).toBe(16);
  });
});

describe('placement and wakeups', () => {
  it('fork/exec placement puts new tasks on idle CPUs of the parent node (power8)', () => {
    const ctx = context('power8');
    const tasks: Task[] = [];
    ctx.loop.spawn(
      (function* (): Actor {
        for (let i = 0; i < 40; i++) {
          const t = sleeper(ctx.k, 3);
          placeTask(ctx, t);
          runTask(ctx, t, 100 * MS);
          tasks.push(t);
        }
      })(),
    );
    drain(ctx.loop);
    expect(new Set(tasks.map((t) => t.cpu)).size).toBe(40);
    expect(tasks.every((t) => nodeOf(ctx, t.cpu) === 0)).toBe(true);
  });

  it('a wakeup that moves lands on an idle CPU of the last-level cache; a runnable task is not moved', () => {
    const ctx = context('power8');
    const busy = sleeper(ctx.k, 0);
    const t = sleeper(ctx.k, 1);
    ctx.loop.spawn(
      (function* (): Actor {
        runTask(ctx, busy, 50 * MS);
        for (let i = 0; i < 20; i++) {
          wakeTask(ctx, t, 1);
          expect(coreOf(t.cpu)).toBe(0);
          expect(t.cpu).not.toBe(0);
          yield 1 * MS;
        }
        const cpu = t.cpu;
        runTask(ctx, t, 10 * MS);
        wakeTask(ctx, t, 1);
        expect(t.cpu).toBe(cpu);
      })(),
    );
    drain(ctx.loop);
  });
});

describe('load balancing', () => {
  it('newly idle: a CPU whose task sleeps pulls a waiting task at once', () => {
    const ctx = context('desktop');
    const a = sleeper(ctx.k, 0);
    const b = sleeper(ctx.k, 0);
    const c = sleeper(ctx.k, 1);
    ctx.loop.spawn(
      (function* (): Actor {
        runTask(ctx, a, 100 * MS);
        runTask(ctx, b, 100 * MS); // b preempts a: a waits, cache-hot for 0.5 ms
        runTask(ctx, c, 2 * MS); // CPU 1 goes idle after 2 ms: nothing else is due before
        yield 2 * MS + 1;
        expect(ctx.k.config.nrCpus).toBe(8);
        expect([a.cpu, b.cpu].sort()).toEqual([0, 1]);
      })(),
    );
    drain(ctx.loop);
    expect(schedOf(ctx).stats.newidle).toBe(1);
  });

  it('periodic (nohz idle balancing): idle CPUs pull from an overloaded one within a few balance intervals', () => {
    const ctx = context('desktop');
    const tasks = [0, 1, 2, 3].map(() => sleeper(ctx.k, 5));
    ctx.loop.spawn(
      (function* (): Actor {
        for (const t of tasks) runTask(ctx, t, 1000 * MS);
        yield 40 * MS; // MC domain of 8 CPUs: 8–16 ms idle interval, HZ 1000
        expect(new Set(tasks.map((t) => t.cpu)).size).toBe(4);
      })(),
    );
    drain(ctx.loop);
    expect(schedOf(ctx).stats.periodic).toBe(3);
    expect(schedOf(ctx).checkInvariants()).toEqual([]);
  });

  it('active balancing spreads running tasks over SMT cores, but not between nodes for a pair of tasks (power8)', () => {
    const ctx = context('power8');
    const tasks = [0, 1, 2].map((cpu) => sleeper(ctx.k, cpu));
    ctx.loop.spawn(
      (function* (): Actor {
        for (const t of tasks) runTask(ctx, t, 5000 * MS);
        yield 2000 * MS;
        expect(new Set(tasks.map((t) => coreOf(t.cpu))).size).toBe(3);
        expect(tasks.every((t) => nodeOf(ctx, t.cpu) === 0)).toBe(true);
      })(),
    );
    drain(ctx.loop);
    expect(schedOf(ctx).stats.active).toBeGreaterThanOrEqual(2);
  });

  it('an overloaded node spills to the other node (power8)', () => {
    const ctx = context('power8');
    const tasks: Task[] = [];
    ctx.loop.spawn(
      (function* (): Actor {
        for (let i = 0; i < 60; i++) {
          const t = sleeper(ctx.k, 0);
          placeTask(ctx, t);
          runTask(ctx, t, 3000 * MS);
          tasks.push(t);
        }
        expect(tasks.every((t) => nodeOf(ctx, t.cpu) === 0)).toBe(true);
        yield 2000 * MS;
        const onNode1 = tasks.filter((t) => nodeOf(ctx, t.cpu) === 1).length;
        expect(onNode1).toBeGreaterThanOrEqual(15);
        expect(new Set(tasks.map((t) => t.cpu)).size).toBe(60);
      })(),
    );
    drain(ctx.loop);
  });

  it('keeps its counters consistent and is deterministic under random wakeups, work and exits', () => {
    function run(seed: number): number[] {
      const ctx = context('power8', seed);
      const rng = new WorkloadRng(seed + 100);
      const tasks = Array.from({ length: 150 }, (_, i) => sleeper(ctx.k, i % 80));
      const fair = schedOf(ctx);
      for (let a = 0; a < 6; a++) {
        ctx.loop.spawn(
          (function* (): Actor {
            for (let i = 0; i < 400; i++) {
              const t = tasks[rng.int(tasks.length)];
              const r = rng.next();
              if (t.exited) continue;
              if (r < 0.4) wakeTask(ctx, t, 0.5);
              else if (r < 0.7) runTask(ctx, t, rng.exp(20 * MS));
              else if (r < 0.95) placeTask(ctx, t);
              else taskExit(ctx.k, t);
              yield rng.exp(2 * MS);
              expect(fair.checkInvariants()).toEqual([]);
            }
          })(),
        );
      }
      drain(ctx.loop);
      return tasks.map((t) => t.cpu);
    }
    const a = run(3);
    expect(run(3)).toEqual(a);
  });
});
