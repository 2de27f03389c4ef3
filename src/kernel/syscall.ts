/**
 * The edges of a system call as the activity calls model them: the argument checks a call makes
 * before it changes anything (failing with the errno the kernel returns), and the return to user
 * space, where a task that went over memory.high reclaims (mem_cgroup_handle_over_high, run from
 * tracehook_notify_resume on the way out).
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import { fail } from './errno.js';
import { memcgHandleOverHigh } from './memcontrol.js';
import { syscallTick } from './clock.js';

/** An exited task cannot make calls: ESRCH. */
export function live(task: Task): void {
  if (task.exited) fail('ESRCH');
}

/** A count of things to do: a non-negative integer (EINVAL otherwise). */
export function count(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 100_000_000) fail('EINVAL', 'bad count');
  return n;
}

/** The return to user space. */
export function syscallReturn(k: Kernel, task: Task): void {
  if (!task.exited) memcgHandleOverHigh(k, task);
  k.generation++;
}

/**
 * `n` calls of one system call, each taking its tick of virtual time, until `once` fails (it
 * returns false with nothing of its own left allocated: ENOMEM) or the task is killed. Returns
 * how many calls succeeded.
 */
export function syscallRepeat(k: Kernel, task: Task, n: number, once: () => boolean): number {
  let done = 0;
  for (; done < n && !task.exited; done++) {
    syscallTick(k);
    if (!once()) break;
  }
  return done;
}
