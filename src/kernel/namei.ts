/**
 * Named files (fs/namei.c: creat, lookup, unlink) that any task can refer to by a handle — the
 * file's inode number. A file lives on its filesystem until unlinked, whoever created it; in
 * memory it has a dentry and an inode while cached (dcache reclaim may evict them, and with them
 * its page cache; the next lookup brings them back, charged to the task that looks it up) and an
 * address_space with its cached pages.
 *
 * unlink (vfs_unlink + d_delete) truncates the page cache — pages, radix tree nodes, buffer_heads —
 * and frees the inode; the dentry, if nobody else uses it, stays cached as a negative dentry
 * (ext4, XFS), except on tmpfs, whose dentries are always deleted (always_delete_dentry) and
 * whose pages are shmem pages.
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import type { KmemCache } from './slab_common.js';
import { fail } from './errno.js';
import { syscallTick } from './clock.js';
import { dAlloc, dDeleteInode, dFree, dLruAdd, dLruDel } from './dcache.js';
import { AddressSpace, truncateInodePages } from './filemap.js';
import { xfsDestroyInode, xfsInodeCache, xfsInodeLogItem, xfsRecycleInode } from './xfs.js';
import { live, syscallReturn } from './syscall.js';

/** The filesystems named files can be created on. */
export type DiskFsName = 'ext4' | 'xfs' | 'tmpfs';

/** A named file: its handle, where it lives, and what of it is in memory. */
export class DiskFile {
  /** the handle: the inode number */
  readonly ino: number;
  readonly fs: DiskFsName;
  readonly nameLen: number;
  readonly mapping: AddressSpace;
  /** dentry-table id of its dentry while cached, -1 otherwise */
  dentry = -1;
  /** address of its inode while cached (an XFS inode may linger reclaimable after) */
  inode = 0;

  constructor(ino: number, fs: DiskFsName, nameLen: number) {
    this.ino = ino;
    this.fs = fs;
    this.nameLen = nameLen;
    this.mapping = new AddressSpace(fs === 'tmpfs');
  }
}

/** The inode cache of a filesystem (XFS's is created when first used). */
export function fsInodeCache(k: Kernel, fs: 'ext4' | 'xfs' | 'tmpfs' | 'proc' | 'sysfs'): KmemCache {
  switch (fs) {
    case 'xfs':
      return xfsInodeCache(k);
    case 'ext4':
      return k.cache('ext4_inode_cache');
    case 'tmpfs':
      return k.cache('shmem_inode_cache');
    case 'proc':
      return k.cache('proc_inode_cache');
    case 'sysfs':
      return k.cache('inode_cache');
  }
}

function checkNameLen(nameLen: number): void {
  if (!Number.isInteger(nameLen) || nameLen < 1 || nameLen > 255) fail('EINVAL', 'name length must be 1..255');
}

/** The named file behind a handle; ENOENT once it is unlinked (or for a handle never given). */
export function fileByHandle(k: Kernel, ino: number): DiskFile {
  const f = Number.isInteger(ino) ? k.diskFiles.get(ino) : undefined;
  if (!f) fail('ENOENT', 'no such file');
  return f;
}

/**
 * The path walk of a file whose dentry is not cached: d_alloc and iget, charged to `task` — or,
 * for an XFS inode still waiting for reclaim, xfs_iget recycling it. False when allocation failed.
 */
export function fileLookup(k: Kernel, task: Task, f: DiskFile): boolean {
  if (f.dentry >= 0) return true;
  let id: number;
  if (f.fs === 'xfs' && xfsRecycleInode(k, f.inode, f.ino)) {
    id = dAlloc(k, task, f.nameLen, null);
    if (id < 0) {
      xfsDestroyInode(k, f.inode, f.ino);
      return false;
    }
    k.dentries.inode[id] = f.inode;
  } else {
    id = dAlloc(k, task, f.nameLen, fsInodeCache(k, f.fs));
    if (id < 0) return false;
    f.inode = k.dentries.inode[id];
  }
  f.dentry = id;
  k.inodeFiles.set(f.inode, f);
  if (f.fs !== 'tmpfs') dLruAdd(k, id);
  return true;
}

/**
 * creat() + close() of one file named by a handle any task can use: a dentry and an inode (on
 * XFS also the inode log item of the creating transaction), charged to the task. The unused
 * dentry stays cached on the LRU (tmpfs: pinned). ENOMEM leaves nothing behind.
 */
export function taskCreateFile(k: Kernel, task: Task, opts: { fs?: DiskFsName; nameLen?: number } = {}): number {
  live(task);
  const fs = opts.fs ?? 'ext4';
  if (fs !== 'ext4' && fs !== 'xfs' && fs !== 'tmpfs') fail('EINVAL', 'filesystem must be ext4, xfs or tmpfs');
  const nameLen = opts.nameLen ?? 12;
  checkNameLen(nameLen);
  syscallTick(k);
  const id = dAlloc(k, task, nameLen, fsInodeCache(k, fs));
  if (id < 0) fail('ENOMEM');
  const inode = k.dentries.inode[id];
  if (fs === 'xfs') xfsInodeLogItem(k, task, inode);
  if (fs !== 'tmpfs') dLruAdd(k, id);
  const f = new DiskFile(k.nextIno++, fs, nameLen);
  f.dentry = id;
  f.inode = inode;
  k.diskFiles.set(f.ino, f);
  k.inodeFiles.set(inode, f);
  syscallReturn(k, task);
  return f.ino;
}

/**
 * unlink() of a named file by any task: looked up if its dentry is not cached (charged to this
 * task), page cache truncated, inode freed (XFS: left to its reclaim), dentry negative and cached
 * (tmpfs: freed). ENOENT for a file already unlinked; ENOMEM (a failed lookup) changes nothing.
 */
export function taskUnlink(k: Kernel, task: Task, ino: number): void {
  live(task);
  const f = fileByHandle(k, ino);
  syscallTick(k);
  if (!fileLookup(k, task, f)) fail('ENOMEM');
  const id = f.dentry;
  k.diskFiles.delete(f.ino);
  k.inodeFiles.delete(f.inode);
  truncateInodePages(k, f.mapping, task.cpu);
  if (f.fs === 'tmpfs') dFree(k, id, task.cpu);
  else dDeleteInode(k, id, task.cpu);
  f.dentry = -1;
  f.inode = 0;
  syscallReturn(k, task);
}

/**
 * open(): the file's dentry, looked up if not cached, held in use (off the LRU: a dentry with
 * references is not pruned, so neither its inode nor its page cache can be evicted meanwhile).
 * False when the lookup failed.
 */
export function fileGet(k: Kernel, task: Task, f: DiskFile): boolean {
  if (!fileLookup(k, task, f)) return false;
  dLruDel(k, f.dentry);
  return true;
}

/** close(): the last reference to the dentry goes; unused, it returns to its LRU (tmpfs: pinned). */
export function filePut(k: Kernel, f: DiskFile): void {
  if (f.dentry >= 0 && f.fs !== 'tmpfs') dLruAdd(k, f.dentry);
}
