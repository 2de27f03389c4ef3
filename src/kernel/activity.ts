/**
 * Kernel work a task can be asked to do, as userspace would trigger it: stat() of missing names
 * (negative dentries), creating and unlinking files, opening and closing files, sockets, generic
 * kmalloc / kmem_cache_alloc with their frees, anonymous and page-cache pages. Objects are
 * allocated in the task's context (its CPU, its memcg) and owned by whoever keeps them (the
 * dcache LRU, the task, the page cache). Each call ends like a syscall: over memory.high, the task
 * reclaims on its way back to user space. A task killed by the OOM killer stops where it was.
 * Calls that are a concept of their own live in files named after their kernel counterparts:
 * named files (namei.ts), epoll (eventpoll.ts), memfd (shmem.ts), timerfd, eventfd, /proc reads
 * (seq_file.ts), handles and close (file_table.ts).
 */
import type { Kernel } from './kernel.js';
import type { Task, Socket } from './task.js';
import { fail } from './errno.js';
import { SYSCALL_NS, syscallTick } from './clock.js';
import { ALLOC_FAILED, cacheOfObject, kmalloc, kmemCacheAlloc, kmemCacheFree } from './slab_alloc.js';
import { dAlloc, dDeleteInode, dFree, dLruAdd } from './dcache.js';
import { PageKind } from './page_alloc.js';
import { chargePageTo, chargePagesBulk, memcgPageChargeRoom, unchargePageFrom } from './memcontrol.js';
import { Stat } from './memcg_stat.js';
import { freeAnonPages, freeSocket } from './task.js';
import { count, live, syscallRepeat, syscallReturn } from './syscall.js';
import { fdsAdded } from './file_table.js';
import { addToPageCache, lruNextPageWithoutPrivate, mappingPagesWithoutPrivate } from './filemap.js';
import { createEmptyBuffers } from './buffer.js';
import { iomapPageCreate, xfsInodeLogItem } from './xfs.js';
import { fileByHandle, fileGet, filePut, fsInodeCache } from './namei.js';
import type { DiskFile } from './namei.js';
import { shmemAddPages } from './shmem.js';

/** stat() of `n` missing names of length `nameLen`: negative dentries left on the LRU. */
export function taskLookupMissing(k: Kernel, task: Task, n: number, nameLen: number): number {
  live(task);
  count(n);
  if (!Number.isInteger(nameLen) || nameLen < 1 || nameLen > 255) fail('EINVAL', 'name length must be 1..255');
  const done = syscallRepeat(k, task, n, () => {
    const id = dAlloc(k, task, nameLen, null);
    if (id < 0) return false;
    dLruAdd(k, id);
    return true;
  });
  syscallReturn(k, task);
  return done;
}

/**
 * The filesystems a task can create or look up files on, with their inode caches (xfs_inode is
 * created when XFS is first used).
 */
export const FS_INODE_CACHES = {
  ext4: 'ext4_inode_cache',
  xfs: 'xfs_inode',
  tmpfs: 'shmem_inode_cache',
  proc: 'proc_inode_cache',
  sysfs: 'inode_cache',
} as const;
export type FsName = keyof typeof FS_INODE_CACHES;

function checkFs(fs: string, allowed: readonly FsName[]): void {
  if (!(allowed as readonly string[]).includes(fs)) fail('EINVAL', `filesystem must be ${allowed.join(', ')}`);
}

/**
 * creat()+close() of `n` files (or, for proc and sysfs, lookups of existing entries): a dentry
 * and an inode each (XFS: also the inode log item of the creating transaction, unaccounted). On
 * disk filesystems, /proc and sysfs the unused dentry stays cached on the LRU until reclaimed;
 * tmpfs dentries are pinned (there is no backing store) until unlinked.
 */
export function taskCreateFiles(k: Kernel, task: Task, n: number, nameLen = 12, fs: FsName = 'ext4'): number {
  live(task);
  count(n);
  checkFs(fs, ['ext4', 'xfs', 'tmpfs', 'proc', 'sysfs']);
  if (!Number.isInteger(nameLen) || nameLen < 1 || nameLen > 255) fail('EINVAL', 'name length must be 1..255');
  const inodeCache = fsInodeCache(k, fs);
  const done = syscallRepeat(k, task, n, () => {
    const id = dAlloc(k, task, nameLen, inodeCache);
    if (id < 0) return false;
    if (fs === 'xfs') xfsInodeLogItem(k, task, k.dentries.inode[id]);
    if (fs !== 'tmpfs') dLruAdd(k, id);
    if (fs === 'ext4' || fs === 'xfs' || fs === 'tmpfs') {
      task.leader.createdFiles.push(id);
      k.dentries.creator[id] = task.tgid;
    }
    return true;
  });
  syscallReturn(k, task);
  return done;
}

/**
 * unlink() of up to `n` files this task created that are still cached (the latest first): the
 * inode goes; the dentry stays cached as a negative one, except on tmpfs, where it goes too.
 * Files with handles (taskCreateFile) are unlinked with taskUnlink.
 */
export function taskUnlinkFiles(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  const list = task.leader.createdFiles;
  const t = k.dentries;
  const shmemInodes = k.cache('shmem_inode_cache');
  let done = 0;
  while (done < n && list.length) {
    const id = list.pop()!;
    // a dentry reclaimed meanwhile (or reused for another object) is no longer ours to unlink
    if (!t.live[id] || !t.inode[id] || t.creator[id] !== task.tgid) continue;
    // tmpfs: always_delete_dentry; elsewhere d_delete leaves the dentry cached, negative
    const s = cacheOfObject(k, t.inode[id]);
    if (s && (s.rootCache ?? s) === shmemInodes) dFree(k, id, task.cpu);
    else dDeleteInode(k, id, task.cpu);
    done++;
  }
  syscallReturn(k, task);
  return done;
}

/** open() of `n` cached files: a struct file each, held until close or exit. */
export function taskOpenFiles(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  const done = syscallRepeat(k, task, n, () => {
    const f = kmemCacheAlloc(k, k.cache('filp'), task);
    if (f === ALLOC_FAILED) return false;
    task.leader.openFiles.push(f);
    fdsAdded(k, task, 1);
    return true;
  });
  syscallReturn(k, task);
  return done;
}

export function taskCloseFiles(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  const files = task.leader.openFiles;
  let done = 0;
  for (; done < n && files.length; done++) kmemCacheFree(k, files.pop()!, task.cpu);
  task.leader.nrFds -= done;
  syscallReturn(k, task);
  return done;
}

const PROTO_CACHE = { tcp: 'TCP', udp: 'UDP', unix: 'UNIX', tcp6: 'TCPv6', udp6: 'UDPv6' } as const;

/**
 * socket() (or, with `accepted`, accept()) `n` times: socket inode + pseudo dentry + file +
 * protocol sock, held until close or exit. An accepted connection's sock is cloned from the
 * listener in softirq context, where nothing is charged (memcg_kmem_bypass); its inode, dentry
 * and file are made by accept() in the task's context.
 */
export function taskSocket(k: Kernel, task: Task, n: number, proto: keyof typeof PROTO_CACHE, opts: { accepted?: boolean } = {}): number {
  live(task);
  count(n);
  const cacheName = PROTO_CACHE[proto];
  if (!cacheName) fail('EINVAL', 'protocol must be tcp, udp, unix, tcp6 or udp6');
  const done = syscallRepeat(k, task, n, () => {
    const dentry = dAlloc(k, task, 10, k.cache('sock_inode_cache'));
    if (dentry < 0) return false;
    const filp = kmemCacheAlloc(k, k.cache('filp'), task);
    const sk = filp === ALLOC_FAILED ? ALLOC_FAILED : opts.accepted ? softirqAlloc(k, task, cacheName) : kmemCacheAlloc(k, k.cache(cacheName), task);
    if (sk === ALLOC_FAILED) {
      if (filp !== ALLOC_FAILED) kmemCacheFree(k, filp, task.cpu);
      dFree(k, dentry, task.cpu);
      return false;
    }
    const s: Socket = { inode: k.dentries.inode[dentry], dentry, filp, sk };
    task.leader.sockets.push(s);
    fdsAdded(k, task, 1);
    return true;
  });
  syscallReturn(k, task);
  return done;
}

/** Closes up to `n` of the task's sockets. */
export function taskCloseSockets(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  const list = task.leader.sockets;
  let done = 0;
  for (; done < n && list.length; done++) freeSocket(k, list.pop()!, task.cpu);
  task.leader.nrFds -= done;
  syscallReturn(k, task);
  return done;
}

/** kmalloc(size, GFP_KERNEL[_ACCOUNT]) held by the task; returns the object's address. */
export function taskKmalloc(k: Kernel, task: Task, size: number, opts: { account?: boolean; reclaimable?: boolean } = {}): number {
  live(task);
  if (!Number.isInteger(size) || size < 1 || size > 4 * 1024 * 1024) fail('EINVAL', 'size must be 1..4194304');
  const addr = kmalloc(k, size, task, opts.account ?? true, !!opts.reclaimable);
  if (addr === ALLOC_FAILED) fail('ENOMEM');
  task.kobjects.add(addr);
  syscallReturn(k, task);
  return addr;
}

export function taskKfree(k: Kernel, task: Task, addr: number): void {
  live(task);
  if (!task.kobjects.has(addr)) fail('EINVAL', 'the task does not hold that object');
  task.kobjects.delete(addr);
  kmemCacheFree(k, addr, task.cpu);
  syscallReturn(k, task);
}

/** kmem_cache_alloc(cache, GFP_KERNEL) held by the task. */
export function taskCacheAlloc(k: Kernel, task: Task, cacheName: string): number {
  live(task);
  const s = k.cacheByName.get(cacheName);
  if (!s) fail('ENOENT', `no cache ${cacheName}`);
  const addr = kmemCacheAlloc(k, s, task);
  if (addr === ALLOC_FAILED) fail('ENOMEM');
  task.kobjects.add(addr);
  syscallReturn(k, task);
  return addr;
}

export function taskCacheFree(k: Kernel, task: Task, addr: number): void {
  taskKfree(k, task, addr);
}

/** Which cache an object the task holds came from. */
export function objectCacheName(k: Kernel, addr: number): string | null {
  const s = cacheOfObject(k, addr);
  return s ? s.name : null;
}

/**
 * Touches `n` new anonymous pages (page faults), charged to the task's memcg. Each fault is a
 * syscall's worth of time. Runs of faults in which nothing else can happen — no deferred work or
 * timer falls due, every charge comes from the stock or a batch that fits under every limit, the
 * node has the pages — are done at once (the same time, charges, pages and statistics as one by
 * one); the faults around them, which may reclaim, OOM, drain a stock or run deferred work, go one
 * at a time.
 */
export function taskAnonFault(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  const mm = task.leader.mm;
  if (!mm) fail('EINVAL', 'kernel threads have no user memory');
  const clock = k.clock;
  let done = 0;
  while (done < n && !task.exited) {
    if (clock.work.length === 0) {
      // the next faults whose syscallTick runs nothing, whose charge is pure, whose page is there
      const memcg = task.memcg;
      const nid = k.cpuNode[task.cpu];
      let run = memcgPageChargeRoom(k, memcg, task.cpu, Math.min(n - done, k.pages.nrFreeOnNode(nid)));
      const deadline = clock.nextDeadline();
      let now = clock.nowNs;
      let ticks = 0;
      while (ticks < run && now + SYSCALL_NS < deadline) {
        now += SYSCALL_NS;
        ticks++;
      }
      run = ticks;
      if (run > 1) {
        clock.nowNs = now;
        chargePagesBulk(k, memcg, run, task.cpu, task);
        mm.anon.reserve(run);
        k.pages.allocBulk(nid, PageKind.Anon, run, mm.anon.pfns, mm.anon.length, memcg.parent ? memcg.id : 0);
        mm.anon.length += run;
        if (memcg.parent) {
          memcg.stat[Stat.Anon] += run * k.pageSize;
          memcg.stat[Stat.InactiveAnon] += run * k.pageSize;
          memcg.stat[Stat.Pgfault] += run;
        }
        k.vmEvents.pgfault += run;
        done += run;
        continue;
      }
    }
    syscallTick(k);
    const memcg = task.memcg;
    if (!chargePageTo(k, memcg, 1, { cpu: task.cpu, task }, false)) break;
    // Departure: the kernel allocates the page first (alloc_page, then mem_cgroup_charge) and
    // frees it when the charge fails; the model charges first, so that a page the charge's reclaim
    // frees can be the one allocated, and uncharges when no page comes. Nothing stays charged.
    const pfn = task.exited ? -1 : k.pages.alloc(0, k.cpuNode[task.cpu], PageKind.Anon);
    if (pfn < 0) {
      unchargePageFrom(k, memcg, 1, false);
      break;
    }
    if (memcg.parent) {
      k.pages.memcgId[pfn] = memcg.id;
      memcg.stat[Stat.Anon] += k.pageSize;
      memcg.stat[Stat.InactiveAnon] += k.pageSize;
      memcg.stat[Stat.Pgfault] += 1;
    }
    k.vmEvents.pgfault++;
    mm.anon.push(pfn);
    done++;
  }
  syscallReturn(k, task);
  return done;
}

/** munmap of `n` anonymous pages. */
export function taskAnonFree(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  const mm = task.leader.mm;
  const done = mm ? Math.min(n, mm.anon.length) : 0;
  if (mm) freeAnonPages(k, mm, done);
  syscallReturn(k, task);
  return done;
}

/** Which file a page-cache call is about: pages of an unnamed file on `fs`, or of a named file. */
export interface PagecacheOptions {
  /** filesystem of an unnamed file: 'ext4' (default) or 'xfs' */
  fs?: FsName;
  /** handle of a named file (taskCreateFile); its filesystem is the file's */
  file?: number;
}

/** The filesystem and named file (if any) a page-cache call is about; EINVAL / ENOENT. */
function pagecacheTarget(k: Kernel, opts: PagecacheOptions): { fs: FsName; file: DiskFile | null } {
  if (opts.file !== undefined) {
    const file = fileByHandle(k, opts.file);
    if (opts.fs !== undefined && opts.fs !== file.fs) fail('EINVAL', `the file is on ${file.fs}`);
    return { fs: file.fs, file };
  }
  const fs = opts.fs ?? 'ext4';
  checkFs(fs, ['ext4', 'xfs']);
  return { fs, file: null };
}

/**
 * read() of `n` pages of a file that are not cached: page-cache pages charged to the memcg, with
 * their radix tree nodes. ext4 reads through mpage without buffer_heads; XFS (iomap) gives each
 * page an unaccounted iomap_page when its blocks are smaller than the page. A named file is opened
 * (looked up if its dentry was evicted) and its pages are its own, freed by unlink; tmpfs data is
 * in memory already, so reading it allocates nothing.
 */
export function taskPagecacheRead(k: Kernel, task: Task, n: number, opts: PagecacheOptions = {}): number {
  live(task);
  count(n);
  const { fs, file } = pagecacheTarget(k, opts);
  if (file && file.fs === 'tmpfs') {
    syscallTick(k);
    syscallReturn(k, task);
    return n;
  }
  if (file && !fileGet(k, task, file)) fail('ENOMEM');
  const done = syscallRepeat(k, task, n, () => {
    const pfn = addToPageCache(k, task, file ? file.mapping : null);
    if (pfn < 0) return false;
    if (fs === 'xfs') iomapPageCreate(k, task, pfn);
    return true;
  });
  if (file) filePut(k, file);
  syscallReturn(k, task);
  return done;
}

/** Allocates objects held by the task until exit (or an explicit free); ENOMEM undoes the group. */
function holdGroup(k: Kernel, task: Task, allocs: Array<() => number>): boolean {
  const got: number[] = [];
  for (const a of allocs) {
    const addr = a();
    if (addr === ALLOC_FAILED) {
      for (const g of got) kmemCacheFree(k, g, task.cpu);
      return false;
    }
    got.push(addr);
  }
  for (const g of got) task.kobjects.add(g);
  return true;
}

/** sizeof(struct signalfd_ctx): a sigset_t. */
const SIGNALFD_CTX_SIZE = 8;
/** sizeof(struct pipe_inode_info) and of the default 16-slot pipe_buffer array (GFP_KERNEL_ACCOUNT). */
const PIPE_INODE_INFO_SIZE = 152;
const PIPE_BUFFERS_SIZE = 16 * 40;

/** inotify_init + `watches` inotify_add_watch: a file and one accounted mark per watch. */
export function taskInotify(k: Kernel, task: Task, watches: number): number {
  live(task);
  count(watches);
  if (!holdGroup(k, task, [() => kmemCacheAlloc(k, k.cache('filp'), task), () => kmemCacheAlloc(k, k.dentryCache, task)])) fail('ENOMEM');
  fdsAdded(k, task, 1);
  let done = 0;
  const mark = k.cache('inotify_inode_mark');
  const conn = k.cache('fsnotify_mark_connector');
  for (; done < watches && !task.exited; done++) {
    syscallTick(k);
    if (!holdGroup(k, task, [() => kmemCacheAlloc(k, mark, task), () => kmemCacheAlloc(k, conn, task)])) break;
  }
  syscallReturn(k, task);
  return done;
}

/** pipe() `n` times: two files, a pipefs inode, pipe_inode_info and its buffer array. */
export function taskPipe(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  const filp = k.cache('filp');
  const inode = k.cache('inode_cache');
  const done = syscallRepeat(k, task, n, () => {
    const ok = holdGroup(k, task, [
      () => kmemCacheAlloc(k, filp, task),
      () => kmemCacheAlloc(k, filp, task),
      () => kmemCacheAlloc(k, k.dentryCache, task),
      () => kmemCacheAlloc(k, inode, task),
      () => kmalloc(k, PIPE_INODE_INFO_SIZE, task, true, false),
      () => kmalloc(k, PIPE_BUFFERS_SIZE, task, true, false),
    ]);
    if (ok) fdsAdded(k, task, 2);
    return ok;
  });
  syscallReturn(k, task);
  return done;
}

/** signalfd() `n` times: a file and a signalfd_ctx each. */
export function taskSignalfd(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  const done = syscallRepeat(k, task, n, () => {
    // fs/signalfd.c (5.5): the context is a plain kmalloc(GFP_KERNEL), not accounted
    const ok = holdGroup(k, task, [
      () => kmemCacheAlloc(k, k.cache('filp'), task),
      () => kmemCacheAlloc(k, k.dentryCache, task),
      () => kmalloc(k, SIGNALFD_CTX_SIZE, task, false, false),
    ]);
    if (ok) fdsAdded(k, task, 1);
    return ok;
  });
  syscallReturn(k, task);
  return done;
}

/** A page-cache write: which file, and whether the pages are new or cached already. */
export interface PagecacheWriteOptions extends PagecacheOptions {
  /**
   * write to pages read earlier (cached, no buffers yet) instead of new ones: block_write_begin
   * attaches buffer_heads to each (ext4), charged to the memcg the page is charged to — whoever
   * writes. Without a file, the oldest such pages of the writer's memcg LRU are taken.
   */
  cached?: boolean;
}

/** The page private a write gives a page: buffer_heads (ext4) or an iomap_page (XFS, small blocks). */
function writePrivate(k: Kernel, task: Task, fs: FsName, pfn: number): void {
  if (fs === 'xfs') iomapPageCreate(k, task, pfn);
  else createEmptyBuffers(k, task, pfn);
}

/** write() to `n` cached pages without page private; returns how many were found. */
function writeCachedPages(k: Kernel, task: Task, fs: FsName, file: DiskFile | null, n: number): number {
  if (file && file.fs === 'tmpfs') return 0;
  const lru = task.memcg.parent ? task.memcg : k.rootMemcg;
  const pages = file ? mappingPagesWithoutPrivate(k, file.mapping, n) : null;
  let done = 0;
  for (let i = 0; done < n && !task.exited; i++) {
    const pfn = pages ? (i < pages.length ? pages[i] : -1) : lruNextPageWithoutPrivate(k, lru);
    if (pfn < 0) break;
    // a page of the list that an earlier write's charge reclaimed meanwhile
    if (pages && (k.pageMapping.get(pfn) !== file!.mapping || k.pageBuffers.has(pfn))) continue;
    syscallTick(k);
    writePrivate(k, task, fs, pfn);
    done++;
  }
  return done;
}

/**
 * write() of `n` pages of a file, each a write() call: new page-cache pages charged to the memcg,
 * as reads are, plus what the filesystem attaches to a written page — ext4 PAGE_SIZE / blocksize
 * buffer_heads (__GFP_ACCOUNT for the page's memcg, reclaimable), XFS an iomap_page only when its
 * blocks are smaller than the page (unaccounted) — which go when the page is reclaimed or
 * truncated. A named file's pages are its own (an XFS write also gives the inode its log item);
 * tmpfs pages are shmem. With `cached`, see PagecacheWriteOptions. Returns pages written.
 */
export function taskPagecacheWrite(k: Kernel, task: Task, n: number, opts: PagecacheWriteOptions = {}): number {
  live(task);
  count(n);
  if (opts.cached !== undefined && typeof opts.cached !== 'boolean') fail('EINVAL', 'cached must be a boolean');
  const { fs, file } = pagecacheTarget(k, opts);
  if (file && !fileGet(k, task, file)) fail('ENOMEM');
  if (file && fs === 'xfs') xfsInodeLogItem(k, task, file.inode);
  let done = 0;
  if (opts.cached) {
    done = writeCachedPages(k, task, fs, file, n);
  } else if (file && file.fs === 'tmpfs') {
    done = shmemAddPages(k, task, file.mapping, n);
  } else {
    for (; done < n && !task.exited; done++) {
      // a write of a new page takes two calls' time: bringing the page in, as a read does, and
      // mapping its blocks
      syscallTick(k);
      syscallTick(k);
      const pfn = addToPageCache(k, task, file ? file.mapping : null);
      if (pfn >= 0) writePrivate(k, task, fs, pfn);
      syscallReturn(k, task);
      if (pfn < 0) break;
    }
  }
  if (file) filePut(k, file);
  syscallReturn(k, task);
  return done;
}

/** An allocation in softirq context on the task's CPU: never charged to a memcg. */
function softirqAlloc(k: Kernel, task: Task, cacheName: string): number {
  return kmemCacheAlloc(k, k.cache(cacheName), null, false, task.cpu);
}

export { NR_OPEN_DEFAULT } from './file_table.js';
