/**
 * The part of a filesystem tree a workload touches, as the kernel sees it: the first lookup of
 * a path allocates a dentry and an inode in the context of whoever looks it up (and they stay
 * cached, charged to that cgroup, after the task is gone); the first read of a file brings its
 * pages into the page cache, charged to the reader. Later lookups and reads hit the caches and
 * allocate nothing. A FileSet remembers which of its files are cached, so shared files (libc,
 * fonts, the kernel's headers) are paid for once, by the first user — as on a real machine.
 *
 * Which file a task touches is drawn by popularity (a power law): a few files (libc, common
 * headers) are touched by nearly everyone, most only by a few.
 */
import { taskCreateFiles, taskPagecacheRead, taskLookupMissing, taskCacheAlloc } from '../kernel/index.js';
import type { Task } from '../kernel/index.js';
import type { WorkloadContext } from './types.js';

export interface FileSetSpec {
  /** what the set stands for, e.g. '/usr/lib64' */
  readonly name: string;
  readonly nrFiles: number;
  /** mean file size in bytes (page cache pages = ceil(size / PAGE_SIZE)); 0 = not page cache (sysfs, procfs) */
  readonly meanBytes: number;
  /** popularity skew: index = floor(nrFiles * u^skew); 1 = uniform, larger = more concentrated */
  readonly skew: number;
  /** pseudo filesystem whose inodes come from inode_cache (sysfs/kernfs) instead of the disk fs */
  readonly pseudo?: boolean;
}

export class FileSet {
  readonly spec: FileSetSpec;
  private readonly cached: Uint8Array;
  private readonly read: Uint8Array;
  nrCached = 0;

  constructor(spec: FileSetSpec) {
    this.spec = spec;
    this.cached = new Uint8Array(spec.nrFiles);
    this.read = new Uint8Array(spec.nrFiles);
  }

  private draw(ctx: WorkloadContext): number {
    const n = this.spec.nrFiles;
    return Math.min(n - 1, Math.floor(n * Math.pow(ctx.rng.next(), this.spec.skew)));
  }

  /**
   * `task` looks up (and, if `read`, reads) `count` files of the set drawn by popularity. Files
   * not yet cached get their dentry and inode now; files not yet read get their pages.
   * Returns the number of new dentries.
   */
  touch(ctx: WorkloadContext, task: Task, count: number, read = true): number {
    let fresh = 0;
    let pages = 0;
    const ps = ctx.k.pageSize;
    for (let i = 0; i < count; i++) {
      const f = this.draw(ctx);
      if (!this.cached[f]) {
        this.cached[f] = 1;
        this.nrCached++;
        fresh++;
      }
      if (read && this.spec.meanBytes > 0 && !this.read[f]) {
        this.read[f] = 1;
        // sizes spread around the mean; a file has at least one page
        const bytes = ctx.rng.exp(this.spec.meanBytes);
        pages += Math.max(1, Math.ceil(bytes / ps));
      }
    }
    lookupNew(ctx, task, fresh, this.spec.pseudo === true);
    if (pages > 0 && !task.exited) taskPagecacheRead(ctx.k, task, pages);
    return fresh;
  }

  /** Files `first..first+count-1` in order (a tree walk: find, make's dependency scan). */
  touchRange(ctx: WorkloadContext, task: Task, first: number, count: number, read: boolean): number {
    let fresh = 0;
    let pages = 0;
    const ps = ctx.k.pageSize;
    const end = Math.min(this.spec.nrFiles, first + count);
    for (let f = first; f < end; f++) {
      if (!this.cached[f]) {
        this.cached[f] = 1;
        this.nrCached++;
        fresh++;
      }
      if (read && this.spec.meanBytes > 0 && !this.read[f]) {
        this.read[f] = 1;
        pages += Math.max(1, Math.ceil(ctx.rng.exp(this.spec.meanBytes) / ps));
      }
    }
    lookupNew(ctx, task, fresh, this.spec.pseudo === true);
    if (pages > 0 && !task.exited) taskPagecacheRead(ctx.k, task, pages);
    return fresh;
  }
}

/**
 * First lookups: a dentry and an inode each. Disk files get the filesystem's inode
 * (taskCreateFiles: dentry + ext4 inode, left on the dcache LRU). Pseudo-filesystem entries
 * (sysfs) get a dentry on the LRU and an inode from inode_cache, which the looking task holds:
 * the API has no call for a kernfs inode, and the tasks that walk sysfs (udevd) live on.
 */
function lookupNew(ctx: WorkloadContext, task: Task, n: number, pseudo: boolean): void {
  if (n === 0 || task.exited) return;
  if (!pseudo) {
    taskCreateFiles(ctx.k, task, n);
    return;
  }
  taskLookupMissing(ctx.k, task, n, 12);
  for (let i = 0; i < n && !task.exited; i++) taskCacheAlloc(ctx.k, task, 'inode_cache');
}
