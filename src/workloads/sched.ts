/**
 * Where tasks run. SLUB keeps per-CPU slabs, so the CPUs a memcg's tasks allocate on decide
 * how many partly used slabs a legacy per-memcg cache holds. The model of the scheduler is the
 * part of CFS that matters for that:
 *  - fork: the child is placed on the idlest CPU (SD_BALANCE_FORK), but copy_process allocates
 *    its objects on the parent's CPU, before the child ever runs;
 *  - exec: sched_exec() balances again (SD_BALANCE_EXEC) before the new mm is built;
 *  - wakeup: a task that slept wakes on its previous CPU if that is idle, else on an idle
 *    sibling (select_idle_sibling), which is searched within the previous CPU's last-level-cache
 *    domain: the whole package of a desktop, one SMT8 core of a POWER8 (its L3 is per core).
 *    On a machine that is not saturated a good share of wakeups land on another CPU.
 * "Idlest CPU" is drawn uniformly: workloads describe machines whose load is spread evenly.
 */
import { taskMigrateCpu } from '../kernel/index.js';
import type { Task } from '../kernel/index.js';
import type { WorkloadContext } from './types.js';

/** A CPU chosen by load balancing (fork/exec placement, an idle CPU for a wakeup). */
export function balancedCpu(ctx: WorkloadContext): number {
  return ctx.rng.int(ctx.k.config.nrCpus);
}

/**
 * sched_exec / wake_up_new_task: the task moves to a balanced CPU. A new task's first wakeup
 * balances over the whole machine (SD_BALANCE_FORK), unlike later wakeups, which stay within
 * the last-level-cache domain.
 */
export function placeTask(ctx: WorkloadContext, task: Task): void {
  if (task.exited) return;
  const cpu = balancedCpu(ctx);
  if (cpu !== task.cpu) taskMigrateCpu(ctx.k, task, cpu);
}

/**
 * A wakeup: with probability `migrate` the task lands on another CPU than the one it last ran
 * on (the workload states the probability from how busy its machine is), an idle sibling in the
 * same last-level-cache domain.
 */
export function wakeTask(ctx: WorkloadContext, task: Task, migrate: number): void {
  if (task.exited) return;
  if (!ctx.rng.chance(migrate)) return;
  const llc = ctx.k.config.cpusPerLlc;
  const first = Math.floor(task.cpu / llc) * llc;
  const cpu = first + ctx.rng.int(llc);
  if (cpu !== task.cpu) taskMigrateCpu(ctx.k, task, cpu);
}
