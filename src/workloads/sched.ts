/**
 * Where tasks run. SLUB keeps per-CPU slabs, so the CPUs a memcg's tasks allocate on decide
 * how many partly used slabs a legacy per-memcg cache holds. The model of the scheduler is the
 * part of CFS that decides that, on the machine's sched domains (sched_topology.ts):
 *  - fork: the child is placed on an idle CPU (SD_BALANCE_FORK), but copy_process allocates
 *    its objects on the parent's CPU, before the child ever runs;
 *  - exec: sched_exec() balances again (SD_BALANCE_EXEC) before the new mm is built;
 *    both search the highest domain with those flags: the whole desktop, one node of POWER8
 *    (powerpc's NUMA level has neither: a task leaves its node only by load balancing);
 *  - wakeup: a task that slept wakes on its previous CPU, or — with a probability the workload
 *    states, standing for the moves the model cannot derive (an idle sibling found because the
 *    previous CPU was busy, wake_affine pulling the task toward its waker) — on an idle sibling
 *    in the previous CPU's last-level-cache domain (select_idle_sibling): the whole package of
 *    a desktop, one SMT8 core of a POWER8 (its L3 is per core);
 *  - load balancing of tasks that are already runnable (sched_fair.ts): newly idle CPUs pull,
 *    the tick balances each domain at its interval (idle CPUs through the nohz idle balancer),
 *    and a running task is pushed when balancing keeps failing.
 * What a task does when it runs is the workload's: a wakeup gives it a short burst of work
 * (WAKE_RUN_NS) unless the workload says how long it computes (runTask: cc1, a transaction).
 * The state is per event loop, created on first use; the draws come from ctx.rng only, so the
 * same seed makes the same placements under every slab controller.
 */
import type { Task } from '../kernel/index.js';
import type { WorkloadContext } from './types.js';
import { FairScheduler } from './sched_fair.js';
import { schedTopology } from './sched_topology.js';

/**
 * CPU time of a wakeup that handles one event and blocks again — an event loop's iteration:
 * epoll_wait returns, a read or recvmsg, the handler, a reply, back to sleep. Tens of
 * microseconds; far below sysctl_sched_migration_cost, so such a task is rarely caught waiting.
 */
export const WAKE_RUN_NS = 50_000;

/** The scheduler of a workload run: the event loop's side clock, created on first use. */
export function schedOf(ctx: WorkloadContext): FairScheduler {
  const side = ctx.loop.side;
  if (side instanceof FairScheduler) return side;
  const fair = new FairScheduler(ctx.k, schedTopology(ctx.k.config));
  ctx.loop.attach(fair);
  return fair;
}

/**
 * sched_exec / wake_up_new_task: the task moves to an idle CPU of the fork/exec domain that
 * holds its CPU (drawn uniformly: the kernel's tie-breaks between idle CPUs are not modelled;
 * if the drawn one is busy, the next idle one; if none is idle, the least loaded), and runs.
 */
export function placeTask(ctx: WorkloadContext, task: Task): void {
  if (task.exited) return;
  const fair = schedOf(ctx);
  const span = fair.topo.forkExecSpan;
  const first = task.cpu - (task.cpu % span);
  const drawn = first + ctx.rng.int(span);
  let cpu = fair.noIdleIn(first, span) ? -1 : fair.idleCpuFrom(first, span, drawn);
  if (cpu < 0) cpu = fair.leastLoadedFrom(first, span, drawn);
  fair.enqueue(task, cpu, ctx.loop.nowNs, WAKE_RUN_NS, false);
}

/**
 * A wakeup: with probability `migrate` the task lands on an idle CPU of its last-level-cache
 * domain (drawn uniformly, then the next idle one; none idle: it stays), else on its previous
 * CPU; then it runs for `runNs`. A task that is still runnable is not woken: it gets the work.
 */
export function wakeTask(ctx: WorkloadContext, task: Task, migrate: number, runNs = WAKE_RUN_NS): void {
  if (task.exited) return;
  const fair = schedOf(ctx);
  let cpu = task.cpu;
  if (ctx.rng.chance(migrate)) {
    const llc = fair.topo.llcSpan;
    const first = cpu - (cpu % llc);
    const idle = fair.idleCpuFrom(first, llc, first + ctx.rng.int(llc));
    if (idle >= 0) cpu = idle;
  }
  fair.enqueue(task, cpu, ctx.loop.nowNs, runNs, true);
}

/**
 * The task computes for `ns` from now (on top of any work it still has): while it is runnable
 * it can be balanced. Returns `ns`, so that an actor can `yield runTask(ctx, t, ns)`.
 */
export function runTask(ctx: WorkloadContext, task: Task, ns: number): number {
  if (!task.exited) schedOf(ctx).enqueue(task, task.cpu, ctx.loop.nowNs, ns, true);
  return ns;
}
