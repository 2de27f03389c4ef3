/** Tasks (drgn.helpers.linux.pid): live tasks and threads in pid order, lookup by pid. */
import type { Program, TaskView } from '../program.js';

/** for_each_task: every live task, threads included, pid order. */
export function* forEachTask(prog: Program): Iterable<TaskView> {
  for (let row = 0; row < prog.snap.tasks.count; row++) yield prog.taskByPid(prog.snap.tasks.pid[row])!;
}

/** find_task: the task with this pid, or null. */
export function findTask(prog: Program, pid: number): TaskView | null {
  return prog.taskByPid(pid);
}
