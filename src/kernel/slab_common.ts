/**
 * kmem_cache: creation, geometry (object size -> slot size, order and objects per slab exactly
 * as SLUB's calculate_sizes/calculate_order compute them for the machine's page size and CPU
 * count), the boot set of caches, kmalloc size classes, and the /proc/slabinfo facts.
 */
import type { Kernel } from './kernel.js';
import type { MemCgroup } from './cgroup.js';
import type { SlabinfoRow, SlabCacheSysfs } from './types.js';
import { PageKind } from './page_alloc.js';
import { cpuSlabCount, nodePartialFreeObjects, slubShrink, slabPageKind } from './slub.js';
import { ALLOC_FAILED, kmemCacheAlloc, kmemCacheFree } from './slab_alloc.js';
import { fail } from './errno.js';
import { percpuAlloc, percpuFree } from './percpu.js';
import {
  SLAB_ACCOUNT,
  SLAB_HAS_CTOR,
  SLAB_HWCACHE_ALIGN,
  SLAB_KMALLOC,
  SLAB_RECLAIM_ACCOUNT,
  SLAB_TYPESAFE_BY_RCU,
} from './slab_flags.js';

// mm/slub.c tunables (5.x defaults)
const SLUB_MIN_ORDER = 0;
const SLUB_MAX_ORDER = 3; // PAGE_ALLOC_COSTLY_ORDER
const MAX_OBJS_PER_PAGE = 32767;
const MAX_ORDER = 11;
const MIN_PARTIAL = 5;
const MAX_PARTIAL = 10;
const CACHE_LINE_SIZE = 64;
const POINTER_SIZE = 8;
/**
 * kmalloc size classes: 8..192 (with 96 and 192), then powers of two up to
 * KMALLOC_MAX_CACHE_SIZE = 2 * PAGE_SIZE on SLUB (8k with 4 KiB pages, 128k with 64 KiB pages).
 */
export function kmallocSizes(pageSize: number): number[] {
  const sizes = [8, 16, 32, 64, 96, 128, 192];
  for (let n = 256; n <= 2 * pageSize; n *= 2) sizes.push(n);
  return sizes;
}

export class KmemCache {
  readonly name: string;
  readonly objectSize: number;
  readonly size: number;
  readonly align: number;
  readonly flags: number;
  readonly order: number;
  readonly objects: number;
  minPartial: number;
  cpuPartialLimit: number;
  readonly pageKind: PageKind;
  readonly reclaimable: boolean;
  readonly accounted: boolean;
  /** slot of this cache in k.caches */
  id = -1;
  // runtime SLUB state
  readonly cpuSlab: Int32Array;
  readonly cpuPartial: Int32Array;
  readonly cpuPartialObjects: Int32Array;
  readonly nodePartialHead: Int32Array;
  readonly nodePartialTail: Int32Array;
  readonly nrPartial: Int32Array;
  readonly nrSlabs: Float64Array;
  readonly totalObjects: Float64Array;
  nrAllocated = 0;
  /** objects allocated and freed since creation (CONFIG_SLUB_STATS' alloc/free totals) */
  nrAllocs = 0;
  nrFrees = 0;
  nrSlabsAllocated = 0;
  nrSlabsFreed = 0;
  /** recycled freelist chains */
  linkPool: Int32Array[] = [];
  // memcg relations
  /** Legacy child or objcg memcg clone: the root cache it was cloned from. */
  rootCache: KmemCache | null = null;
  /** Legacy child cache: the memcg it belongs to (reparented on offline). */
  memcg: MemCgroup | null = null;
  /** Legacy root cache: active child per memcg css id. */
  memcgChildren: Map<number, KmemCache> | null = null;
  /** Legacy root cache: every child, including deactivated ones. */
  children: KmemCache[] = [];
  /** objcg two-set layout: the shared clone used by every non-root memcg. */
  memcgClone: KmemCache | null = null;
  /** creation work queued (legacy: per memcg id; objcg clone: -1) */
  pendingCreate = new Set<number>();
  destroyed = false;
  /** Reference count of a legacy child cache: one per slab page (+1 while active). */
  refcnt = 0;
  /** What the cache itself costs: struct kmem_cache, kmem_cache_node per node, sysfs kernfs nodes. */
  metaObjects: number[] = [];

  constructor(k: Kernel, name: string, objectSize: number, flags: number, clonedFrom?: KmemCache) {
    this.name = name;
    this.objectSize = objectSize;
    this.flags = flags;
    if (clonedFrom) {
      this.size = clonedFrom.size;
      this.align = clonedFrom.align;
      this.order = clonedFrom.order;
      this.objects = clonedFrom.objects;
    } else {
      this.align = calculateAlignment(flags, objectSize);
      this.size = slotSize(objectSize, flags, this.align);
      this.order = calculateOrder(this.size, k.config.nrCpus, k.pageSize);
      this.objects = Math.floor((k.pageSize << this.order) / this.size);
    }
    this.minPartial = Math.min(MAX_PARTIAL, Math.max(MIN_PARTIAL, Math.floor(Math.log2(this.size) / 2)));
    this.cpuPartialLimit = cpuPartialDefault(this.size, k.pageSize);
    this.reclaimable = (flags & SLAB_RECLAIM_ACCOUNT) !== 0;
    this.accounted = (flags & SLAB_ACCOUNT) !== 0;
    this.pageKind = slabPageKind(this.reclaimable);
    const nrCpus = k.config.nrCpus;
    const nrNodes = k.config.nrNodes;
    this.cpuSlab = new Int32Array(nrCpus).fill(-1);
    this.cpuPartial = new Int32Array(nrCpus).fill(-1);
    this.cpuPartialObjects = new Int32Array(nrCpus);
    this.nodePartialHead = new Int32Array(nrNodes).fill(-1);
    this.nodePartialTail = new Int32Array(nrNodes).fill(-1);
    this.nrPartial = new Int32Array(nrNodes);
    this.nrSlabs = new Float64Array(nrNodes);
    this.totalObjects = new Float64Array(nrNodes);
  }

  /** A legacy child cache of an offlined memcg (SLAB_DEACTIVATED). */
  get deactivated(): boolean {
    return this.deactivatedFlag;
  }
  deactivatedFlag = false;

  /** Slabs of this cache over all nodes. */
  slabCount(): number {
    let n = 0;
    for (let i = 0; i < this.nrSlabs.length; i++) n += this.nrSlabs[i];
    return n;
  }
  totalObjectCount(): number {
    let n = 0;
    for (let i = 0; i < this.totalObjects.length; i++) n += this.totalObjects[i];
    return n;
  }
}

/** calculate_alignment(): cache-line alignment halves while the object fits twice. */
export function calculateAlignment(flags: number, objectSize: number): number {
  let align = POINTER_SIZE;
  if (flags & SLAB_HWCACHE_ALIGN) {
    let ralign = CACHE_LINE_SIZE;
    while (objectSize <= ralign / 2) ralign /= 2;
    align = Math.max(align, ralign);
  }
  return align;
}

/** s->size: the object, plus the free pointer when it cannot live inside the free object, aligned. */
export function slotSize(objectSize: number, flags: number, align: number): number {
  let size = alignUp(objectSize, POINTER_SIZE);
  if (flags & (SLAB_TYPESAFE_BY_RCU | SLAB_HAS_CTOR)) size += POINTER_SIZE;
  return alignUp(size, align);
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

function fls(n: number): number {
  return n <= 0 ? 0 : 32 - Math.clz32(n);
}

function getOrder(size: number, pageSize: number): number {
  let order = 0;
  while (pageSize << order < size) order++;
  return order;
}

function slabOrder(size: number, minObjects: number, maxOrder: number, fractLeftover: number, pageSize: number): number {
  if (Math.floor((pageSize << SLUB_MIN_ORDER) / size) > MAX_OBJS_PER_PAGE) {
    return getOrder(size * MAX_OBJS_PER_PAGE, pageSize) - 1;
  }
  let order = Math.max(SLUB_MIN_ORDER, getOrder(minObjects * size, pageSize));
  for (; order <= maxOrder; order++) {
    const slabSize = pageSize << order;
    if (slabSize % size <= slabSize / fractLeftover) break;
  }
  return order;
}

/** SLUB's calculate_order() (5.x): objects per slab from the CPU count, bounded waste. */
export function calculateOrder(size: number, nrCpuIds: number, pageSize: number): number {
  let minObjects = 4 * (fls(nrCpuIds) + 1);
  const maxObjects = Math.floor((pageSize << SLUB_MAX_ORDER) / size);
  minObjects = Math.min(minObjects, maxObjects);
  while (minObjects > 1) {
    for (const fraction of [16, 8, 4]) {
      const order = slabOrder(size, minObjects, SLUB_MAX_ORDER, fraction, pageSize);
      if (order <= SLUB_MAX_ORDER) return order;
    }
    minObjects--;
  }
  let order = slabOrder(size, 1, SLUB_MAX_ORDER, 1, pageSize);
  if (order <= SLUB_MAX_ORDER) return order;
  order = slabOrder(size, 1, MAX_ORDER, 1, pageSize);
  if (order < MAX_ORDER) return order;
  throw new Error(`calculate_order: no order fits size ${size}`);
}

/** set_cpu_partial() defaults of 5.x, in objects. */
function cpuPartialDefault(size: number, pageSize: number): number {
  if (size >= pageSize) return 2;
  if (size >= 1024) return 6;
  if (size >= 256) return 13;
  return 30;
}

/**
 * kmem_cache_create: registers a new cache in the kernel's list (newest first in slabinfo order)
 * with its own memory (after boot). Null when that memory could not be allocated: nothing is
 * left behind, as kmem_cache_create returning NULL.
 */
export function kmemCacheTryCreate(k: Kernel, name: string, objectSize: number, flags: number, clonedFrom?: KmemCache): KmemCache | null {
  const s = new KmemCache(k, name, objectSize, flags, clonedFrom);
  s.id = k.caches.length;
  k.caches.push(s);
  if (!clonedFrom) k.cacheByName.set(name, s);
  if (k.slabBootDone && !kmemCacheAllocMeta(k, s)) {
    // allocating objects of other caches creates no cache: s is still the last one
    k.caches.pop();
    if (!clonedFrom) k.cacheByName.delete(name);
    return null;
  }
  k.generation++;
  return s;
}

/** kmemCacheTryCreate, ENOMEM when the cache's own memory could not be allocated. */
export function kmemCacheCreate(k: Kernel, name: string, objectSize: number, flags: number, clonedFrom?: KmemCache): KmemCache {
  return kmemCacheTryCreate(k, name, objectSize, flags, clonedFrom) ?? fail('ENOMEM', `kmem_cache_create: ${name}`);
}

/** sizeof(struct kmem_cache_cpu): freelist, tid, page, partial (per CPU). */
const KMEM_CACHE_CPU_SIZE = 32;
/** Files of a SLUB sysfs directory /sys/kernel/slab/<cache>/ (5.x, SLUB_DEBUG and NUMA), plus the directory. */
const SLUB_SYSFS_NODES = 31;

/**
 * The cache's own memory (kmem_cache_create -> kmem_cache_open + sysfs_slab_add): a struct
 * kmem_cache, one kmem_cache_node per node, the per-CPU kmem_cache_cpu, and the kernfs nodes of
 * its sysfs directory. None of it is accounted to a memcg. False when an allocation failed; what
 * was allocated is freed again.
 */
export function kmemCacheAllocMeta(k: Kernel, s: KmemCache): boolean {
  const want: KmemCache[] = [k.cache('kmem_cache')];
  for (let nid = 0; nid < k.config.nrNodes; nid++) want.push(k.cache('kmem_cache_node'));
  for (let i = 0; i < SLUB_SYSFS_NODES; i++) want.push(k.cache('kernfs_node_cache'));
  for (const c of want) {
    const addr = kmemCacheAlloc(k, c, null);
    if (addr === ALLOC_FAILED) {
      for (const a of s.metaObjects) kmemCacheFree(k, a, 0);
      s.metaObjects = [];
      return false;
    }
    s.metaObjects.push(addr);
  }
  percpuAlloc(k, KMEM_CACHE_CPU_SIZE);
  return true;
}

function kmemCacheFreeMeta(k: Kernel, s: KmemCache): void {
  for (const a of s.metaObjects) kmemCacheFree(k, a, 0);
  s.metaObjects = [];
  percpuFree(k, KMEM_CACHE_CPU_SIZE);
}

/** Removes an empty cache (a released legacy child, a module's cache whose init failed). */
export function kmemCacheDestroy(k: Kernel, s: KmemCache): void {
  slubShrink(k, s);
  if (s.slabCount() !== 0) throw new Error(`kmem_cache_destroy: ${s.name} still has slabs`);
  s.destroyed = true;
  kmemCacheFreeMeta(k, s);
  if (k.cacheByName.get(s.name) === s) k.cacheByName.delete(s.name);
  k.caches[s.id] = null as unknown as KmemCache;
  k.freeCacheIds.push(s.id);
  k.generation++;
}

/** Any live cache by name, per-memcg children and clones included. */
export function findSlabCache(k: Kernel, name: string): KmemCache | undefined {
  const root = k.cacheByName.get(name);
  if (root) return root;
  return k.caches.find((s) => s && !s.destroyed && s.name === name);
}

/** /sys/kernel/slab/<cache>/min_partial: set_min_partial clamps to MIN_PARTIAL..MAX_PARTIAL. */
export function kmemCacheSetMinPartial(k: Kernel, s: KmemCache, n: number): void {
  if (!Number.isInteger(n) || n < 0) fail('EINVAL');
  s.minPartial = Math.min(MAX_PARTIAL, Math.max(MIN_PARTIAL, n));
  k.generation++;
}

/** /sys/kernel/slab/<cache>/cpu_partial. */
export function kmemCacheSetCpuPartial(k: Kernel, s: KmemCache, n: number): void {
  if (!Number.isInteger(n) || n < 0) fail('EINVAL');
  s.cpuPartialLimit = n;
  k.generation++;
}

/** The kmalloc size class index for `size` (kmalloc_index). */
export function kmallocIndex(size: number): number {
  if (size <= 8) return 0;
  if (size <= 16) return 1;
  if (size <= 32) return 2;
  if (size <= 64) return 3;
  if (size <= 96) return 4;
  if (size <= 128) return 5;
  if (size <= 192) return 6;
  let i = 7;
  let cls = 256;
  while (cls < size) {
    cls *= 2;
    i++;
  }
  return i;
}

export function kmallocName(size: number): string {
  return size >= 1024 ? `${size / 1024}k` : `${size}`;
}

/** Object sizes and flags of the boot caches (x86_64 5.9 distro config; see kernel-spec 2.8, 13). */
export interface CacheSpec {
  name: string;
  objectSize: number;
  flags: number;
}

const A = SLAB_ACCOUNT;
const R = SLAB_RECLAIM_ACCOUNT;
const H = SLAB_HWCACHE_ALIGN;
const C = SLAB_HAS_CTOR;
const T = SLAB_TYPESAFE_BY_RCU;

/** Boot caches, in creation order. Object sizes are struct sizes of a 5.9 x86_64 distro build. */
export const BOOT_CACHES: CacheSpec[] = [
  { name: 'kmem_cache_node', objectSize: 128, flags: H },
  { name: 'kmem_cache', objectSize: 256, flags: H },
  // kmalloc-* and kmalloc-rcl-* are created here (see bootSlab)
  { name: 'kernfs_node_cache', objectSize: 136, flags: 0 },
  { name: 'names_cache', objectSize: 4096, flags: H },
  { name: 'buffer_head', objectSize: 104, flags: R },
  { name: 'radix_tree_node', objectSize: 576, flags: R | C },
  { name: 'pid', objectSize: 112, flags: H | A },
  { name: 'anon_vma', objectSize: 80, flags: T | A | C },
  { name: 'anon_vma_chain', objectSize: 64, flags: A },
  { name: 'cred_jar', objectSize: 184, flags: H | A },
  { name: 'task_struct', objectSize: 9792, flags: H | A },
  { name: 'sighand_cache', objectSize: 2080, flags: H | T | C | A },
  { name: 'signal_cache', objectSize: 1064, flags: H | A },
  { name: 'files_cache', objectSize: 704, flags: H | A },
  { name: 'fs_cache', objectSize: 56, flags: H | A },
  { name: 'mm_struct', objectSize: 1064, flags: H | A },
  { name: 'vm_area_struct', objectSize: 200, flags: A },
  { name: 'dentry', objectSize: 192, flags: R | A },
  { name: 'inode_cache', objectSize: 592, flags: R | A | C },
  { name: 'filp', objectSize: 232, flags: H | A },
  { name: 'proc_inode_cache', objectSize: 664, flags: R | A | C },
  // mm/shmem.c: SLAB_PANIC | SLAB_ACCOUNT — unlike the disk filesystems' inode caches, not reclaimable
  { name: 'shmem_inode_cache', objectSize: 712, flags: A | C },
  { name: 'ext4_inode_cache', objectSize: 1120, flags: R | A | C },
  { name: 'sock_inode_cache', objectSize: 696, flags: H | R | A | C },
  { name: 'skbuff_head_cache', objectSize: 232, flags: H },
  { name: 'UNIX', objectSize: 1024, flags: H | A },
  { name: 'UDP', objectSize: 1152, flags: H | A },
  { name: 'TCP', objectSize: 2304, flags: H | A },
  { name: 'UDPv6', objectSize: 1344, flags: H | A },
  { name: 'TCPv6', objectSize: 2432, flags: H | A },
  // fs/eventpoll.c: struct epitem, struct eppoll_entry
  { name: 'eventpoll_epi', objectSize: 128, flags: H | A },
  { name: 'eventpoll_pwq', objectSize: 72, flags: A },
  // fs/notify: struct inotify_inode_mark (accounted), fsnotify_mark_connector (not in 5.x)
  { name: 'inotify_inode_mark', objectSize: 88, flags: A },
  { name: 'fsnotify_mark_connector', objectSize: 32, flags: 0 },
  // fs/seq_file.c: struct seq_file
  { name: 'seq_file', objectSize: 120, flags: A },
  // kernel/delayacct.c: struct task_delay_info, one per task (delay accounting on by default before 5.14)
  { name: 'task_delay_info', objectSize: 80, flags: A },
  // kernel/signal.c: struct sigqueue (accounted only since 5.16)
  { name: 'sigqueue', objectSize: 80, flags: 0 },
];

/** Creates the boot set: kmem_cache(_node), kmalloc-N, kmalloc-rcl-N, then the named caches. */
export function bootSlab(k: Kernel): void {
  const [node, cache, ...rest] = BOOT_CACHES;
  kmemCacheCreate(k, node.name, node.objectSize, node.flags);
  kmemCacheCreate(k, cache.name, cache.objectSize, cache.flags);
  for (const size of kmallocSizes(k.pageSize)) {
    k.kmalloc.push(kmemCacheCreate(k, `kmalloc-${kmallocName(size)}`, size, SLAB_KMALLOC));
  }
  for (const size of kmallocSizes(k.pageSize)) {
    k.kmallocRcl.push(kmemCacheCreate(k, `kmalloc-rcl-${kmallocName(size)}`, size, SLAB_KMALLOC | SLAB_RECLAIM_ACCOUNT));
  }
  for (const spec of rest) kmemCacheCreate(k, spec.name, spec.objectSize, spec.flags);
  // THREAD_SIZE < PAGE_SIZE (64 KiB pages): stacks come from a slab cache (kernel/fork.c)
  if (k.pageSize > THREAD_SIZE) kmemCacheCreate(k, 'thread_stack', THREAD_SIZE, A);
  k.slabBootDone = true;
  for (const s of [...k.caches]) if (!kmemCacheAllocMeta(k, s)) fail('ENOMEM', 'boot: slab caches');
}

/** THREAD_SIZE (16 KiB on x86_64 and ppc64). */
export const THREAD_SIZE = 16384;

function slabinfoRowOf(k: Kernel, s: KmemCache): SlabinfoRow {
  const numObjs = s.totalObjectCount();
  const slabs = s.slabCount();
  return {
    name: s.rootCache && k.controller === 'legacy' ? s.rootCache.name : s.name,
    activeObjs: numObjs - nodePartialFreeObjects(k, s),
    numObjs,
    objSize: s.size,
    objPerSlab: s.objects,
    pagesPerSlab: 1 << s.order,
    activeSlabs: slabs,
    numSlabs: slabs,
  };
}

/** The rows of /proc/slabinfo: newest cache first; legacy lists root caches with children added in. */
export function slabinfo(k: Kernel): SlabinfoRow[] {
  const rows: SlabinfoRow[] = [];
  for (let i = k.caches.length - 1; i >= 0; i--) {
    const s = k.caches[i];
    if (!s || s.destroyed) continue;
    if (k.controller === 'legacy' && s.rootCache) continue;
    const row = slabinfoRowOf(k, s);
    if (k.controller === 'legacy') {
      for (const c of s.children) {
        if (c.destroyed) continue;
        const r = slabinfoRowOf(k, c);
        row.activeObjs += r.activeObjs;
        row.numObjs += r.numObjs;
        row.activeSlabs += r.activeSlabs;
        row.numSlabs += r.numSlabs;
      }
    }
    rows.push(row);
  }
  return rows;
}

/** One row per cache (legacy children included) with its own numbers. */
export function cacheSlabinfoRow(k: Kernel, s: KmemCache): SlabinfoRow {
  return slabinfoRowOf(k, s);
}

/** Everything /sys/kernel/slab/<cache>/ shows, for every live cache. */
export function slabCacheSysfsList(k: Kernel): SlabCacheSysfs[] {
  const out: SlabCacheSysfs[] = [];
  for (const s of k.caches) {
    if (!s || s.destroyed) continue;
    out.push({
      name: s.name,
      objectSize: s.objectSize,
      slabSize: s.size,
      objsPerSlab: s.objects,
      order: s.order,
      align: s.align,
      objects: s.nrAllocated,
      totalObjects: s.totalObjectCount(),
      slabs: s.slabCount(),
      partial: Array.from(s.nrPartial).reduce((a, b) => a + b, 0),
      cpuSlabs: cpuSlabCount(k, s),
      minPartial: s.minPartial,
      cpuPartial: s.cpuPartialLimit,
      reclaimAccount: s.reclaimable,
      account: s.accounted,
      memcgPath: s.memcg ? memcgPathOf(s.memcg) : null,
      rootName: s.rootCache ? s.rootCache.name : null,
      deactivated: s.deactivated,
    });
  }
  return out;
}

function memcgPathOf(cg: MemCgroup): string {
  const parts: string[] = [];
  for (let c: MemCgroup | null = cg; c && c.parent; c = c.parent) parts.unshift(c.name);
  return '/' + parts.join('/');
}

/** kmem_cache_shrink (also /sys/kernel/slab/<cache>/shrink). */
export function kmemCacheShrink(k: Kernel, s: KmemCache): void {
  slubShrink(k, s);
  k.generation++;
}
