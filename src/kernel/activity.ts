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
    const id = dAlloc(k, task, nameLen, null);
    if (id < 0) break;
    dLruAdd(k, id);
  }
  syscallReturn(k, task);
  return done;
}

/** creat()+close() of `n` files: a dentry and an inode each, left cached (unused) on the LRU. */
export function taskCreateFiles(k: Kernel, task: Task, n: number, nameLen = 12): number {
  live(task);
  count(n);
  const inodeCache = k.cache(k.fsInodeCache);
  let done = 0;
  for (; done < n && !task.exited; done++) {
    const id = dAlloc(k, task, nameLen, inodeCache);
    if (id < 0) break;
    dLruAdd(k, id);
    task.leader.createdFiles.push(id);
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
    const f = kmemCacheAlloc(k, k.cache('filp'), task);
    if (f === ALLOC_FAILED) break;
    task.leader.openFiles.push(f);
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
  syscallReturn(k, task);
  return done;
}

const PROTO_CACHE = { tcp: 'TCP', udp: 'UDP', unix: 'UNIX' } as const;

/** socket(): socket inode + pseudo dentry + file + protocol sock, held until exit. */
export function taskSocket(k: Kernel, task: Task, n: number, proto: 'tcp' | 'udp' | 'unix'): number {
  live(task);
  count(n);
  const cacheName = PROTO_CACHE[proto];
  if (!cacheName) fail('EINVAL', 'protocol must be tcp, udp or unix');
  let done = 0;
  for (; done < n && !task.exited; done++) {
    const dentry = dAlloc(k, task, 10, k.cache('sock_inode_cache'));
    if (dentry < 0) break;
    const filp = kmemCacheAlloc(k, k.cache('filp'), task);
    const sk = filp === ALLOC_FAILED ? ALLOC_FAILED : kmemCacheAlloc(k, k.cache(cacheName), task);
    if (sk === ALLOC_FAILED) {
      if (filp !== ALLOC_FAILED) kmemCacheFree(k, filp, task.cpu);
      dFree(k, dentry, task.cpu);
      break;
    }
    const s: Socket = { inode: k.dentries.inode[dentry], dentry, filp, sk };
    task.leader.sockets.push(s);
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
