/**
 * A tiny discrete-event loop for workloads. An actor (one process, one client, one unit) is a
 * generator that performs kernel work synchronously and yields how many nanoseconds of virtual
 * time pass before it acts again. The loop interleaves all actors in time order (ties by spawn
 * order, so runs are deterministic) and itself yields the time between consecutive events to
 * the runner, which moves the kernel clock (clockAdvance) and samples in between.
 */
import { KernelError } from '../kernel/index.js';

/** An actor: yields the nanoseconds until its next action; returns when it is done. */
export type Actor = Generator<number, void, void>;

interface Entry {
  atNs: number;
  seq: number;
  actor: Actor;
}

export class EventLoop {
  /** virtual time of the loop, ns since the workload started */
  nowNs = 0;
  private heap: Entry[] = [];
  private seq = 0;
  /** actors ended by a kernel error (an OOM kill, ENOMEM): the workload goes on without them */
  nrAborted = 0;

  /** Starts `actor` after `delayNs`. */
  spawn(actor: Actor, delayNs = 0): void {
    this.push({ atNs: this.nowNs + Math.max(0, delayNs), seq: this.seq++, actor });
  }

  get nrPending(): number {
    return this.heap.length;
  }

  /** Runs every actor to completion; yields the virtual time between events. */
  *run(): Generator<number, void, void> {
    while (this.heap.length > 0) {
      const e = this.pop();
      if (e.atNs > this.nowNs) {
        yield e.atNs - this.nowNs;
        this.nowNs = e.atNs;
      }
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
      if (!r.done) this.push({ atNs: this.nowNs + Math.max(0, r.value), seq: this.seq++, actor: e.actor });
    }
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (before(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.atNs < b.atNs || (a.atNs === b.atNs && a.seq < b.seq);
}

export const MS = 1_000_000;
export const SEC = 1_000_000_000;
