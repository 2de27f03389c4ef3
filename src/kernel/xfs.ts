/**
 * XFS, as far as memory is concerned (fs/xfs in 5.5–5.9). Inodes come from the xfs_inode cache
 * (SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT | SLAB_MEM_SPREAD | SLAB_ACCOUNT since "xfs: Remove
 * slab init wrappers", 5.5; KM_ZONE_* flags of the same meaning before). An inode joined to a
 * transaction — created, or modified by a write — gets an inode log item from xfs_ili
 * (SLAB_MEM_SPREAD only: neither accounted nor reclaimable), which lives as long as the inode.
 *
 * When the VFS lets go of an inode (destroy_inode), XFS does not free it: it is tagged
 * reclaimable and stays in the per-AG inode cache until the background reclaim worker, queued
 * every xfs_syncd_centisecs / 6 (5 s by default), or the superblock shrinker's
 * free_cached_objects (drop_caches) frees it with its log item. A lookup of that inode meanwhile
 * recycles it without allocating.
 *
 * Data pages use iomap, not buffer_heads: with blocks smaller than the page (4 KiB blocks on a
 * 64 KiB-page machine) each page gets a struct iomap_page, kmalloc(GFP_NOFS | __GFP_NOFAIL) —
 * not accounted — freed with the page; with blocks of a page, nothing.
 *
 * The caches are created when the module is loaded — here, at the first use of an XFS file —
 * so a machine without XFS has no xfs_* caches, as a booted ext4 system has none.
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import type { KmemCache } from './slab_common.js';
import { kmemCacheCreate, kmemCacheDestroy, kmemCacheTryCreate } from './slab_common.js';
import { ALLOC_FAILED, kmalloc, kmemCacheAlloc, kmemCacheFree } from './slab_alloc.js';
import { fail } from './errno.js';
import { SLAB_ACCOUNT, SLAB_HAS_CTOR, SLAB_HWCACHE_ALIGN, SLAB_RECLAIM_ACCOUNT } from './slab_flags.js';

/** mkfs.xfs's default block size. */
export const XFS_BLOCK_SIZE = 4096;
/** sizeof(struct xfs_inode) of a 5.x x86_64 build: 1024-byte slots with the constructor's free pointer, 16 per order-2 slab. */
const XFS_INODE_SIZE = 960;
/** sizeof(struct xfs_inode_log_item): 200-byte slots, 20 per page. */
const XFS_ILI_SIZE = 200;
/** struct iomap_page without its bitmap: read_count, write_count, uptodate_lock (padded). */
const IOMAP_PAGE_HEADER = 16;
/** The reclaim worker's period: xfs_syncd_centisecs (3000) / 6 * 10 ms. */
export const XFS_RECLAIM_DELAY_NS = 5_000_000_000;

/** XFS's state in one kernel: its caches, log items, and inodes waiting for reclaim. */
export class XfsState {
  inodeCache: KmemCache | null = null;
  iliCache: KmemCache | null = null;
  /** inode log items, by the address of their xfs_inode */
  readonly ili = new Map<number, number>();
  /** inodes tagged reclaimable, by address: the handle of the file they were (0: unnamed) */
  readonly reclaimable = new Map<number, number>();
  workQueued = false;
}

/** init_xfs_fs: the xfs_inode and xfs_ili caches (once); ENOMEM creates neither. */
function xfsInit(k: Kernel): void {
  const x = k.xfs;
  if (x.inodeCache) return;
  const inodeCache = kmemCacheCreate(k, 'xfs_inode', XFS_INODE_SIZE, SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT | SLAB_HAS_CTOR);
  const iliCache = kmemCacheTryCreate(k, 'xfs_ili', XFS_ILI_SIZE, 0);
  if (!iliCache) {
    kmemCacheDestroy(k, inodeCache);
    fail('ENOMEM', 'kmem_cache_create: xfs_ili');
  }
  x.inodeCache = inodeCache;
  x.iliCache = iliCache;
}

/** The xfs_inode cache (loading the module if needed). */
export function xfsInodeCache(k: Kernel): KmemCache {
  xfsInit(k);
  return k.xfs.inodeCache!;
}

/**
 * xfs_trans_ijoin -> xfs_inode_item_init: the inode's log item, if it has none yet. Allocated in
 * the task's context but not charged. Returns false when the allocation failed.
 */
export function xfsInodeLogItem(k: Kernel, task: Task, inode: number): boolean {
  const x = k.xfs;
  if (x.ili.has(inode)) return true;
  xfsInit(k);
  const ili = kmemCacheAlloc(k, x.iliCache!, task);
  if (ili === ALLOC_FAILED) return false;
  x.ili.set(inode, ili);
  return true;
}

/** xfs_fs_destroy_inode: the inode is tagged reclaimable; the reclaim worker is queued. */
export function xfsDestroyInode(k: Kernel, inode: number, ino: number): void {
  const x = k.xfs;
  x.reclaimable.set(inode, ino);
  if (x.workQueued) return;
  x.workQueued = true;
  k.clock.addTimer(k.nowNs() + XFS_RECLAIM_DELAY_NS, () => {
    x.workQueued = false;
    xfsReclaimInodes(k, 0);
    k.generation++;
  });
}

/** xfs_iget finding the inode of file `ino` still reclaimable: it is reused as it is. */
export function xfsRecycleInode(k: Kernel, inode: number, ino: number): boolean {
  const x = k.xfs;
  if (!inode || x.reclaimable.get(inode) !== ino) return false;
  x.reclaimable.delete(inode);
  return true;
}

/** xfs_reclaim_inodes: every reclaimable inode is freed with its log item. */
export function xfsReclaimInodes(k: Kernel, cpu: number): void {
  const x = k.xfs;
  for (const inode of x.reclaimable.keys()) {
    const ili = x.ili.get(inode);
    if (ili !== undefined) {
      kmemCacheFree(k, ili, cpu);
      x.ili.delete(inode);
    }
    kmemCacheFree(k, inode, cpu);
  }
  x.reclaimable.clear();
}

/** sizeof(struct iomap_page): the header and one uptodate bit per 512-byte sector, in longs. */
function iomapPageSize(pageSize: number): number {
  return IOMAP_PAGE_HEADER + Math.ceil(pageSize / 512 / 64) * 8;
}

/** iomap_page_create: a page of an XFS file with blocks smaller than the page gets its iomap_page. */
export function iomapPageCreate(k: Kernel, task: Task, pfn: number): void {
  if (k.pageSize <= XFS_BLOCK_SIZE || k.pageBuffers.has(pfn)) return;
  const iop = kmalloc(k, iomapPageSize(k.pageSize), task, false, false);
  if (iop !== ALLOC_FAILED) k.pageBuffers.set(pfn, [iop]);
}
