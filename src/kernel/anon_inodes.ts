/**
 * Files on the anonymous inode (fs/anon_inodes.c): timerfd, eventfd, signalfd, epoll, inotify
 * share one inode, but since 5.0 (alloc_file_pseudo) each file gets a pseudo dentry of its own
 * (d_alloc_pseudo, from the accounted dentry cache) before its struct file (filp, accounted): both
 * charged to the caller and freed with the file.
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import { ALLOC_FAILED, kmalloc, kmemCacheAlloc, kmemCacheFree } from './slab_alloc.js';
import { fdsAdded } from './file_table.js';

/** anon_inode_getfile: the pseudo dentry and the file, or null (nothing left allocated). */
export function anonInodeGetfile(k: Kernel, task: Task): { dentry: number; filp: number } | null {
  const dentry = kmemCacheAlloc(k, k.dentryCache, task);
  if (dentry === ALLOC_FAILED) return null;
  const filp = kmemCacheAlloc(k, k.cache('filp'), task);
  if (filp === ALLOC_FAILED) {
    kmemCacheFree(k, dentry, task.cpu);
    return null;
  }
  return { dentry, filp };
}

/**
 * A context of `ctxSize` bytes kmalloc'ed with GFP_KERNEL (not accounted), then its anon-inode
 * file, as timerfd_create and eventfd do; the process holds all three until exit. False on ENOMEM
 * (nothing left allocated).
 */
export function anonInodeFileWithContext(k: Kernel, task: Task, ctxSize: number): boolean {
  const ctx = kmalloc(k, ctxSize, task, false, false);
  if (ctx === ALLOC_FAILED) return false;
  const file = anonInodeGetfile(k, task);
  if (!file) {
    kmemCacheFree(k, ctx, task.cpu);
    return false;
  }
  const held = task.leader.kobjects;
  held.add(ctx);
  held.add(file.dentry);
  held.add(file.filp);
  fdsAdded(k, task, 1);
  return true;
}
