/**
 * timerfd_create (fs/timerfd.c): a struct timerfd_ctx, kzalloc(GFP_KERNEL) — not accounted in
 * 5.5–5.9 (nor later) — and an anon-inode file with its pseudo dentry. Held until exit.
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import { anonInodeFileWithContext } from './anon_inodes.js';
import { count, live, syscallRepeat, syscallReturn } from './syscall.js';

/** sizeof(struct timerfd_ctx) on x86_64 (the alarm/hrtimer union dominates): kmalloc-256. */
export const TIMERFD_CTX_SIZE = 216;

/** timerfd_create() `n` times; returns how many were made. */
export function taskTimerfd(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  const done = syscallRepeat(k, task, n, () => anonInodeFileWithContext(k, task, TIMERFD_CTX_SIZE));
  syscallReturn(k, task);
  return done;
}
