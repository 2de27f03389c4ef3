/**
 * The end of an in-memory inode (fs/inode.c evict + destroy_inode): when the dcache lets go of
 * the last dentry of an inode — the shrinker prunes it, or unlink turns it negative — its page
 * cache is truncated (truncate_inode_pages_final; for a linked file this is what the inode LRU's
 * invalidation does once its dentry is gone) and the inode goes back to its cache — except an XFS
 * inode, which XFS keeps for its own background reclaim (xfs.ts).
 */
import type { Kernel } from './kernel.js';
import { cacheOfObject, kmemCacheFree } from './slab_alloc.js';
import { truncateInodePages } from './filemap.js';
import { xfsDestroyInode } from './xfs.js';

/** evict + destroy_inode of the inode at `inode`; returns the slab bytes freed now. */
export function evictInode(k: Kernel, inode: number, cpu: number): number {
  let ino = 0;
  const file = k.inodeFiles.size > 0 ? k.inodeFiles.get(inode) : undefined;
  if (file) {
    // a named file stays on disk; only its in-memory inode and page cache go
    truncateInodePages(k, file.mapping, cpu);
    k.inodeFiles.delete(inode);
    file.dentry = -1;
    ino = file.ino;
  }
  const s = cacheOfObject(k, inode);
  if (s && (s.rootCache ?? s) === k.xfs.inodeCache) {
    xfsDestroyInode(k, inode, ino);
    return 0;
  }
  kmemCacheFree(k, inode, cpu);
  return s ? s.size : 0;
}
