/**
 * A tiny discrete-event loop for workloads. An actor (one process, one client, one unit) is a
 * generator that performs kernel work synchronously and yields how many nanoseconds of virtual
 * time pass before it acts again. The loop interleaves all actors in time order (ties by spawn
 * order, so runs are deterministic) and itself yields the time between consecutive events to
 * the runner, which moves the kernel clock (clockAdvance) and samples in between.
 *
 * A side clock (the scheduler's runqueues: bursts of work ending, balancing at the tick) can be
 * attached: its events are run in time order with the actors', before an actor that acts at the
 * same time. They only move tasks between CPUs, so the loop does not yield for them.
 */
import { KernelError, MinHeap } from '../kernel/index.js';

/** An actor: yields the nanoseconds until its next action; returns when it is done. */
export type Actor = Generator<number, void, void>;

/** Events of their own, run by the loop in time order with the actors. */
export interface SideClock {
  /** time of its next event (loop time, ns), or Infinity */
  readonly nextNs: number;
  /** runs its events due at or before `tNs` */
  runUntil(tNs: number): void;
}

interface Entry {
  atNs: number;
  seq: number;
  actor: Actor;
}

export class EventLoop {
  /** virtual time of the loop, ns since the workload started */
  nowNs = 0;
  private heap = new MinHeap<Entry>();
  private seq = 0;
  /** actors ended by a kernel error (an OOM kill, ENOMEM): the workload goes on without them */
  nrAborted = 0;
  /** the attached side clock, if any */
  side: SideClock | null = null;

  /** Attaches the side clock (one per loop). */
  attach(clock: SideClock): void {
    if (this.side && this.side !== clock) throw new Error('EventLoop: a side clock is already attached');
    this.side = clock;
  }

  /** Starts `actor` after `delayNs`. */
  spawn(actor: Actor, delayNs = 0): void {
    this.heap.push({ atNs: this.nowNs + Math.max(0, delayNs), seq: this.seq++, actor });
  }

  get nrPending(): number {
    return this.heap.size;
  }

  /** Runs every actor to completion; yields the virtual time between events. */
  *run(): Generator<number, void, void> {
    while (this.heap.size > 0) {
      const e = this.heap.pop()!;
      if (e.atNs > this.nowNs) {
        yield e.atNs - this.nowNs;
        this.nowNs = e.atNs;
      }
      const side = this.side;
      if (side !== null && side.nextNs <= this.nowNs) side.runUntil(this.nowNs);
      let r: IteratorResult<number, void>;
      try {
        r = e.actor.next();
      } catch (err) {
        // a task killed or starved by the kernel ends its actor, as the process would end
        if (err instanceof KernelError) {
          this.nrAborted++;
          continue;
        }
        throw err;
      }
      if (!r.done) this.heap.push({ atNs: this.nowNs + Math.max(0, r.value), seq: this.seq++, actor: e.actor });
    }
  }
}

export const MS = 1_000_000;
export const SEC = 1_000_000_000;
