/**
 * The part of a filesystem tree a workload touches, as the kernel sees it: the first lookup of
 * a path allocates a dentry and an inode in the context of whoever looks it up (and they stay
 * cached, charged to that cgroup, after the task is gone); the first read of a file brings its
 * pages into the page cache, charged to the reader. Later lookups and reads hit the caches and
 * allocate nothing. A FileSet remembers which of its files are cached, so shared files (libc,
 * fonts, the kernel's headers) are paid for once, by the first user — as on a real machine.
 *
 * Three kinds of tree:
 *  - a disk filesystem (ext4, or XFS): dentry + inode on first lookup, page cache on first read;
 *  - sysfs: dentry + kernfs inode (inode_cache) on first lookup; every read of an attribute
 *    goes through seq_file (kernfs_fop_open + seq_read): a struct file, a seq_file and its
 *    one-page buffer, all freed at close (see kernfsSeqRead);
 *  - /proc: the first open of a file looks it up (taskProcRead: proc dentry and inode, cached),
 *    every later read finds the dentry cached and only opens, reads and closes it
 *    (taskProcRead with `cached`).
 *
 * Which file a task touches is drawn by popularity (a power law): a few files (libc, common
 * headers, /proc/meminfo) are touched by nearly everyone, most only by a few.
 */
import { taskCacheAlloc, taskCacheFree, taskCloseFiles, taskCreateFiles, taskKfree, taskKmalloc, taskOpenFiles, taskPagecacheRead, taskProcRead } from '../kernel/index.js';
import type { Task } from '../kernel/index.js';
import type { WorkloadContext } from './types.js';

/** The filesystem a tree lives on. */
export type TreeFs = 'ext4' | 'xfs' | 'sysfs' | 'proc';

export interface FileSetSpec {
  /** what the set stands for, e.g. '/usr/lib64' */
  readonly name: string;
  readonly nrFiles: number;
  /** mean file size in bytes (page cache pages = ceil(size / PAGE_SIZE)); ignored on sysfs and /proc */
  readonly meanBytes: number;
  /** popularity skew: index = floor(nrFiles * u^skew); 1 = uniform, larger = more concentrated */
  readonly skew: number;
  /** default 'ext4' */
  readonly fs?: TreeFs;
}

/**
 * open + read + close of a sysfs attribute whose dentry is already cached (kernfs_fop_open,
 * seq_read, kernfs_fop_release in 5.5): a struct file, a seq_file (seq_file_cache,
 * SLAB_ACCOUNT) and its buffer — seq_read's first allocation, PAGE_SIZE bytes from
 * seq_buf_alloc (kvmalloc(GFP_KERNEL_ACCOUNT)) — freed in reverse order at close. The kernel
 * API has no kernfs open: taskProcRead's cached read would add single_open's seq_operations,
 * which kernfs (seq_open with its static kernfs_seq_ops) does not allocate, so the objects are
 * composed here. Left out: the kernfs_open_file (kzalloc(GFP_KERNEL), not accounted) and, for
 * the first opener of an attribute, its kernfs_open_node (likewise).
 */
export function kernfsSeqRead(ctx: WorkloadContext, t: Task, n = 1): void {
  const k = ctx.k;
  for (let i = 0; i < n && !t.exited; i++) {
    if (taskOpenFiles(k, t, 1) !== 1) return;
    const seq = taskCacheAlloc(k, t, 'seq_file');
    const buf = taskKmalloc(k, t, k.pageSize, { account: true });
    taskKfree(k, t, buf);
    taskCacheFree(k, t, seq);
    taskCloseFiles(k, t, 1);
  }
}

export class FileSet {
  readonly spec: FileSetSpec;
  readonly fs: TreeFs;
  private readonly cached: Uint8Array;
  private readonly read: Uint8Array;
  nrCached = 0;

  constructor(spec: FileSetSpec) {
    this.spec = spec;
    this.fs = spec.fs ?? 'ext4';
    this.cached = new Uint8Array(spec.nrFiles);
    this.read = new Uint8Array(spec.nrFiles);
  }

  private draw(ctx: WorkloadContext): number {
    const n = this.spec.nrFiles;
    return Math.min(n - 1, Math.floor(n * Math.pow(ctx.rng.next(), this.spec.skew)));
  }

  /**
   * `task` looks up (and, if `read`, reads) `count` files of the set drawn by popularity. Files
   * not yet cached get their dentry and inode now; files not yet read get their pages; on
   * sysfs and /proc every read goes through seq_file. Returns the number of new dentries.
   */
  touch(ctx: WorkloadContext, task: Task, count: number, read = true): number {
    let fresh = 0;
    let pages = 0;
    for (let i = 0; i < count; i++) {
      const f = this.draw(ctx);
      if (!this.cached[f]) {
        this.cached[f] = 1;
        this.nrCached++;
        fresh++;
      }
      if (read) pages += this.firstReadPages(ctx, f);
    }
    this.access(ctx, task, fresh, read ? count : 0, pages);
    return fresh;
  }

  /** Files `first..first+count-1` in order (a tree walk: find, make's dependency scan). */
  touchRange(ctx: WorkloadContext, task: Task, first: number, count: number, read: boolean): number {
    let fresh = 0;
    let pages = 0;
    const end = Math.min(this.spec.nrFiles, first + count);
    for (let f = first; f < end; f++) {
      if (!this.cached[f]) {
        this.cached[f] = 1;
        this.nrCached++;
        fresh++;
      }
      if (read) pages += this.firstReadPages(ctx, f);
    }
    this.access(ctx, task, fresh, read ? Math.max(0, end - first) : 0, pages);
    return fresh;
  }

  /** Page-cache pages a disk file brings in at its first read (sizes spread around the mean, at least a page). */
  private firstReadPages(ctx: WorkloadContext, f: number): number {
    if ((this.fs !== 'ext4' && this.fs !== 'xfs') || this.spec.meanBytes <= 0 || this.read[f]) return 0;
    this.read[f] = 1;
    return Math.max(1, Math.ceil(ctx.rng.exp(this.spec.meanBytes) / ctx.k.pageSize));
  }

  /** The kernel work of `fresh` first lookups, `reads` reads and `pages` new page-cache pages. */
  private access(ctx: WorkloadContext, task: Task, fresh: number, reads: number, pages: number): void {
    const k = ctx.k;
    if (task.exited) return;
    switch (this.fs) {
      case 'ext4':
      case 'xfs':
        if (fresh > 0) taskCreateFiles(k, task, fresh, 12, this.fs);
        if (pages > 0 && !task.exited) taskPagecacheRead(k, task, pages, { fs: this.fs });
        return;
      case 'sysfs':
        if (fresh > 0) taskCreateFiles(k, task, fresh, 12, 'sysfs');
        if (reads > 0) kernfsSeqRead(ctx, task, reads);
        return;
      case 'proc':
        if (reads === 0) {
          // stat() or readdir of /proc entries: lookups only
          if (fresh > 0) taskCreateFiles(k, task, fresh, 8, 'proc');
          return;
        }
        // a first read looks the file up; the others find it cached
        if (fresh > 0) taskProcRead(k, task, Math.min(fresh, reads));
        if (fresh > reads) taskCreateFiles(k, task, fresh - reads, 8, 'proc');
        if (reads > fresh && !task.exited) taskProcRead(k, task, reads - fresh, { cached: true });
        return;
    }
  }
}
