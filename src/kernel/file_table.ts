/**
 * A process's file descriptor table (fs/file.c), as far as memory goes: how many descriptors it
 * has (past NR_OPEN_DEFAULT the table is expanded into arrays of its own), and the open files it
 * holds by handle — files a later call refers to (an epoll instance, a memfd). Such a file is a
 * struct file and whatever it pins; closing its handle or exiting drops the last reference
 * (__fput -> f_op->release). Handles are unique kernel-wide, so one process's handle is never
 * valid in another (EBADF), as an fd number passed between unrelated processes would not name
 * the same file. Threads share their leader's table.
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import { fail } from './errno.js';
import { syscallTick } from './clock.js';
import { ALLOC_FAILED, kmalloc, kmemCacheFree } from './slab_alloc.js';
import { live, syscallReturn } from './syscall.js';

/** What an open file held by handle must say about itself. */
export interface OpenFile {
  /** what kind of file it is ('epoll', 'memfd'): calls check it (EINVAL on the wrong kind) */
  readonly kind: string;
  /** the slab objects this file alone holds (for the invariant checker) */
  heldObjects(): Iterable<number>;
  /** the last reference is gone: free what the file holds */
  release(k: Kernel, cpu: number): void;
}

/** NR_OPEN_DEFAULT: the fd array embedded in files_struct. */
export const NR_OPEN_DEFAULT = 64;
/** sizeof(struct fdtable). */
const FDTABLE_SIZE = 56;

/**
 * A process's descriptors beyond the embedded 64 need an fdtable of its own (expand_fdtable):
 * struct fdtable, the file pointer array and the open/close-on-exec/full bitmaps, all
 * GFP_KERNEL_ACCOUNT, sized to a power of two of at least 256 entries; the old one is freed.
 */
export function fdsAdded(k: Kernel, task: Task, n: number): void {
  const leader = task.leader;
  leader.nrFds += n;
  if (leader.nrFds <= leader.fdCapacity) return;
  let nr = Math.max(256, leader.fdCapacity * 2);
  while (nr < leader.nrFds) nr *= 2;
  const next = [
    kmalloc(k, FDTABLE_SIZE, task, true, false),
    kmalloc(k, nr * 8, task, true, false),
    kmalloc(k, 2 * (nr / 8) + nr / 64 / 8, task, true, false),
  ];
  if (next.some((a) => a === ALLOC_FAILED)) {
    for (const a of next) if (a !== ALLOC_FAILED) kmemCacheFree(k, a, task.cpu);
    return; // the real expand fails with EMFILE; the model keeps the descriptors on the old table
  }
  for (const a of leader.fdTable) {
    leader.kobjects.delete(a);
    kmemCacheFree(k, a, task.cpu);
  }
  leader.fdTable = next;
  for (const a of next) leader.kobjects.add(a);
  leader.fdCapacity = nr;
}

/** fd_install: the process now holds `file`; returns its handle. */
export function fdInstall(k: Kernel, task: Task, file: OpenFile): number {
  const fd = k.nextFd++;
  task.leader.fdFiles.set(fd, file);
  fdsAdded(k, task, 1);
  return fd;
}

/** fdget: the open file behind a handle of this process; EBADF if it holds none. */
export function fdGet(task: Task, fd: number): OpenFile {
  const f = Number.isInteger(fd) ? task.leader.fdFiles.get(fd) : undefined;
  if (!f) fail('EBADF', 'the process holds no file with that handle');
  return f;
}

/** close() of a handle: the file is released (the last reference: no dup or fork is modelled). */
export function taskClose(k: Kernel, task: Task, fd: number): void {
  live(task);
  const f = fdGet(task, fd);
  syscallTick(k);
  task.leader.fdFiles.delete(fd);
  task.leader.nrFds--;
  f.release(k, task.cpu);
  syscallReturn(k, task);
}
