/**
 * Shmem (mm/shmem.c) and memfd_create (mm/memfd.c). A memfd is a file on the kernel's internal
 * tmpfs mount: memfd_create copies the name into a transient kmalloc(GFP_KERNEL) ("memfd:" +
 * name), shmem_file_setup makes the inode (shmem_inode_cache: SLAB_ACCOUNT, not reclaimable) and
 * alloc_file_pseudo its dentry (accounted; a name of DNAME_INLINE_LEN or more also gets an
 * accounted external name) and struct file (accounted). Its pages — faulted in through a mapping
 * or written — are charged to the memcg of the task that brings them in and counted as file and
 * shmem (memory.stat file and shmem, v1 cache and shmem, /proc/meminfo Cached and Shmem) on the
 * anon LRU; without swap they are never reclaimed. The last reference (close, once unmapped)
 * evicts the inode: pages, radix tree nodes, inode, dentry and file are freed.
 *
 * Left out: the VMA of the mapping (and RssShmem), which the model's mm does not track.
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import type { OpenFile } from './file_table.js';
import { fail } from './errno.js';
import { syscallTick } from './clock.js';
import { ALLOC_FAILED, kmalloc, kmemCacheAlloc, kmemCacheFree } from './slab_alloc.js';
import { dAlloc, dFree } from './dcache.js';
import { AddressSpace, addToPageCache, truncateInodePages } from './filemap.js';
import { fdInstall } from './file_table.js';
import { count, live, syscallRepeat, syscallReturn } from './syscall.js';

/** "memfd:" */
const MFD_NAME_PREFIX_LEN = 6;
/** NAME_MAX - the prefix. */
const MFD_NAME_MAX_LEN = 249;
/** A typical name ("wayland-shm"). */
const MFD_DEFAULT_NAME_LEN = 11;

/** A memfd: its file, its dentry (with the shmem inode) and the inode's pages. */
export class Memfd implements OpenFile {
  readonly kind = 'memfd';
  readonly filp: number;
  /** dentry-table id (the dentry, its name, the shmem inode) */
  readonly dentry: number;
  readonly mapping = new AddressSpace(true);

  constructor(filp: number, dentry: number) {
    this.filp = filp;
    this.dentry = dentry;
  }

  heldObjects(): Iterable<number> {
    return [this.filp];
  }

  release(k: Kernel, cpu: number): void {
    // __fput -> dput -> iput -> shmem_evict_inode: pages first, then inode and dentry, then file
    truncateInodePages(k, this.mapping, cpu);
    dFree(k, this.dentry, cpu);
    kmemCacheFree(k, this.filp, cpu);
  }
}

/** shmem_getpage of `n` new pages (faults or writes), one call's worth of time each. */
export function shmemAddPages(k: Kernel, task: Task, mapping: AddressSpace, n: number): number {
  return syscallRepeat(k, task, n, () => addToPageCache(k, task, mapping) >= 0);
}

/**
 * memfd_create + ftruncate + touching `nrPages` pages through a mapping. Returns the handle;
 * taskClose releases everything (the model does not keep a mapping alive past close). `nameLen`
 * is the length of the name given (0..249; the dentry's name has "memfd:" in front). ENOMEM if the
 * file cannot be made; pages that cannot be charged are just fewer.
 */
export function taskMemfd(k: Kernel, task: Task, nrPages: number, opts: { nameLen?: number } = {}): number {
  live(task);
  count(nrPages);
  const nameLen = opts.nameLen ?? MFD_DEFAULT_NAME_LEN;
  if (!Number.isInteger(nameLen) || nameLen < 0 || nameLen > MFD_NAME_MAX_LEN) fail('EINVAL', 'name length must be 0..249');
  syscallTick(k);
  const name = kmalloc(k, MFD_NAME_PREFIX_LEN + nameLen + 1, task, false, false);
  if (name === ALLOC_FAILED) fail('ENOMEM');
  const dentry = dAlloc(k, task, MFD_NAME_PREFIX_LEN + nameLen, k.cache('shmem_inode_cache'));
  const filp = dentry < 0 ? ALLOC_FAILED : kmemCacheAlloc(k, k.cache('filp'), task);
  kmemCacheFree(k, name, task.cpu);
  if (filp === ALLOC_FAILED) {
    if (dentry >= 0) dFree(k, dentry, task.cpu);
    fail('ENOMEM');
  }
  const m = new Memfd(filp, dentry);
  const fd = fdInstall(k, task, m);
  shmemAddPages(k, task, m.mapping, nrPages);
  syscallReturn(k, task);
  return fd;
}
