/**
 * eventfd / eventfd2 (fs/eventfd.c, do_eventfd): a struct eventfd_ctx, kmalloc(GFP_KERNEL) — not
 * accounted in 5.5–5.9 — an id from eventfd_ida (for fdinfo; the IDA's occasional bitmap is left
 * out), and an anon-inode file with its pseudo dentry. Held until exit.
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import { anonInodeFileWithContext } from './anon_inodes.js';
import { count, live, syscallRepeat, syscallReturn } from './syscall.js';

/** sizeof(struct eventfd_ctx): kref, wait queue head, count, flags, id: kmalloc-64. */
export const EVENTFD_CTX_SIZE = 48;

/** eventfd() `n` times; returns how many were made. */
export function taskEventfd(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  const done = syscallRepeat(k, task, n, () => anonInodeFileWithContext(k, task, EVENTFD_CTX_SIZE));
  syscallReturn(k, task);
  return done;
}
