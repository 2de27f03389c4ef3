/**
 * epoll (fs/eventpoll.c). epoll_create allocates the struct eventpoll with kzalloc(GFP_KERNEL) —
 * not accounted in 5.x — and an anon-inode file with its pseudo dentry. Each epoll_ctl(ADD) adds an
 * epitem (eventpoll_epi) and the eppoll_entry its target's poll queues (eventpoll_pwq), both from
 * SLAB_ACCOUNT caches, charged to the caller; epoll_ctl(DEL) frees them. The instance is held by
 * handle until it is closed or the process exits (ep_free then frees what is left).
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import type { OpenFile } from './file_table.js';
import { fail } from './errno.js';
import { syscallTick } from './clock.js';
import { ALLOC_FAILED, kmalloc, kmemCacheAlloc, kmemCacheFree } from './slab_alloc.js';
import { fdGet, fdInstall } from './file_table.js';
import { count, live, syscallRepeat, syscallReturn } from './syscall.js';

/** sizeof(struct eventpoll). */
const EVENTPOLL_SIZE = 216;

/** An epoll instance: its file, pseudo dentry, eventpoll, and per watch an epitem and eppoll_entry. */
export class EventPoll implements OpenFile {
  readonly kind = 'epoll';
  readonly filp: number;
  readonly dentry: number;
  readonly ep: number;
  /** epitem, eppoll_entry, epitem, eppoll_entry, ... in the order the watches were added */
  readonly items: number[] = [];

  constructor(filp: number, dentry: number, ep: number) {
    this.filp = filp;
    this.dentry = dentry;
    this.ep = ep;
  }

  get nrWatches(): number {
    return this.items.length / 2;
  }

  *heldObjects(): Iterable<number> {
    yield this.filp;
    yield this.dentry;
    yield this.ep;
    yield* this.items;
  }

  release(k: Kernel, cpu: number): void {
    while (this.items.length) kmemCacheFree(k, this.items.pop()!, cpu);
    kmemCacheFree(k, this.ep, cpu);
    kmemCacheFree(k, this.dentry, cpu);
    kmemCacheFree(k, this.filp, cpu);
  }
}

/** epoll_ctl(ADD) `n` times, one call each; returns how many watches were added. */
function epollAdd(k: Kernel, task: Task, e: EventPoll, n: number): number {
  const epi = k.cache('eventpoll_epi');
  const pwq = k.cache('eventpoll_pwq');
  return syscallRepeat(k, task, n, () => {
    const a = kmemCacheAlloc(k, epi, task);
    if (a === ALLOC_FAILED) return false;
    const b = kmemCacheAlloc(k, pwq, task);
    if (b === ALLOC_FAILED || task.exited) {
      // (an OOM kill of the caller released the instance meanwhile)
      for (const x of [b, a]) if (x !== ALLOC_FAILED) kmemCacheFree(k, x, task.cpu);
      return false;
    }
    e.items.push(a, b);
    return true;
  });
}

/**
 * epoll_create + `watches` epoll_ctl(ADD). Returns the instance's handle, for taskEpollCtl and
 * taskClose; ENOMEM if the instance itself cannot be made (watches that fail are just fewer).
 */
export function taskEpoll(k: Kernel, task: Task, watches: number): number {
  live(task);
  count(watches);
  const filp = kmemCacheAlloc(k, k.cache('filp'), task);
  const dentry = filp === ALLOC_FAILED ? ALLOC_FAILED : kmemCacheAlloc(k, k.dentryCache, task);
  const ep = dentry === ALLOC_FAILED ? ALLOC_FAILED : kmalloc(k, EVENTPOLL_SIZE, task, false, false);
  if (ep === ALLOC_FAILED) {
    for (const a of [dentry, filp]) if (a !== ALLOC_FAILED) kmemCacheFree(k, a, task.cpu);
    fail('ENOMEM');
  }
  const e = new EventPoll(filp, dentry, ep);
  const fd = fdInstall(k, task, e);
  epollAdd(k, task, e, watches);
  syscallReturn(k, task);
  return fd;
}

/**
 * epoll_ctl on an existing instance: `delta` > 0 adds that many watches (ADD), < 0 removes that
 * many (DEL, the latest first). Returns how many watches changed. EBADF: not a handle of this
 * process; EINVAL: not an epoll instance, or a bad delta; ENOENT: fewer watches than asked to
 * remove (nothing removed).
 */
export function taskEpollCtl(k: Kernel, task: Task, epfd: number, delta: number): number {
  live(task);
  if (!Number.isInteger(delta) || Math.abs(delta) > 100_000_000) fail('EINVAL', 'bad delta');
  const f = fdGet(task, epfd);
  if (!(f instanceof EventPoll)) fail('EINVAL', 'not an epoll instance');
  if (delta < 0 && -delta > f.nrWatches) fail('ENOENT', 'fewer watches than that');
  let done = 0;
  if (delta > 0) {
    done = epollAdd(k, task, f, delta);
  } else {
    for (; done < -delta && !task.exited; done++) {
      syscallTick(k);
      if (task.exited) break;
      // ep_remove: the poll entry, then the epitem (freed after an RCU grace period; at once here)
      kmemCacheFree(k, f.items.pop()!, task.cpu);
      kmemCacheFree(k, f.items.pop()!, task.cpu);
    }
  }
  syscallReturn(k, task);
  return done;
}
