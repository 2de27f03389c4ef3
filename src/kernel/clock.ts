/**
 * Virtual time and deferred work. The kernel's clock is the only time source: timers sit in a
 * heap ordered by deadline (ties by insertion order, so runs are deterministic), work items
 * queued with queueWork() run when the clock next moves or when flushDeferredWork() is called —
 * the model of workqueues and RCU callbacks (a grace period ends at the next tick).
 */
import type { Kernel } from './kernel.js';
import { MinHeap } from './min_heap.js';

export interface Timer {
  atNs: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class Clock {
  nowNs = 0;
  private readonly timers = new MinHeap<Timer>();
  private seq = 0;
  /** Work queued for "soon" (workqueue items, RCU callbacks), FIFO. */
  work: Array<{ name: string; fn: () => void }> = [];

  addTimer(deadlineNs: number, fn: () => void): Timer {
    const t: Timer = { atNs: deadlineNs, seq: this.seq++, fn, cancelled: false };
    this.timers.push(t);
    return t;
  }

  /** Pops the earliest timer due at or before `ns`. */
  popDue(ns: number): Timer | undefined {
    const top = this.timers.peek();
    if (!top || top.atNs > ns) return undefined;
    return this.timers.pop();
  }

  nextDeadline(): number {
    return this.timers.peek()?.atNs ?? Infinity;
  }
}

/** Queues deferred work (a workqueue item or RCU callback); runs at the next clock movement. */
export function queueWork(k: Kernel, name: string, fn: () => void): void {
  k.clock.work.push({ name, fn });
}

/** Runs every queued work item, including work queued by work, until none is left. */
export function flushDeferredWork(k: Kernel): void {
  const clock = k.clock;
  for (let guard = 0; clock.work.length > 0 && guard < 1_000_000; guard++) {
    const item = clock.work.shift()!;
    item.fn();
  }
  k.generation++;
}

/** Advances virtual time by `ns`, firing timers in deadline order and running deferred work. */
export function clockAdvance(k: Kernel, ns: number): void {
  if (!(ns >= 0) || !Number.isFinite(ns)) throw new RangeError('clockAdvance: ns must be a finite non-negative number');
  const clock = k.clock;
  const end = clock.nowNs + ns;
  flushDeferredWork(k);
  for (;;) {
    const t = clock.popDue(end);
    if (!t) break;
    clock.nowNs = Math.max(clock.nowNs, t.atNs);
    if (!t.cancelled) t.fn();
    flushDeferredWork(k);
  }
  clock.nowNs = end;
  k.generation++;
}

/**
 * Virtual time one cheap system call takes (a stat() of a cached name, a page fault, an
 * epoll_ctl): about a microsecond. Activities advance the clock by it per call, so deferred work
 * queued meanwhile (a workqueue item on another CPU, an RCU callback) runs between one call and
 * the next, as it would concurrently on a real machine, rather than only after a whole batch.
 */
export const SYSCALL_NS = 1000;

/** One system call's worth of virtual time; runs the work and timers that fall due. */
export function syscallTick(k: Kernel): void {
  const c = k.clock;
  c.nowNs += SYSCALL_NS;
  if (c.work.length === 0 && c.nextDeadline() > c.nowNs) return;
  flushDeferredWork(k);
  for (;;) {
    const t = c.popDue(c.nowNs);
    if (!t) break;
    if (!t.cancelled) t.fn();
    flushDeferredWork(k);
  }
}
