/**
 * The dentry cache, as far as memory is concerned: each dentry is a slab object (plus an
 * external name for names of DNAME_INLINE_LEN or more, plus the inode of a positive dentry).
 * Unused dentries sit on a list_lru of the memcg that owns the dentry object (mem_cgroup_from_obj;
 * the root's list when kmem accounting is off) and are freed by shrinkers. A struct of typed
 * arrays indexed by dentry id; LRU links live here too.
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import type { MemCgroup } from './cgroup.js';
import type { KmemCache } from './slab_common.js';
import type { ListLru } from './list_lru.js';
import { ALLOC_FAILED, cacheOfObject, kmalloc, kmemCacheAlloc, kmemCacheFree } from './slab_alloc.js';
import { evictInode } from './inode.js';

/** DNAME_INLINE_LEN on 64-bit: shorter names live inside struct dentry. */
export const DNAME_INLINE_LEN = 32;
/** offsetof(struct external_name, name[1]): rcu_head/count union + the NUL. */
const EXTERNAL_NAME_HEADER = 17;

export class DentryTable {
  cap = 0;
  addr = new Float64Array(0);
  name = new Float64Array(0);
  inode = new Float64Array(0);
  next = new Int32Array(0);
  prev = new Int32Array(0);
  /** css id of the memcg whose LRU holds the dentry; -1 when not on an LRU, 0 = root list */
  lru = new Int32Array(0);
  live = new Uint8Array(0);
  /** tgid of the process that created the file (taskCreateFiles), 0 otherwise */
  creator = new Int32Array(0);
  private freeIds: number[] = [];
  nrLive = 0;

  constructor() {
    this.grow(1024);
  }

  private grow(cap: number): void {
    const g = <T extends Float64Array | Int32Array | Uint8Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(cap);
      b.set(a);
      return b;
    };
    this.addr = g(this.addr, Float64Array);
    this.name = g(this.name, Float64Array);
    this.inode = g(this.inode, Float64Array);
    this.next = g(this.next, Int32Array);
    this.prev = g(this.prev, Int32Array);
    this.lru = g(this.lru, Int32Array);
    this.live = g(this.live, Uint8Array);
    this.creator = g(this.creator, Int32Array);
    for (let i = cap - 1; i >= this.cap; i--) this.freeIds.push(i);
    this.cap = cap;
  }

  allocId(): number {
    if (this.freeIds.length === 0) this.grow(this.cap * 2);
    this.nrLive++;
    const id = this.freeIds.pop()!;
    this.live[id] = 1;
    this.lru[id] = -1;
    return id;
  }

  releaseId(id: number): void {
    this.live[id] = 0;
    this.creator[id] = 0;
    this.nrLive--;
    this.freeIds.push(id);
  }
}

/** d_alloc (+ an inode for a positive dentry): returns the dentry id or -1 when allocation failed. */
export function dAlloc(k: Kernel, task: Task | null, nameLen: number, inodeCache: KmemCache | null): number {
  const dentry = kmemCacheAlloc(k, k.dentryCache, task);
  if (dentry === ALLOC_FAILED) return -1;
  let name = 0;
  if (nameLen >= DNAME_INLINE_LEN) {
    // GFP_KERNEL_ACCOUNT | __GFP_RECLAIMABLE -> kmalloc-rcl-*
    name = kmalloc(k, EXTERNAL_NAME_HEADER + nameLen, task, true, true);
    if (name === ALLOC_FAILED) {
      kmemCacheFree(k, dentry, task ? task.cpu : 0);
      return -1;
    }
  }
  let inode = 0;
  if (inodeCache) {
    inode = kmemCacheAlloc(k, inodeCache, task);
    if (inode === ALLOC_FAILED) {
      if (name) kmemCacheFree(k, name, task ? task.cpu : 0);
      kmemCacheFree(k, dentry, task ? task.cpu : 0);
      return -1;
    }
  }
  const t = k.dentries;
  const id = t.allocId();
  t.addr[id] = dentry;
  t.name[id] = name;
  t.inode[id] = inode;
  return id;
}

/** The LRU an object's owner keeps: the owning memcg's, or the root's. */
export function lruOwnerOf(k: Kernel, addr: number): MemCgroup {
  const slab = k.pages.slabOf(Math.floor(addr / k.pageSize));
  const idx = (addr - k.slabs.pfn[slab] * k.pageSize) / k.caches[k.slabs.cache[slab]].size;
  return k.kmem.objMemcg(k, slab, idx) ?? k.rootMemcg;
}

/** list_lru_add: an unused dentry goes to the tail of its owner's LRU. */
export function dLruAdd(k: Kernel, id: number): void {
  const t = k.dentries;
  const owner = lruOwnerOf(k, t.addr[id]);
  lruLink(t, owner.dentryLru, id);
  t.lru[id] = owner.id;
}

function lruLink(t: DentryTable, lru: ListLru, id: number): void {
  t.next[id] = -1;
  t.prev[id] = lru.tail;
  if (lru.tail >= 0) t.next[lru.tail] = id;
  else lru.head = id;
  lru.tail = id;
  lru.count++;
}

export function dLruDel(k: Kernel, id: number): void {
  const t = k.dentries;
  const owner = t.lru[id];
  if (owner < 0) return;
  const lru = (k.memcgById.get(owner) ?? k.rootMemcg).dentryLru;
  const p = t.prev[id];
  const n = t.next[id];
  if (p >= 0) t.next[p] = n;
  else lru.head = n;
  if (n >= 0) t.prev[n] = p;
  else lru.tail = p;
  lru.count--;
  t.lru[id] = -1;
}

/**
 * dput of the last reference + d_free: the dentry, its name and its inode go back to the slab
 * (the inode through evict: see inode.ts). Returns the bytes of slab objects freed (slot sizes).
 */
export function dFree(k: Kernel, id: number, cpu: number): number {
  const t = k.dentries;
  dLruDel(k, id);
  let bytes = 0;
  if (t.inode[id]) bytes += evictInode(k, t.inode[id], cpu);
  for (const a of [t.name[id], t.addr[id]]) {
    if (!a) continue;
    const s = cacheOfObject(k, a);
    bytes += s ? s.size : 0;
    kmemCacheFree(k, a, cpu);
  }
  t.releaseId(id);
  return bytes;
}

/**
 * d_delete of an unlinked file's dentry that nobody else uses: the inode goes (evict), the dentry
 * stays cached as a negative one, where it was (on its LRU, or put there).
 */
export function dDeleteInode(k: Kernel, id: number, cpu: number): void {
  const t = k.dentries;
  const inode = t.inode[id];
  t.inode[id] = 0;
  t.creator[id] = 0;
  if (inode) evictInode(k, inode, cpu);
  if (t.lru[id] < 0) dLruAdd(k, id);
}

/**
 * prune_dcache_sb for one memcg's list: frees up to `nr` of the oldest unused dentries.
 * Returns how many were freed and the bytes of slab objects that released.
 */
export function shrinkDcacheLru(k: Kernel, memcg: MemCgroup, nr: number, cpu: number): { freed: number; bytes: number } {
  let freed = 0;
  let bytes = 0;
  while (freed < nr && memcg.dentryLru.head >= 0) {
    bytes += dFree(k, memcg.dentryLru.head, cpu);
    freed++;
  }
  return { freed, bytes };
}

/** memcg_drain_all_list_lrus: a dead memcg's LRU items move to its parent's list. */
export function spliceDentryLru(k: Kernel, from: MemCgroup, to: MemCgroup): void {
  const t = k.dentries;
  const src = from.dentryLru;
  for (let id = src.head; id >= 0; id = t.next[id]) t.lru[id] = to.id;
  if (src.head < 0) return;
  const dst = to.dentryLru;
  if (dst.tail >= 0) {
    t.next[dst.tail] = src.head;
    t.prev[src.head] = dst.tail;
  } else dst.head = src.head;
  dst.tail = src.tail;
  dst.count += src.count;
  src.head = src.tail = -1;
  src.count = 0;
}
