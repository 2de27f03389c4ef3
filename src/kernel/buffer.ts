/**
 * Buffer heads (fs/buffer.c): a block-mapped filesystem (ext4 here) attaches PAGE_SIZE / blocksize
 * buffer_heads to a page it writes (block_write_begin -> create_empty_buffers ->
 * alloc_page_buffers). Since "fs, mm: account buffer_head to corresponding memcg" (4.19) they are
 * allocated GFP_NOFS | __GFP_ACCOUNT under memalloc_use_memcg(the page's memcg): charged to the
 * memcg the page is charged to, whoever writes it. The buffer_head cache is SLAB_RECLAIM_ACCOUNT;
 * the heads go with the page (try_to_free_buffers at reclaim, truncate).
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import type { MemCgroup } from './cgroup.js';
import { ALLOC_FAILED, kmemCacheAlloc } from './slab_alloc.js';
import { pageLruOwner } from './filemap.js';

/** ext4's block size. */
export const EXT4_BLOCK_SIZE = 4096;

/**
 * The task as an allocation context charging `memcg` (memalloc_use_memcg sets
 * current->active_memcg): everything else — CPU, kthread-ness, whether it is killed — is the
 * task's own. Before 5.10 a kernel thread bypasses kmem accounting even with an active memcg.
 */
function withActiveMemcg(task: Task, memcg: MemCgroup): Task {
  if (task.memcg === memcg) return task;
  return Object.create(task, { memcg: { value: memcg, writable: true } }) as Task;
}

/** create_empty_buffers for a page that has none: its buffer_heads, charged to the page's memcg. */
export function createEmptyBuffers(k: Kernel, task: Task, pfn: number): void {
  const perPage = Math.max(1, Math.floor(k.pageSize / EXT4_BLOCK_SIZE));
  const ctx = withActiveMemcg(task, pageLruOwner(k, pfn));
  const bh = k.cache('buffer_head');
  const heads: number[] = [];
  for (let i = 0; i < perPage; i++) {
    const a = kmemCacheAlloc(k, bh, ctx, true);
    if (a === ALLOC_FAILED) break;
    heads.push(a);
  }
  k.pageBuffers.set(pfn, heads);
}
