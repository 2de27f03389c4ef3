/**
 * Kernel work a task can be asked to do, as userspace would trigger it: stat() of missing names
 * (negative dentries), creating and unlinking files, opening and closing files, sockets, generic
 * kmalloc / kmem_cache_alloc with their frees, anonymous and page-cache pages. Objects are
 * allocated in the task's context (its CPU, its memcg) and owned by whoever keeps them (the
 * dcache LRU, the task, the page cache). Each call ends like a syscall: over memory.high, the task
 * reclaims on its way back to user space. A task killed by the OOM killer stops where it was.
 */
import type { Kernel } from './kernel.js';
import type { Task, Socket } from './task.js';
import { fail } from './errno.js';
import { syscallTick } from './clock.js';
import { ALLOC_FAILED, cacheOfObject, kmalloc, kmemCacheAlloc, kmemCacheFree } from './slab_alloc.js';
import { dAlloc, dFree, dLruAdd } from './dcache.js';
import { PageKind } from './page_alloc.js';
import { chargePageTo, memcgHandleOverHigh } from './memcontrol.js';
import { Stat } from './memcg_stat.js';
import { freeAnonPage, freeSocket } from './task.js';

/** Pages per page-cache radix_tree_node (XA_CHUNK_SIZE). */
const XA_CHUNK_SIZE = 64;

function live(task: Task): void {
  if (task.exited) fail('ESRCH');
}

function count(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 100_000_000) fail('EINVAL', 'bad count');
  return n;
}

function syscallReturn(k: Kernel, task: Task): void {
  if (!task.exited) memcgHandleOverHigh(k, task);
  k.generation++;
}

/** stat() of `n` missing names of length `nameLen`: negative dentries left on the LRU. */
export function taskLookupMissing(k: Kernel, task: Task, n: number, nameLen: number): number {
  live(task);
  count(n);
  if (!Number.isInteger(nameLen) || nameLen < 1 || nameLen > 255) fail('EINVAL', 'name length must be 1..255');
  let done = 0;
  for (; done < n && !task.exited; done++) {
    syscallTick(k);
    const id = dAlloc(k, task, nameLen, null);
    if (id < 0) break;
    dLruAdd(k, id);
  }
  syscallReturn(k, task);
  return done;
}

/** The filesystems a task can create or look up files on, with their inode caches. */
export const FS_INODE_CACHES = {
  ext4: 'ext4_inode_cache',
  tmpfs: 'shmem_inode_cache',
  proc: 'proc_inode_cache',
  sysfs: 'inode_cache',
} as const;
export type FsName = keyof typeof FS_INODE_CACHES;

/**
 * creat()+close() of `n` files (or, for proc and sysfs, lookups of existing entries): a dentry
 * and an inode each. On disk filesystems, /proc and sysfs the unused dentry stays cached on the
 * LRU until reclaimed; tmpfs dentries are pinned (there is no backing store) until unlinked.
 */
export function taskCreateFiles(k: Kernel, task: Task, n: number, nameLen = 12, fs: FsName = 'ext4'): number {
  live(task);
  count(n);
  const cacheName = FS_INODE_CACHES[fs];
  if (!cacheName) fail('EINVAL', 'filesystem must be ext4, tmpfs, proc or sysfs');
  const inodeCache = k.cache(cacheName);
  let done = 0;
  for (; done < n && !task.exited; done++) {
    syscallTick(k);
    const id = dAlloc(k, task, nameLen, inodeCache);
    if (id < 0) break;
    if (fs !== 'tmpfs') dLruAdd(k, id);
    if (fs === 'ext4' || fs === 'tmpfs') task.leader.createdFiles.push(id);
  }
  syscallReturn(k, task);
  return done;
}

/** unlink() of up to `n` files this task created that are still cached. */
export function taskUnlinkFiles(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  const list = task.leader.createdFiles;
  let done = 0;
  while (done < n && list.length) {
    const id = list.pop()!;
    // a dentry reclaimed meanwhile (or reused for another object) is no longer ours to free
    if (k.dentries.live[id] && k.dentries.inode[id]) {
      dFree(k, id, task.cpu);
      done++;
    }
  }
  syscallReturn(k, task);
  return done;
}

/** open() of `n` cached files: a struct file each, held until close or exit. */
export function taskOpenFiles(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  let done = 0;
  for (; done < n && !task.exited; done++) {
    syscallTick(k);
    const f = kmemCacheAlloc(k, k.cache('filp'), task);
    if (f === ALLOC_FAILED) break;
    task.leader.openFiles.push(f);
    fdsAdded(k, task, 1);
  }
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
  let done = 0;
  for (; done < n && !task.exited; done++) {
    syscallTick(k);
    const dentry = dAlloc(k, task, 10, k.cache('sock_inode_cache'));
    if (dentry < 0) break;
    const filp = kmemCacheAlloc(k, k.cache('filp'), task);
    const sk = filp === ALLOC_FAILED ? ALLOC_FAILED : opts.accepted ? softirqAlloc(k, task, cacheName) : kmemCacheAlloc(k, k.cache(cacheName), task);
    if (sk === ALLOC_FAILED) {
      if (filp !== ALLOC_FAILED) kmemCacheFree(k, filp, task.cpu);
      dFree(k, dentry, task.cpu);
      break;
    }
    const s: Socket = { inode: k.dentries.inode[dentry], dentry, filp, sk };
    task.leader.sockets.push(s);
    fdsAdded(k, task, 1);
  }
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

/** Touches `n` new anonymous pages (page faults), charged to the task's memcg. */
export function taskAnonFault(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  const mm = task.leader.mm;
  if (!mm) fail('EINVAL', 'kernel threads have no user memory');
  let done = 0;
  for (; done < n && !task.exited; done++) {
    syscallTick(k);
    const memcg = task.memcg;
    if (!chargePageTo(k, memcg, 1, { cpu: task.cpu, task }, false)) break;
    if (task.exited) break;
    const pfn = k.pages.alloc(0, k.cpuNode[task.cpu], PageKind.Anon);
    if (pfn < 0) break;
    if (memcg.parent) {
      k.pages.memcgId[pfn] = memcg.id;
      memcg.stat[Stat.Anon] += k.pageSize;
      memcg.stat[Stat.InactiveAnon] += k.pageSize;
      memcg.stat[Stat.Pgfault] += 1;
    }
    k.vmEvents.pgfault++;
    mm.anon.push(pfn);
  }
  syscallReturn(k, task);
  return done;
}

/** munmap of `n` anonymous pages. */
export function taskAnonFree(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  const mm = task.leader.mm;
  let done = 0;
  while (mm && done < n && mm.anon.length) {
    freeAnonPage(k, mm.anon.pop()!);
    done++;
  }
  syscallReturn(k, task);
  return done;
}

/** read() of `n` pages of a file: page-cache pages (and their radix tree nodes) charged to the memcg. */
export function taskPagecacheRead(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  let done = 0;
  for (; done < n && !task.exited; done++) {
    syscallTick(k);
    const memcg = task.memcg;
    if (!chargePageTo(k, memcg, 1, { cpu: task.cpu, task }, false)) break;
    if (task.exited) break;
    const pfn = k.pages.alloc(0, k.cpuNode[task.cpu], PageKind.File);
    if (pfn < 0) break;
    k.pages.memcgId[pfn] = memcg.parent ? memcg.id : 0;
    if (memcg.parent) {
      memcg.stat[Stat.File] += k.pageSize;
      memcg.stat[Stat.InactiveFile] += k.pageSize;
    }
    const owner = memcg.parent ? memcg : k.rootMemcg;
    owner.fileLru.push(pfn);
    if (owner.fileLru.length % XA_CHUNK_SIZE === 1) {
      const node = kmemCacheAlloc(k, k.cache('radix_tree_node'), task, true);
      if (node !== ALLOC_FAILED) owner.radixNodes.push(node);
    }
    k.vmEvents.pgpgin++;
  }
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
/** sizeof(struct eventpoll), kzalloc'ed without __GFP_ACCOUNT in 5.x. */
const EVENTPOLL_SIZE = 216;
/** sizeof(struct pipe_inode_info) and of the default 16-slot pipe_buffer array (GFP_KERNEL_ACCOUNT). */
const PIPE_INODE_INFO_SIZE = 152;
const PIPE_BUFFERS_SIZE = 16 * 40;
/** The seq_file buffer: one page, kvmalloc(GFP_KERNEL_ACCOUNT). */
const SEQ_BUF_SIZE = 4096;
/** ext4 block size: buffer_heads per written page = PAGE_SIZE / blocksize. */
const FS_BLOCK_SIZE = 4096;

/** epoll_create + `watches` epoll_ctl(ADD): an anon-inode file, the eventpoll, epitems and poll entries. */
export function taskEpoll(k: Kernel, task: Task, watches: number): number {
  live(task);
  count(watches);
  const filp = k.cache('filp');
  // anon_inode_getfile: a file and its own pseudo dentry on the shared anon inode
  const ok = holdGroup(k, task, [
    () => kmemCacheAlloc(k, filp, task),
    () => kmemCacheAlloc(k, k.dentryCache, task),
    () => kmalloc(k, EVENTPOLL_SIZE, task, false, false),
  ]);
  if (!ok) fail('ENOMEM');
  fdsAdded(k, task, 1);
  let done = 0;
  const epi = k.cache('eventpoll_epi');
  const pwq = k.cache('eventpoll_pwq');
  for (; done < watches && !task.exited; done++) {
    syscallTick(k);
    if (!holdGroup(k, task, [() => kmemCacheAlloc(k, epi, task), () => kmemCacheAlloc(k, pwq, task)])) break;
  }
  syscallReturn(k, task);
  return done;
}

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
  let done = 0;
  for (; done < n && !task.exited; done++) {
    syscallTick(k);
    const ok = holdGroup(k, task, [
      () => kmemCacheAlloc(k, filp, task),
      () => kmemCacheAlloc(k, filp, task),
      () => kmemCacheAlloc(k, k.dentryCache, task),
      () => kmemCacheAlloc(k, inode, task),
      () => kmalloc(k, PIPE_INODE_INFO_SIZE, task, true, false),
      () => kmalloc(k, PIPE_BUFFERS_SIZE, task, true, false),
    ]);
    if (!ok) break;
    fdsAdded(k, task, 2);
  }
  syscallReturn(k, task);
  return done;
}

/** signalfd() `n` times: a file and a signalfd_ctx each. */
export function taskSignalfd(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  let done = 0;
  for (; done < n && !task.exited; done++) {
    syscallTick(k);
    // fs/signalfd.c (5.5): the context is a plain kmalloc(GFP_KERNEL), not accounted
    const ok = holdGroup(k, task, [
      () => kmemCacheAlloc(k, k.cache('filp'), task),
      () => kmemCacheAlloc(k, k.dentryCache, task),
      () => kmalloc(k, SIGNALFD_CTX_SIZE, task, false, false),
    ]);
    if (!ok) break;
    fdsAdded(k, task, 1);
  }
  syscallReturn(k, task);
  return done;
}

/**
 * open + read + close of `n` /proc files (seq_file based): the proc dentry and inode are looked
 * up and stay cached; the file, the seq_file and its one-page buffer live only for the read.
 */
export function taskProcRead(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  let done = 0;
  const procInode = k.cache('proc_inode_cache');
  for (; done < n && !task.exited; done++) {
    syscallTick(k);
    const id = dAlloc(k, task, 8, procInode);
    if (id < 0) break;
    dLruAdd(k, id);
    const filp = kmemCacheAlloc(k, k.cache('filp'), task);
    const seq = filp === ALLOC_FAILED ? ALLOC_FAILED : kmemCacheAlloc(k, k.cache('seq_file'), task);
    const buf = seq === ALLOC_FAILED ? ALLOC_FAILED : kmalloc(k, SEQ_BUF_SIZE, task, true, false);
    for (const a of [buf, seq, filp]) if (a !== ALLOC_FAILED) kmemCacheFree(k, a, task.cpu);
    if (buf === ALLOC_FAILED) break;
  }
  syscallReturn(k, task);
  return done;
}

/**
 * write() of `n` new pages of a file: page-cache pages charged to the memcg, as reads are, plus
 * the buffer_heads ext4 attaches to each written page (PAGE_SIZE / blocksize of them, allocated
 * with __GFP_ACCOUNT for the page's memcg, reclaimable); they go when the page is reclaimed.
 */
export function taskPagecacheWrite(k: Kernel, task: Task, n: number): number {
  live(task);
  count(n);
  const perPage = Math.max(1, Math.floor(k.pageSize / FS_BLOCK_SIZE));
  const bh = k.cache('buffer_head');
  let done = 0;
  for (; done < n && !task.exited; done++) {
    syscallTick(k);
    if (taskPagecacheRead(k, task, 1) !== 1) break;
    const memcg = task.memcg.parent ? task.memcg : k.rootMemcg;
    const pfn = memcg.fileLru[memcg.fileLru.length - 1];
    const heads: number[] = [];
    for (let i = 0; i < perPage; i++) {
      const a = kmemCacheAlloc(k, bh, task, true);
      if (a === ALLOC_FAILED) break;
      heads.push(a);
    }
    k.pageBuffers.set(pfn, heads);
  }
  syscallReturn(k, task);
  return done;
}

/** An allocation in softirq context on the task's CPU: never charged to a memcg. */
function softirqAlloc(k: Kernel, task: Task, cacheName: string): number {
  return kmemCacheAlloc(k, k.cache(cacheName), null, false, task.cpu);
}

/** NR_OPEN_DEFAULT: the fd array embedded in files_struct. */
const NR_OPEN_DEFAULT = 64;
/** sizeof(struct fdtable). */
const FDTABLE_SIZE = 56;

/**
 * A process's descriptors beyond the embedded 64 need an fdtable of its own (expand_fdtable):
 * struct fdtable, the file pointer array and the open/close-on-exec/full bitmaps, all
 * GFP_KERNEL_ACCOUNT, sized to a power of two of at least 256 entries; the old one is freed.
 */
function fdsAdded(k: Kernel, task: Task, n: number): void {
  const leader = task.leader;
  leader.nrFds += n;
  if (leader.nrFds <= leader.fdCapacity) return;
  let nr = Math.max(256, leader.fdCapacity * 2);
  while (nr < leader.nrFds) nr *= 2;
  const next = [
    kmalloc(k, FDTABLE_SIZE, task, true, false),
    kmalloc(k, nr * 8, task, true, false),
    kmalloc(k, 2 * (nr / 8) + nr / 64 / 8, task, true, false),
  ];
  if (next.some((a) => a === ALLOC_FAILED)) {
    for (const a of next) if (a !== ALLOC_FAILED) kmemCacheFree(k, a, task.cpu);
    return; // the real expand fails with EMFILE; the model keeps the descriptors on the old table
  }
  for (const a of leader.fdTable) {
    leader.kobjects.delete(a);
    kmemCacheFree(k, a, task.cpu);
  }
  leader.fdTable = next;
  for (const a of next) leader.kobjects.add(a);
  leader.fdCapacity = nr;
}

export { NR_OPEN_DEFAULT };
