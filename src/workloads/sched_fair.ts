/**
 * CFS runqueues and load balancing, as far as they decide where a workload's tasks run
 * (kernel/sched/fair.c, 5.5–5.9, after the 5.5 rework of load_balance()).
 *
 * Theory of operation. A task is runnable while it has work: from a wakeup (or its creation,
 * or exec) until the CPU time the workload gives it has passed (a window of virtual time); it
 * then sleeps. Each CPU keeps its runnable tasks; the first is the one running, the others
 * wait. A wakeup preempts the running task (a task that slept gets a vruntime credit of half a
 * scheduling latency, more than the wakeup granularity); a new task waits at the back. The
 * work itself happens at once when the actor acts, on the CPU the task is on then: balancing
 * moves a task between its bursts of work, so what it changes is where the task's next
 * allocations happen. A window does not stretch when its CPU is shared (no time slicing).
 *
 * Load is the number of runnable tasks (every task nice 0, weight 1024); the kernel's PELT
 * utilization is not modelled, so a group is overloaded when it has more runnable tasks than
 * CPUs, fully busy when it has as many, and has spare capacity otherwise. Balancing moves only
 * waiting tasks, never the running one, except by active balancing. Three triggers:
 *  - newly idle: a CPU whose last task sleeps pulls at once from the busiest CPU of its lowest
 *    domain that has one to give, then the next domain up (newidle_balance), if its average
 *    idle time is at least sysctl_sched_migration_cost and some CPU has a waiting task;
 *  - periodic, from the tick: each group of each domain has a balancing CPU (the group's first
 *    idle CPU, else its first CPU: should_we_balance) which balances every balance_interval ms,
 *    busy_factor times less often while it is busy; an idle CPU is tickless and balances only
 *    when a busy CPU's tick kicks the nohz idle balancer — while some CPU has a waiting task,
 *    or some LLC has two busy CPUs (nohz_balancer_kick). Without either the tick is not
 *    simulated: idle CPUs do not balance then, and a busy CPU could only push a running task
 *    to another node after failing for several of its busy intervals (seconds), which the
 *    model neglects;
 *  - active: when a domain is imbalanced but the busiest CPU has nothing waiting, the balance
 *    fails; after cache_nice_tries + 2 failures in a row the running task itself is pushed
 *    (the migration/N stopper).
 * A waiting task that ran less than sysctl_sched_migration_cost ago is cache-hot and stays
 * unless the domain's balancing has failed more than cache_nice_tries times. The interval
 * resets to min_interval when tasks move or balancing fails, and doubles (up to max_interval)
 * when the domain is found balanced. The balancing state of a domain (interval, last balance,
 * failures) is kept per group, for whichever of its CPUs balances it.
 */
import { taskMigrateCpu } from '../kernel/index.js';
import type { Kernel, Task } from '../kernel/index.js';
import type { SchedDomainLevel, SchedTopology } from './sched_topology.js';

/** sysctl_sched_migration_cost: 0.5 ms */
export const MIGRATION_COST_NS = 500_000;
/** sysctl_sched_nr_migrate: tasks looked at in one balance */
const NR_MIGRATE = 32;
/** rq->avg_idle starts at twice the migration cost and is capped at 2 * max_idle_balance_cost */
const AVG_IDLE_MAX_NS = 2 * MIGRATION_COST_NS;
/** load of a nice-0 task, and capacity of a CPU */
const LOAD = 1024;

const enum Idle {
  NotIdle,
  Idle,
  NewlyIdle,
}

/** group_type, in the kernel's order: a higher type is busier */
const enum GroupType {
  HasSpare,
  FullyBusy,
  Overloaded,
}

const enum Migrate {
  Load,
  Util,
  Task,
}

interface Entity {
  task: Task;
  cpu: number;
  /** the end of its current burst of work */
  endNs: number;
  /** when it last stopped running (preempted), for the cache-hot test */
  lastRanNs: number;
}

/** Migrations by cause (active pushes are also counted under their trigger). */
export interface SchedStats {
  newidle: number;
  periodic: number;
  active: number;
}

export class FairScheduler {
  /** time of the next event (a burst's end or a balancing tick); the event loop runs it in order */
  nextNs = Infinity;
  readonly stats: SchedStats = { newidle: 0, periodic: 0, active: 0 };
  private readonly k: Kernel;
  readonly topo: SchedTopology;
  private readonly levels: readonly SchedDomainLevel[];
  private readonly freeEnts: Entity[] = [];
  private readonly rq: Entity[][];
  private readonly nr: Int32Array;
  private readonly idleSinceNs: Float64Array;
  private readonly avgIdleNs: Float64Array;
  /** busy CPUs per LLC; LLCs with two or more; CPUs with a waiting task per LLC and in all (rd->overload) */
  private readonly llcBusy: Int32Array;
  private readonly llcOverloaded: Int32Array;
  private nrLlcMultiBusy = 0;
  private nrOverloaded = 0;
  /**
   * Bursts end in time order through one key per CPU — the earliest end of its runnable tasks
   * (Infinity when idle) — the CPU with the earliest key in each LLC, and overall: no
   * allocation per burst, and a changed key costs a scan of one LLC and of the LLCs.
   */
  private readonly expiryNs: Float64Array;
  private readonly llcMinCpu: Int32Array;
  private minExpiryCpu = 0;
  /** idle CPUs per fork/exec domain; each CPU's LLC, fork/exec domain, and group index per level */
  private readonly spanIdle: Int32Array;
  private readonly llcOf: Int32Array;
  private readonly spanOf: Int32Array;
  private readonly groupOf: Int32Array[];
  /** the next tick that runs periodic balancing, Infinity while none is needed */
  private tickAtNs = Infinity;
  /** per level, per group: sd->balance_interval (ms), sd->last_balance, sd->nr_balance_failed, next due times */
  private readonly intervalMs: Float64Array[];
  private readonly lastBalanceNs: Float64Array[];
  private readonly nrFailed: Int32Array[];
  private readonly dueIdleNs: Float64Array[];
  private readonly dueBusyNs: Float64Array[];
  /** per level: the earliest idle due time, so that a tick skips the levels with nothing due */
  private readonly levelDueNs: Float64Array;
  private readonly newlyIdle: number[] = [];
  /** per level, per group: runnable tasks and idle CPUs (groups of one CPU read `nr`) */
  private readonly groupSum: Int32Array[];
  private readonly groupIdle: Int32Array[];

  constructor(k: Kernel, topo: SchedTopology) {
    this.k = k;
    this.topo = topo;
    this.levels = topo.levels;
    const n = k.config.nrCpus;
    this.rq = Array.from({ length: n }, () => []);
    this.nr = new Int32Array(n);
    this.idleSinceNs = new Float64Array(n);
    this.avgIdleNs = new Float64Array(n).fill(AVG_IDLE_MAX_NS);
    this.llcBusy = new Int32Array(n / topo.llcSpan);
    this.llcOverloaded = new Int32Array(n / topo.llcSpan);
    this.expiryNs = new Float64Array(n).fill(Infinity);
    this.llcMinCpu = Int32Array.from({ length: n / topo.llcSpan }, (_, i) => i * topo.llcSpan);
    this.spanIdle = new Int32Array(n / topo.forkExecSpan).fill(topo.forkExecSpan);
    this.llcOf = Int32Array.from({ length: n }, (_, cpu) => (cpu / topo.llcSpan) | 0);
    this.spanOf = Int32Array.from({ length: n }, (_, cpu) => (cpu / topo.forkExecSpan) | 0);
    this.groupOf = this.levels.map((l) => Int32Array.from({ length: n }, (_, cpu) => (cpu / l.groupSpan) | 0));
    this.intervalMs = this.levels.map((l) => new Float64Array(n / l.groupSpan).fill(l.minIntervalMs));
    this.lastBalanceNs = this.levels.map((l) => new Float64Array(n / l.groupSpan));
    this.nrFailed = this.levels.map((l) => new Int32Array(n / l.groupSpan));
    this.dueIdleNs = this.levels.map((l) => new Float64Array(n / l.groupSpan));
    this.dueBusyNs = this.levels.map((l) => new Float64Array(n / l.groupSpan));
    this.levelDueNs = new Float64Array(this.levels.length).fill(Infinity);
    for (let li = 0; li < this.levels.length; li++) {
      for (let g = 0; g < this.dueIdleNs[li].length; g++) this.setLastBalance(li, g, 0);
    }
    this.groupSum = this.levels.map((l) => new Int32Array(n / l.groupSpan));
    this.groupIdle = this.levels.map((l) => new Int32Array(n / l.groupSpan).fill(l.groupSpan));
  }

  /** A runnable task is always queued on the CPU it is on (every move of one goes through migrate). */
  private entityOf(task: Task): Entity | null {
    const q = this.rq[task.cpu];
    for (let i = 0; i < q.length; i++) if (q[i].task === task) return q[i];
    return null;
  }

  /** First idle CPU of [first, first + span), scanning from `from` (wrapping); -1 if none. */
  idleCpuFrom(first: number, span: number, from: number): number {
    const nr = this.nr;
    for (let cpu = from; cpu < first + span; cpu++) if (nr[cpu] === 0) return cpu;
    for (let cpu = first; cpu < from; cpu++) if (nr[cpu] === 0) return cpu;
    return -1;
  }

  /** The least loaded CPU of [first, first + span), scanning from `from` (ties: the first found). */
  leastLoadedFrom(first: number, span: number, from: number): number {
    const nr = this.nr;
    let best = from;
    for (let cpu = from + 1; cpu < first + span; cpu++) if (nr[cpu] < nr[best]) best = cpu;
    for (let cpu = first; cpu < from; cpu++) if (nr[cpu] < nr[best]) best = cpu;
    return best;
  }

  /**
   * `task` becomes runnable on `cpu` (it moves there) for `runNs` from `nowNs` — a wakeup
   * preempts the running task, a new task waits at the back — or, if it is still runnable,
   * stays where it is and gets `runNs` more work.
   */
  enqueue(task: Task, cpu: number, nowNs: number, runNs: number, wakeup: boolean): void {
    const e = this.entityOf(task);
    if (e !== null) {
      e.endNs = Math.max(e.endNs, nowNs) + runNs;
      this.updateExpiry(e.cpu);
      return;
    }
    if (cpu !== task.cpu) taskMigrateCpu(this.k, task, cpu);
    const ent = this.freeEnts.pop() ?? { task, cpu, endNs: 0, lastRanNs: 0 };
    ent.task = task;
    ent.cpu = cpu;
    ent.endNs = nowNs + runNs;
    ent.lastRanNs = -Infinity;
    const q = this.rq[cpu];
    if (q.length === 0) {
      q.push(ent);
    } else if (wakeup) {
      q[0].lastRanNs = nowNs;
      q.unshift(ent);
    } else {
      q.push(ent);
    }
    this.nrChanged(cpu, 1, nowNs);
    if (ent.endNs < this.expiryNs[cpu]) this.setExpiry(cpu, ent.endNs);
    if (this.tickAtNs === Infinity && this.kickWanted()) this.armTick(nowNs);
  }

  /** Runs every event due at or before `tNs`: ends of bursts, and balancing at the tick. */
  runUntil(tNs: number): void {
    for (;;) {
      const cpu = this.minExpiryCpu;
      const end = this.expiryNs[cpu];
      if (end <= this.tickAtNs) {
        if (end > tNs) break;
        const q = this.rq[cpu];
        for (let i = q.length - 1; i >= 0; i--) if (q[i].endNs <= end) this.dequeue(q[i], end);
        this.updateExpiry(cpu);
        this.settle(end);
      } else {
        const now = this.tickAtNs;
        if (now > tNs) break;
        this.tickAtNs = Infinity;
        this.periodicBalance(now);
        this.settle(now);
      }
    }
    this.nextNs = Math.min(this.expiryNs[this.minExpiryCpu], this.tickAtNs);
  }

  /** Consistency of the counters with the runqueues; an empty list when all is well (for tests). */
  checkInvariants(): string[] {
    const bad: string[] = [];
    const n = this.nr.length;
    let overloaded = 0;
    let multiBusy = 0;
    const llc = this.topo.llcSpan;
    for (let cpu = 0; cpu < n; cpu++) {
      const q = this.rq[cpu];
      if (this.nr[cpu] !== q.length) bad.push(`cpu ${cpu}: nr ${this.nr[cpu]} but ${q.length} queued`);
      if (this.nr[cpu] >= 2) overloaded++;
      let min = Infinity;
      for (const e of q) {
        if (e.cpu !== cpu || e.task.cpu !== cpu) bad.push(`cpu ${cpu}: queued task ${e.task.pid} is on cpu ${e.task.cpu}`);
        min = Math.min(min, e.endNs);
      }
      if (this.expiryNs[cpu] !== min) bad.push(`cpu ${cpu}: expiry ${this.expiryNs[cpu]}, earliest end ${min}`);
    }
    for (let l = 0; l < n / llc; l++) {
      let busy = 0;
      let over = 0;
      let best = l * llc;
      for (let cpu = l * llc; cpu < (l + 1) * llc; cpu++) {
        if (this.nr[cpu] > 0) busy++;
        if (this.nr[cpu] >= 2) over++;
        if (this.expiryNs[cpu] < this.expiryNs[best]) best = cpu;
      }
      if (busy >= 2) multiBusy++;
      if (this.llcBusy[l] !== busy || this.llcOverloaded[l] !== over) bad.push(`llc ${l}: busy/overloaded counters`);
      if (this.expiryNs[this.llcMinCpu[l]] !== this.expiryNs[best]) bad.push(`llc ${l}: earliest expiry`);
    }
    if (overloaded !== this.nrOverloaded || multiBusy !== this.nrLlcMultiBusy) bad.push('overloaded or multi-busy LLC count');
    for (let li = 1; li < this.levels.length; li++) {
      const gs = this.levels[li].groupSpan;
      for (let g = 0; g < n / gs; g++) {
        let sum = 0;
        let idle = 0;
        for (let cpu = g * gs; cpu < (g + 1) * gs; cpu++) {
          sum += this.nr[cpu];
          if (this.nr[cpu] === 0) idle++;
        }
        if (this.groupSum[li][g] !== sum || this.groupIdle[li][g] !== idle) bad.push(`level ${li} group ${g}: sums`);
      }
    }
    const span = this.topo.forkExecSpan;
    for (let d = 0; d < n / span; d++) {
      let idle = 0;
      for (let cpu = d * span; cpu < (d + 1) * span; cpu++) if (this.nr[cpu] === 0) idle++;
      if (this.spanIdle[d] !== idle) bad.push(`fork/exec domain ${d}: idle count`);
    }
    return bad;
  }

  /** nohz_balancer_kick's conditions: a CPU with a waiting task, or an LLC with two busy CPUs. */
  private kickWanted(): boolean {
    return this.nrOverloaded > 0 || (this.nrLlcMultiBusy > 0 && this.levels.length > 1);
  }

  private armTick(nowNs: number): void {
    const tick = this.topo.tickNs;
    this.tickAtNs = (Math.floor(nowNs / tick) + 1) * tick;
    if (this.tickAtNs < this.nextNs) this.nextNs = this.tickAtNs;
  }

  /** After a change: newly idle CPUs balance, and the tick's balancing runs while it can help. */
  private settle(nowNs: number): void {
    while (this.newlyIdle.length > 0) this.newidleBalance(this.newlyIdle.pop()!, nowNs);
    if (this.tickAtNs === Infinity && this.kickWanted()) this.armTick(nowNs);
  }

  /** The CPU's key: the earliest end among its runnable tasks. */
  private updateExpiry(cpu: number): void {
    let min = Infinity;
    const q = this.rq[cpu];
    for (let i = 0; i < q.length; i++) if (q[i].endNs < min) min = q[i].endNs;
    if (min !== this.expiryNs[cpu]) this.setExpiry(cpu, min);
  }

  /** Sets a CPU's key; the earliest of its LLC and overall follow (ties: the lower CPU). */
  private setExpiry(cpu: number, atNs: number): void {
    const key = this.expiryNs;
    const old = key[cpu];
    key[cpu] = atNs;
    if (atNs < this.nextNs) this.nextNs = atNs;
    const llc = this.llcOf[cpu];
    const lmin = this.llcMinCpu;
    const m = lmin[llc];
    if (cpu === m) {
      if (atNs <= old) return this.newEarliest(cpu);
      // the LLC's earliest moved later: find it again, and the earliest overall if it was that
      const first = llc * this.topo.llcSpan;
      let best = first;
      for (let c = first + 1; c < first + this.topo.llcSpan; c++) if (key[c] < key[best]) best = c;
      lmin[llc] = best;
      if (this.minExpiryCpu !== cpu) return this.newEarliest(best);
      let min = lmin[0];
      for (let l = 1; l < lmin.length; l++) if (key[lmin[l]] < key[min]) min = lmin[l];
      this.minExpiryCpu = min;
    } else if (atNs < key[m] || (atNs === key[m] && cpu < m)) {
      lmin[llc] = cpu;
      this.newEarliest(cpu);
    }
  }

  /** `cpu`'s key may now be the earliest overall. */
  private newEarliest(cpu: number): void {
    const key = this.expiryNs;
    const min = this.minExpiryCpu;
    if (key[cpu] < key[min] || (key[cpu] === key[min] && cpu < min)) this.minExpiryCpu = cpu;
  }

  /** Whether [first, first + span) is a whole fork/exec domain with no idle CPU. */
  noIdleIn(first: number, span: number): boolean {
    return span === this.topo.forkExecSpan && this.spanIdle[first / span] === 0;
  }

  /** The task's burst is over (or it exited): it leaves its CPU. The caller updates the CPU's key. */
  private dequeue(e: Entity, nowNs: number): void {
    removeEntity(this.rq[e.cpu], e);
    this.nrChanged(e.cpu, -1, nowNs);
    this.freeEnts.push(e);
  }

  /** Bookkeeping of a CPU's runnable count: idle time, busy and overloaded CPUs per LLC and group. */
  private nrChanged(cpu: number, delta: number, nowNs: number): void {
    const before = this.nr[cpu];
    const after = before + delta;
    this.nr[cpu] = after;
    const llc = this.llcOf[cpu];
    if (before === 0) {
      // update_avg of the idle period that ends (ttwu_do_wakeup)
      const avg = this.avgIdleNs[cpu] + (nowNs - this.idleSinceNs[cpu] - this.avgIdleNs[cpu]) / 8;
      this.avgIdleNs[cpu] = avg < AVG_IDLE_MAX_NS ? avg : AVG_IDLE_MAX_NS;
      if (++this.llcBusy[llc] === 2) this.nrLlcMultiBusy++;
      this.spanIdle[this.spanOf[cpu]]--;
    } else if (after === 0) {
      this.idleSinceNs[cpu] = nowNs;
      if (--this.llcBusy[llc] === 1) this.nrLlcMultiBusy--;
      this.spanIdle[this.spanOf[cpu]]++;
      this.newlyIdle.push(cpu);
    }
    if (before < 2) {
      if (after >= 2) {
        this.nrOverloaded++;
        this.llcOverloaded[llc]++;
      }
    } else if (after < 2) {
      this.nrOverloaded--;
      this.llcOverloaded[llc]--;
    }
    for (let li = 1; li < this.groupSum.length; li++) {
      const g = this.groupOf[li][cpu];
      this.groupSum[li][g] += delta;
      if (before === 0) this.groupIdle[li][g]--;
      else if (after === 0) this.groupIdle[li][g]++;
    }
  }

  /** Moves a runnable task to `dst`, where it waits at the back (attach_task). */
  private migrate(e: Entity, dst: number, nowNs: number): void {
    const src = e.cpu;
    removeEntity(this.rq[src], e);
    this.nrChanged(src, -1, nowNs);
    taskMigrateCpu(this.k, e.task, dst);
    e.cpu = dst;
    this.rq[dst].push(e);
    this.nrChanged(dst, 1, nowNs);
    this.updateExpiry(src);
    if (e.endNs < this.expiryNs[dst]) this.setExpiry(dst, e.endNs);
  }

  /** Drops tasks that exited during their burst from a CPU's queue. */
  private purgeExited(cpu: number, nowNs: number): void {
    const q = this.rq[cpu];
    const n = q.length;
    for (let i = n - 1; i >= 0; i--) if (q[i].task.exited) this.dequeue(q[i], nowNs);
    if (q.length !== n) this.updateExpiry(cpu);
  }

  /** newidle_balance: a CPU that just went idle pulls a waiting task, lowest domain first. */
  private newidleBalance(cpu: number, nowNs: number): void {
    if (this.nrOverloaded === 0 || this.nr[cpu] > 0 || this.avgIdleNs[cpu] < MIGRATION_COST_NS) return;
    for (let li = 0; li < this.levels.length; li++) {
      const moved = this.loadBalance(cpu, li, Idle.NewlyIdle, nowNs);
      this.stats.newidle += moved;
      if (moved > 0 || this.nr[cpu] > 0) break;
    }
  }

  /** sd->last_balance = now. */
  private setLastBalance(li: number, g: number, nowNs: number): void {
    this.lastBalanceNs[li][g] = nowNs;
    this.updateDue(li, g);
  }

  /** sd->balance_interval = ms. */
  private setInterval(li: number, g: number, ms: number): void {
    if (this.intervalMs[li][g] === ms) return;
    this.intervalMs[li][g] = ms;
    this.updateDue(li, g);
  }

  /** The group's next balance, idle and busy: last balance + interval (rounded up to jiffies, capped). */
  private updateDue(li: number, g: number): void {
    const ms = this.intervalMs[li][g];
    const due = this.lastBalanceNs[li][g] + this.intervalNs(ms);
    this.dueIdleNs[li][g] = due;
    this.dueBusyNs[li][g] = this.lastBalanceNs[li][g] + this.intervalNs(ms * this.levels[li].busyFactor);
    if (due < this.levelDueNs[li]) this.levelDueNs[li] = due;
  }

  /** get_sd_balance_interval: ms to whole jiffies, at least one, at most max_load_balance_interval. */
  private intervalNs(ms: number): number {
    const tick = this.topo.tickNs;
    return Math.min(Math.max(1, Math.ceil((ms * 1e6) / tick)) * tick, this.topo.maxBalanceIntervalNs);
  }

  /**
   * rebalance_domains for every group whose interval has passed (one tick). Between single CPUs
   * only a waiting task can move: the lowest level looks only at LLCs that have one (the others
   * would find their domain balanced; not recording that, their next balance comes at the first
   * tick after a task waits there, rather than up to an interval later).
   */
  private periodicBalance(nowNs: number): void {
    const nr = this.nr;
    for (let li = 0; li < this.levels.length; li++) {
      if (nowNs < this.levelDueNs[li]) continue;
      const gs = this.levels[li].groupSpan;
      const dueIdle = this.dueIdleNs[li];
      const dueBusy = this.dueBusyNs[li];
      const step = gs === 1 ? this.topo.llcSpan : 1;
      let next = Infinity;
      for (let g0 = 0; g0 < dueIdle.length; g0 += step) {
        if (gs === 1 && this.llcOverloaded[g0 / step] === 0) continue;
        for (let g = g0; g < g0 + step; g++) {
          if (nowNs >= dueIdle[g]) {
            const first = g * gs;
            let cpu = first;
            if (gs > 1 && this.groupIdle[li][g] > 0) cpu = this.idleCpuFrom(first, gs, first);
            const busy = nr[cpu] > 0;
            // an idle CPU is tickless: it balances only when the nohz idle balancer is kicked
            if (busy ? nowNs >= dueBusy[g] : this.kickWanted()) {
              this.stats.periodic += this.loadBalance(cpu, li, busy ? Idle.NotIdle : Idle.Idle, nowNs);
              this.setLastBalance(li, g, nowNs);
            }
          }
          if (dueIdle[g] < next) next = dueIdle[g];
        }
      }
      // levels of single CPUs are looked at again at the next tick (an LLC may become overloaded)
      this.levelDueNs[li] = gs === 1 ? 0 : next;
      if (this.newlyIdle.length > 0) this.settle(nowNs);
    }
  }

  /**
   * load_balance(dst, the domain of level `li` containing it): find the busiest group and its
   * busiest CPU, move waiting tasks to `dst`, or push the running one after repeated failures.
   * Returns the number of tasks moved.
   */
  private loadBalance(dst: number, li: number, idle: Idle, nowNs: number): number {
    const l = this.levels[li];
    const gs = l.groupSpan;
    const first = dst - (dst % l.span);
    const nGroups = l.span / gs;
    const slot = (dst / gs) | 0;
    // between single CPUs only a waiting task can move (a CPU running one task is balanced)
    if (gs === 1 && this.llcOverloaded[this.llcOf[dst]] === 0) return this.balanced(li, slot, idle);
    const nr = this.nr;
    const g0 = first / gs;
    const gSum = gs === 1 ? nr : this.groupSum[li];
    const gIdle = this.groupIdle[li];
    // update_sd_lb_stats; update_sd_pick_busiest keeps the busiest non-local group with a task
    let total = 0;
    let busiestG = -1;
    let bType = GroupType.HasSpare;
    let bSum = 0;
    let bIdle = 0;
    for (let g = g0; g < g0 + nGroups; g++) {
      const sum = gSum[g];
      total += sum;
      if (g === slot || sum === 0) continue;
      const type = groupType(sum, gs);
      const idleCpus = gs === 1 ? 0 : gIdle[g];
      let busier: boolean;
      if (busiestG < 0 || type !== bType) busier = busiestG < 0 || type > bType;
      else if (type === GroupType.HasSpare) busier = idleCpus < bIdle || (idleCpus === bIdle && sum > bSum);
      else busier = sum > bSum;
      if (busier) {
        busiestG = g;
        bType = type;
        bSum = sum;
        bIdle = idleCpus;
      }
    }
    if (busiestG < 0) return this.balanced(li, slot, idle);
    const lSum = gSum[slot];
    const lIdle = gs === 1 ? (nr[slot] === 0 ? 1 : 0) : gIdle[slot];
    const lType = groupType(lSum, gs);
    const lAvg = (lSum * LOAD) / gs;
    const bAvg = (bSum * LOAD) / gs;
    const sdsAvg = (total * LOAD) / l.span;
    // find_busiest_group
    if (lType > bType) return this.balanced(li, slot, idle);
    if (lType === GroupType.Overloaded && (lAvg >= bAvg || sdsAvg >= bAvg || 100 * bAvg <= l.imbalancePct * lAvg)) return this.balanced(li, slot, idle);
    const forced = l.preferSibling && lType === GroupType.HasSpare && bSum > lSum + 1;
    if (!forced && bType !== GroupType.Overloaded) {
      if (idle === Idle.NotIdle) return this.balanced(li, slot, idle);
      if (gs > 1 && lIdle <= bIdle + 1) return this.balanced(li, slot, idle);
      if (bSum === 1) return this.balanced(li, slot, idle);
    }
    // calculate_imbalance
    let type: Migrate;
    let imbalance: number;
    if (lType === GroupType.HasSpare) {
      if (bType === GroupType.Overloaded) {
        // fill the local group's spare capacity (utilization: its idle CPUs)
        type = Migrate.Util;
        imbalance = lIdle;
        if (idle !== Idle.NotIdle && imbalance === 0) {
          type = Migrate.Task;
          imbalance = 1;
        }
      } else {
        type = Migrate.Task;
        imbalance = gs === 1 || l.preferSibling ? Math.max(0, bSum - lSum) >> 1 : Math.max(0, lIdle - bIdle) >> 1;
        // adjust_numa_imbalance: a pair of communicating tasks may stay on their node
        if (l.numa && bSum <= 2) imbalance = 0;
      }
    } else {
      type = Migrate.Load;
      imbalance = Math.min((bAvg - sdsAvg) * gs, (sdsAvg - lAvg) * gs);
    }
    if (imbalance <= 0) return this.balanced(li, slot, idle);
    // find_busiest_queue
    const bFirst = busiestG * gs;
    let src = -1;
    for (let cpu = bFirst; cpu < bFirst + gs; cpu++) {
      const n = nr[cpu];
      if (n === 0) continue;
      if (type === Migrate.Load && n === 1 && LOAD > imbalance) continue;
      if (type === Migrate.Util && n <= 1) continue;
      if (src < 0 || n > nr[src]) src = cpu;
    }
    if (src < 0) return this.balanced(li, slot, idle);
    this.purgeExited(src, nowNs);
    // detach_tasks: waiting tasks, least recently run first
    const failed = this.nrFailed[li][slot];
    let moved = 0;
    if (nr[src] > 1) {
      const q = this.rq[src];
      const loops = Math.min(NR_MIGRATE, q.length);
      for (let i = q.length - 1, seen = 0; i >= 1 && seen < loops; i--, seen++) {
        if (idle !== Idle.NotIdle && nr[src] <= 1) break;
        const e = q[i];
        // can_migrate_task: a cache-hot task stays until balancing has failed often enough
        if (nowNs - e.lastRanNs < MIGRATION_COST_NS && failed <= l.cacheNiceTries) continue;
        if (type === Migrate.Load) {
          if (LOAD >> failed > imbalance) continue;
          imbalance -= LOAD;
        } else {
          imbalance -= 1;
        }
        this.migrate(e, dst, nowNs);
        moved++;
        if (imbalance <= 0) break;
      }
    }
    if (moved > 0) {
      this.nrFailed[li][slot] = 0;
      this.setInterval(li, slot, l.minIntervalMs);
      return moved;
    }
    if (idle !== Idle.NewlyIdle) this.nrFailed[li][slot]++;
    if (this.nrFailed[li][slot] > l.cacheNiceTries + 2 && this.rq[src].length > 0) {
      // need_active_balance: the stopper pushes the task that runs on the busiest CPU
      const q = this.rq[src];
      this.migrate(q.length > 1 ? q[q.length - 1] : q[0], dst, nowNs);
      this.stats.active++;
      this.nrFailed[li][slot] = l.cacheNiceTries + 1;
      this.setInterval(li, slot, Math.min(2 * this.intervalMs[li][slot], l.maxIntervalMs));
      return 1;
    }
    this.setInterval(li, slot, l.minIntervalMs);
    return 0;
  }

  /** out_balanced: nothing to do; the interval grows (not for newly idle balancing). */
  private balanced(li: number, slot: number, idle: Idle): number {
    this.nrFailed[li][slot] = 0;
    if (idle !== Idle.NewlyIdle) this.setInterval(li, slot, Math.min(2 * this.intervalMs[li][slot], this.levels[li].maxIntervalMs));
    return 0;
  }
}

/** Removes `e` from a runqueue, keeping the order of the others (without allocating). */
function removeEntity(q: Entity[], e: Entity): void {
  let i = q.indexOf(e);
  for (; i < q.length - 1; i++) q[i] = q[i + 1];
  q.pop();
}

/** group_classify by runnable tasks against CPUs. */
function groupType(sum: number, weight: number): GroupType {
  return sum > weight ? GroupType.Overloaded : sum === weight ? GroupType.FullyBusy : GroupType.HasSpare;
}
