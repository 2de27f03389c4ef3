/**
 * The memcg OOM killer (mm/oom_kill.c for a memcg): picks the task with the largest footprint
 * in the memcg's subtree, or, with memory.oom.group, every task of the highest oom.group
 * ancestor (up to the OOMing memcg), and kills it. Records `oom` on the OOMing memcg and
 * `oom_kill` for every victim's memcg, hierarchically, and the global oom_kill event.
 */
import type { Kernel } from './kernel.js';
import type { MemCgroup } from './cgroup.js';
import type { Task } from './task.js';
import { memcgMemoryEvent } from './memcontrol.js';
import { taskExit } from './task.js';

function tasksIn(memcg: MemCgroup): Task[] {
  const out: Task[] = [];
  const stack = [memcg];
  while (stack.length) {
    const m = stack.pop()!;
    for (const t of m.tasks) if (!t.exited && !t.kthread && t.leader === t && t.pid !== 1) out.push(t);
    stack.push(...m.children);
  }
  return out;
}

/** oom_badness: pages the process would give back (rss + page tables), adjusted by oom_score_adj. */
function badness(k: Kernel, t: Task): number {
  if (t.oomScoreAdj <= -1000) return -Infinity;
  const mm = t.mm;
  const pages = mm ? mm.anon.length + mm.nrPgtables + t.filePages : 0;
  return pages + (t.oomScoreAdj * k.pages.totalPages) / 1000;
}

/** Returns true when something was killed. */
export function memcgOom(k: Kernel, memcg: MemCgroup, current: Task | null): boolean {
  memcgMemoryEvent(memcg, 'oom');
  if (memcg.oomKillDisable) {
    memcg.underOom = true;
    return false;
  }
  const candidates = tasksIn(memcg);
  if (candidates.length === 0) return false;
  let victim: Task | null = null;
  let best = -Infinity;
  for (const t of candidates) {
    const b = badness(k, t);
    if (b > best || (b === best && victim && t.pid < victim.pid)) {
      best = b;
      victim = t;
    }
  }
  if (!victim || best === -Infinity) return false;
  // mem_cgroup_get_oom_group: the highest ancestor of the victim, up to memcg, with oom.group set
  let group: MemCgroup | null = null;
  for (let m: MemCgroup | null = victim.memcg; m; m = m.parent) {
    if (m.oomGroup) group = m;
    if (m === memcg) break;
  }
  const victims = group ? tasksIn(group).filter((t) => t.oomScoreAdj > -1000) : [victim];
  for (const v of victims) {
    if (v.exited) continue;
    memcgMemoryEvent(v.memcg, 'oomKill');
    k.vmEvents.oomKill++;
    k.log(`Memory cgroup out of memory: Killed process ${v.pid} (${v.comm})`);
    taskExit(k, v);
  }
  void current;
  return true;
}
