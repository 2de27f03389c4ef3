/**
 * Reading a /proc file (fs/proc + fs/seq_file.c). The first open of a name looks it up: a proc
 * dentry and a proc inode (proc_inode_cache, accounted), left cached on the LRU. Every open then
 * makes a struct file, single_open's seq_operations (kmalloc(GFP_KERNEL_ACCOUNT), 32 bytes) and a
 * seq_file (seq_file_cache, SLAB_ACCOUNT); the first read allocates the buffer, PAGE_SIZE bytes
 * from seq_buf_alloc (kvmalloc(GFP_KERNEL_ACCOUNT)); close frees all four. A later open of the
 * same name finds its dentry cached and allocates only those four.
 *
 * Left out: 5.5–5.6 also allocate a pde_opener (accounted) per open of a /proc entry with a
 * release hook; 5.7 made core entries such as /proc/meminfo "permanent" and skips it, and
 * /proc/<pid>/ files never had one. Files using seq_open_private (maps) allocate a private struct
 * instead of seq_operations.
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import { fail } from './errno.js';
import { ALLOC_FAILED, kmalloc, kmemCacheAlloc, kmemCacheFree } from './slab_alloc.js';
import { dAlloc, dLruAdd } from './dcache.js';
import { count, live, syscallRepeat, syscallReturn } from './syscall.js';

/** sizeof(struct seq_operations): start, stop, next, show. */
const SEQ_OPERATIONS_SIZE = 32;
/** Length of a typical /proc name ("meminfo", "status"). */
const PROC_NAME_LEN = 8;

/** open + read + close of one seq_file: what lives only while the file is open. False on ENOMEM. */
function seqOpenReadClose(k: Kernel, task: Task): boolean {
  const filp = kmemCacheAlloc(k, k.cache('filp'), task);
  const op = filp === ALLOC_FAILED ? ALLOC_FAILED : kmalloc(k, SEQ_OPERATIONS_SIZE, task, true, false);
  const seq = op === ALLOC_FAILED ? ALLOC_FAILED : kmemCacheAlloc(k, k.cache('seq_file'), task);
  const buf = seq === ALLOC_FAILED ? ALLOC_FAILED : kmalloc(k, k.pageSize, task, true, false);
  for (const a of [buf, seq, op, filp]) if (a !== ALLOC_FAILED) kmemCacheFree(k, a, task.cpu);
  return buf !== ALLOC_FAILED;
}

/**
 * open + read + close of `n` /proc files. By default each is a first open (its dentry and inode
 * are looked up and stay cached); with `cached`, the names were opened before and their dentries
 * are found in the dcache. Returns how many reads were done.
 */
export function taskProcRead(k: Kernel, task: Task, n: number, opts: { cached?: boolean } = {}): number {
  live(task);
  count(n);
  if (opts.cached !== undefined && typeof opts.cached !== 'boolean') fail('EINVAL', 'cached must be a boolean');
  const procInode = k.cache('proc_inode_cache');
  const done = syscallRepeat(k, task, n, () => {
    if (!opts.cached) {
      const id = dAlloc(k, task, PROC_NAME_LEN, procInode);
      if (id < 0) return false;
      dLruAdd(k, id);
    }
    return seqOpenReadClose(k, task);
  });
  syscallReturn(k, task);
  return done;
}
