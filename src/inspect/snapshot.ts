/**
 * A snapshot: a plain, serialisable copy of everything inspection looks at, taken in one
 * synchronous pass. The kernel is synchronous, so a snapshot taken between two operations is
 * consistent without any locking (the analogue of a crash dump of a stopped machine).
 *
 * Shape: tables of rows stored column by column in typed arrays (struct of arrays), so a
 * kernel with a million objects and thousands of cgroups snapshots in a few megabytes and
 * serialises without per-row objects. Rows refer to each other by stable kernel ids (cache id,
 * css id, obj_cgroup id, pid), except slab rows, which are referred to by row number (slabs have
 * no stable identity other than their pfn; rows are sorted by pfn).
 *
 * Kernel addresses here are the simulator's object addresses (pfn * PAGE_SIZE + index * size);
 * addresses.ts maps them into the simulated kernel virtual address space.
 */
import type { CgroupVersion, ControllerName, Kernel, MachineConfig, ObjcgLayout } from '../kernel/index.js';
import { forEachCgroup } from '../kernel/index.js';
import { NR_PAGE_KINDS, PageKind, SLAB_CPU_PARTIAL, SLAB_NODE_PARTIAL, Stat, STAT_KEYS } from './kernel_internals.js';

export const SNAPSHOT_FORMAT = 'memcgfs-snapshot';
export const SNAPSHOT_VERSION = 1;

/** Names of the page kinds (index = PageKind). */
export const PAGE_KIND_NAMES = [
  'free',
  'slab_reclaimable',
  'slab_unreclaimable',
  'kernel_stack',
  'page_table',
  'anon',
  'file',
  'percpu',
  'kmalloc_large',
  'reserved',
  'vmalloc',
] as const;

/** memory.stat slots of a cgroup row (index = the kernel's Stat). */
export const STAT_NAMES: readonly string[] = [...STAT_KEYS, 'pageTables'];

/** Page counters of a cgroup, in column order. */
export const COUNTER_NAMES = ['memory', 'memsw', 'kmem', 'tcpmem'] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];

/** Allocated blocks of the page allocator (one row per allocation, free memory omitted). */
export interface PageBlockRows {
  count: number;
  pfn: Int32Array;
  order: Uint8Array;
  kind: Uint8Array;
  /** css id a non-slab page is charged to (0 = none). */
  memcg: Int32Array;
}

/** Live slabs, sorted by pfn. */
export interface SlabRows {
  count: number;
  /** kernel cache id */
  cache: Int32Array;
  pfn: Int32Array;
  inuse: Int32Array;
  /** SLAB_CPU / SLAB_CPU_PARTIAL / SLAB_NODE_PARTIAL / SLAB_FULL */
  state: Uint8Array;
  node: Uint8Array;
  /** owning CPU of a CPU or CPU-partial slab, -1 otherwise */
  cpu: Int32Array;
  /** next slab row on the same partial list (node or CPU), -1 at the end */
  next: Int32Array;
  /** legacy: css id the slab's pages are charged to (0 = none) */
  charged: Int32Array;
  /** free slot indices of row i: freeIdx[freeStart[i] .. freeStart[i] + objects - inuse), freelist order */
  freeStart: Int32Array;
  freeIdx: Int32Array;
  /** obj_cgroup vector of row i: vec[vecStart[i] .. + objects), or vecStart[i] = -1 when the slab has none */
  vecStart: Int32Array;
  /** obj_cgroup ids per slot (0 = unaccounted) */
  vec: Int32Array;
  /** simulator address of the kmalloc'ed vector (0 = none) */
  vecAddr: Float64Array;
}

export interface CacheRows {
  count: number;
  id: Int32Array;
  name: string[];
  objectSize: Int32Array;
  size: Int32Array;
  align: Int32Array;
  flags: Int32Array;
  order: Int32Array;
  objects: Int32Array;
  minPartial: Int32Array;
  cpuPartial: Int32Array;
  /** legacy child / objcg clone: the root cache's id, else -1 */
  rootCache: Int32Array;
  /** legacy child: css id of the memcg it belongs to now (reparented on offline), else 0 */
  memcg: Int32Array;
  /** legacy child: css id of the memcg that created it (and whose css it pins), else 0 */
  creator: Int32Array;
  /** objcg two-set layout: the root cache's shared "-memcg" clone id, else -1 */
  memcgClone: Int32Array;
  deactivated: Uint8Array;
  refcnt: Int32Array;
  nrAllocated: Float64Array;
  /** [row * nrCpus + cpu]: slab row of the CPU's active slab, -1 none */
  cpuSlab: Int32Array;
  /** [row * nrCpus + cpu]: first slab row of the CPU partial list, -1 none */
  cpuPartialHead: Int32Array;
  cpuPartialObjects: Int32Array;
  /** [row * nrNodes + nid] */
  nodePartialHead: Int32Array;
  nrPartial: Int32Array;
  nrSlabs: Float64Array;
  totalObjects: Float64Array;
}

/** Every cgroup that exists (online and dying), in pre-order from the root. */
export interface CgroupRows {
  count: number;
  id: Int32Array;
  ino: Int32Array;
  serial: Int32Array;
  name: string[];
  /** parent css id (0 for the root) */
  parent: Int32Array;
  online: Uint8Array;
  depth: Int32Array;
  kmemcgId: Int32Array;
  /** active obj_cgroup id (0 none) */
  objcg: Int32Array;
  /** obj_cgroups inherited from dead descendants: objcgList[objcgListStart[i] .. + objcgListLen[i]) */
  objcgListStart: Int32Array;
  objcgListLen: Int32Array;
  objcgList: Int32Array;
  /** legacy: cache ids on memcg->kmem_caches, list order */
  kmemCachesStart: Int32Array;
  kmemCachesLen: Int32Array;
  kmemCaches: Int32Array;
  /** css references other than the online base reference */
  refcnt: Int32Array;
  /** [row * 4 + counter] (COUNTER_NAMES), pages; Infinity = max */
  usage: Float64Array;
  max: Float64Array;
  high: Float64Array;
  low: Float64Array;
  min: Float64Array;
  watermark: Float64Array;
  failcnt: Float64Array;
  /** [row * STAT_NAMES.length + item]: local memory.stat values */
  stat: Float64Array;
  /** simulator addresses of the struct mem_cgroup allocation and the directory's kernfs_node (-1 none) */
  structAddr: Float64Array;
  knAddr: Float64Array;
  /** obj_cgroup charged for this memcg's per-CPU memory (0 none) and how much */
  percpuObjcg: Int32Array;
  percpuBytes: Float64Array;
  nrTasks: Int32Array;
  /** unused dentries on this memcg's list_lru */
  dentryLru: Int32Array;
  /** v2: memory enabled in cgroup.subtree_control */
  memoryEnabled: Uint8Array;
}

export interface ObjcgRows {
  count: number;
  id: Int32Array;
  /** css id of the memcg it charges now */
  memcg: Int32Array;
  refcnt: Int32Array;
  nrChargedBytes: Float64Array;
  killed: Uint8Array;
}

/** Live tasks (threads included), pid order. */
export interface TaskRows {
  count: number;
  pid: Int32Array;
  tgid: Int32Array;
  ppid: Int32Array;
  comm: string[];
  memcg: Int32Array;
  cpu: Int32Array;
  kthread: Uint8Array;
  /** state letter as a char code */
  state: Uint8Array;
  uid: Int32Array;
  startNs: Float64Array;
  /** simulator addresses of the task's task_struct, struct pid and mm_struct objects (0 none) */
  taskStruct: Float64Array;
  pidObj: Float64Array;
  mm: Float64Array;
  /** memcg holding the task's kernel-stack statistic (and a css reference), and the one charged for its page tables (0 none) */
  stackMemcg: Int32Array;
  pgtableMemcg: Int32Array;
}

/** memcg_stock_pcp per CPU. */
export interface StockRows {
  pageMemcg: Int32Array;
  nrPages: Int32Array;
  objcg: Int32Array;
  nrBytes: Int32Array;
}

export interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  generation: number;
  nowNs: number;
  controller: ControllerName;
  objcgLayout: ObjcgLayout;
  cgroupVersion: CgroupVersion;
  machine: MachineConfig;
  pageSize: number;
  totalPages: number;
  nodes: Array<{ nid: number; startPfn: number; endPfn: number }>;
  cpuNode: Int32Array;
  /** [nid * NR_PAGE_KINDS + kind] pages */
  pageCounts: Float64Array;
  blocks: PageBlockRows;
  slabs: SlabRows;
  caches: CacheRows;
  cgroups: CgroupRows;
  objcgs: ObjcgRows;
  tasks: TaskRows;
  stock: StockRows;
  misc: {
    nrDentries: number;
    nrBootObjects: number;
    percpuDynamicBytes: number;
    pendingWork: number;
  };
}

/** Growable Int32 column for variable-length lists. */
class IntList {
  private a = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }
  finish(): Int32Array {
    return this.a.slice(0, this.length);
  }
}

/** Copies the kernel's state; never mutates it. */
export function takeSnapshot(k: Kernel): Snapshot {
  const nrCpus = k.config.nrCpus;
  const nrNodes = k.config.nrNodes;
  const pages = k.pages;

  // page blocks
  let nBlocks = 0;
  for (let pfn = 0; pfn < pages.totalPages; pfn++) if (pages.headOrder[pfn] >= 0 && pages.kind[pfn] !== PageKind.Free) nBlocks++;
  const blocks: PageBlockRows = {
    count: nBlocks,
    pfn: new Int32Array(nBlocks),
    order: new Uint8Array(nBlocks),
    kind: new Uint8Array(nBlocks),
    memcg: new Int32Array(nBlocks),
  };
  for (let pfn = 0, b = 0; pfn < pages.totalPages; pfn++) {
    const o = pages.headOrder[pfn];
    if (o < 0 || pages.kind[pfn] === PageKind.Free) continue;
    blocks.pfn[b] = pfn;
    blocks.order[b] = o;
    blocks.kind[b] = pages.kind[pfn];
    blocks.memcg[b] = pages.memcgId[pfn];
    b++;
  }
  const pageCounts = new Float64Array(nrNodes * NR_PAGE_KINDS);
  for (let nid = 0; nid < nrNodes; nid++) pageCounts.set(pages.counts[nid], nid * NR_PAGE_KINDS);

  // slabs, sorted by pfn
  const t = k.slabs;
  const ids: number[] = [];
  for (let id = 0; id < t.capacity; id++) if (t.links[id]) ids.push(id);
  ids.sort((a, b) => t.pfn[a] - t.pfn[b]);
  const rowOfSlab = new Int32Array(t.capacity).fill(-1);
  ids.forEach((id, row) => (rowOfSlab[id] = row));
  const n = ids.length;
  const slabs: SlabRows = {
    count: n,
    cache: new Int32Array(n),
    pfn: new Int32Array(n),
    inuse: new Int32Array(n),
    state: new Uint8Array(n),
    node: new Uint8Array(n),
    cpu: new Int32Array(n),
    next: new Int32Array(n),
    charged: new Int32Array(n),
    freeStart: new Int32Array(n),
    freeIdx: new Int32Array(0),
    vecStart: new Int32Array(n),
    vec: new Int32Array(0),
    vecAddr: new Float64Array(n),
  };
  const freeIdx = new IntList();
  const vec = new IntList();
  for (let row = 0; row < n; row++) {
    const id = ids[row];
    const s = k.caches[t.cache[id]];
    slabs.cache[row] = t.cache[id];
    slabs.pfn[row] = t.pfn[id];
    slabs.inuse[row] = t.inuse[id];
    slabs.state[row] = t.state[id];
    slabs.node[row] = t.node[id];
    slabs.cpu[row] = t.cpu[id];
    slabs.next[row] = t.next[id] >= 0 ? rowOfSlab[t.next[id]] : -1;
    slabs.charged[row] = t.charged[id];
    slabs.freeStart[row] = freeIdx.length;
    const links = t.links[id]!;
    for (let i = t.freeHead[id], guard = 0; i >= 0 && guard < s.objects; i = links[i], guard++) freeIdx.push(i);
    const v = t.objcgs[id];
    if (v) {
      slabs.vecStart[row] = vec.length;
      for (let i = 0; i < v.length; i++) vec.push(v[i]);
      slabs.vecAddr[row] = t.vecHandle[id];
    } else {
      slabs.vecStart[row] = -1;
      slabs.vecAddr[row] = 0;
    }
  }
  slabs.freeIdx = freeIdx.finish();
  slabs.vec = vec.finish();
  // only slabs on a partial list (node or CPU) chain; other states may keep stale links
  for (let row = 0; row < n; row++) if (slabs.state[row] !== SLAB_CPU_PARTIAL && slabs.state[row] !== SLAB_NODE_PARTIAL) slabs.next[row] = -1;

  // caches
  const live = k.caches.filter((s) => s && !s.destroyed);
  const nc = live.length;
  const caches: CacheRows = {
    count: nc,
    id: new Int32Array(nc),
    name: [],
    objectSize: new Int32Array(nc),
    size: new Int32Array(nc),
    align: new Int32Array(nc),
    flags: new Int32Array(nc),
    order: new Int32Array(nc),
    objects: new Int32Array(nc),
    minPartial: new Int32Array(nc),
    cpuPartial: new Int32Array(nc),
    rootCache: new Int32Array(nc),
    memcg: new Int32Array(nc),
    creator: new Int32Array(nc),
    memcgClone: new Int32Array(nc),
    deactivated: new Uint8Array(nc),
    refcnt: new Int32Array(nc),
    nrAllocated: new Float64Array(nc),
    cpuSlab: new Int32Array(nc * nrCpus),
    cpuPartialHead: new Int32Array(nc * nrCpus),
    cpuPartialObjects: new Int32Array(nc * nrCpus),
    nodePartialHead: new Int32Array(nc * nrNodes),
    nrPartial: new Int32Array(nc * nrNodes),
    nrSlabs: new Float64Array(nc * nrNodes),
    totalObjects: new Float64Array(nc * nrNodes),
  };
  const cgBySerial = new Map<number, number>();
  for (const cg of forEachCgroup(k, { includeDying: true })) cgBySerial.set(cg.serial, cg.id);
  live.forEach((s, row) => {
    caches.id[row] = s.id;
    caches.name.push(s.name);
    caches.objectSize[row] = s.objectSize;
    caches.size[row] = s.size;
    caches.align[row] = s.align;
    caches.flags[row] = s.flags | (s.deactivated ? 0x10000000 : 0);
    caches.order[row] = s.order;
    caches.objects[row] = s.objects;
    caches.minPartial[row] = s.minPartial;
    caches.cpuPartial[row] = s.cpuPartialLimit;
    caches.rootCache[row] = s.rootCache ? s.rootCache.id : -1;
    caches.memcg[row] = s.memcg ? s.memcg.id : 0;
    caches.creator[row] = s.rootCache && s.memcg ? creatorOf(s.name, s.rootCache.name, cgBySerial) : 0;
    caches.memcgClone[row] = s.memcgClone ? s.memcgClone.id : -1;
    caches.deactivated[row] = s.deactivated ? 1 : 0;
    caches.refcnt[row] = s.refcnt;
    caches.nrAllocated[row] = s.nrAllocated;
    for (let cpu = 0; cpu < nrCpus; cpu++) {
      const i = row * nrCpus + cpu;
      caches.cpuSlab[i] = s.cpuSlab[cpu] >= 0 ? rowOfSlab[s.cpuSlab[cpu]] : -1;
      caches.cpuPartialHead[i] = s.cpuPartial[cpu] >= 0 ? rowOfSlab[s.cpuPartial[cpu]] : -1;
      caches.cpuPartialObjects[i] = s.cpuPartialObjects[cpu];
    }
    for (let nid = 0; nid < nrNodes; nid++) {
      const i = row * nrNodes + nid;
      caches.nodePartialHead[i] = s.nodePartialHead[nid] >= 0 ? rowOfSlab[s.nodePartialHead[nid]] : -1;
      caches.nrPartial[i] = s.nrPartial[nid];
      caches.nrSlabs[i] = s.nrSlabs[nid];
      caches.totalObjects[i] = s.totalObjects[nid];
    }
  });

  // cgroups, pre-order, dying ones included
  const cgs = [...forEachCgroup(k, { includeDying: true })];
  const ng = cgs.length;
  const nStat = STAT_NAMES.length;
  const cgroups: CgroupRows = {
    count: ng,
    id: new Int32Array(ng),
    ino: new Int32Array(ng),
    serial: new Int32Array(ng),
    name: [],
    parent: new Int32Array(ng),
    online: new Uint8Array(ng),
    depth: new Int32Array(ng),
    kmemcgId: new Int32Array(ng),
    objcg: new Int32Array(ng),
    objcgListStart: new Int32Array(ng),
    objcgListLen: new Int32Array(ng),
    objcgList: new Int32Array(0),
    kmemCachesStart: new Int32Array(ng),
    kmemCachesLen: new Int32Array(ng),
    kmemCaches: new Int32Array(0),
    refcnt: new Int32Array(ng),
    usage: new Float64Array(ng * 4),
    max: new Float64Array(ng * 4),
    high: new Float64Array(ng * 4),
    low: new Float64Array(ng * 4),
    min: new Float64Array(ng * 4),
    watermark: new Float64Array(ng * 4),
    failcnt: new Float64Array(ng * 4),
    stat: new Float64Array(ng * nStat),
    structAddr: new Float64Array(ng),
    knAddr: new Float64Array(ng),
    percpuObjcg: new Int32Array(ng),
    percpuBytes: new Float64Array(ng),
    nrTasks: new Int32Array(ng),
    dentryLru: new Int32Array(ng),
    memoryEnabled: new Uint8Array(ng),
  };
  const objcgList = new IntList();
  const kmemCaches = new IntList();
  cgs.forEach((cg, row) => {
    cgroups.id[row] = cg.id;
    cgroups.ino[row] = cg.ino;
    cgroups.serial[row] = cg.serial;
    cgroups.name.push(cg.name);
    cgroups.parent[row] = cg.parent ? cg.parent.id : 0;
    cgroups.online[row] = cg.online ? 1 : 0;
    cgroups.depth[row] = cg.depth;
    cgroups.kmemcgId[row] = cg.kmemcgId;
    cgroups.objcg[row] = cg.objcg ? cg.objcg.id : 0;
    cgroups.objcgListStart[row] = objcgList.length;
    cgroups.objcgListLen[row] = cg.objcgList.length;
    for (const o of cg.objcgList) objcgList.push(o.id);
    const kc = cg.kmemCaches.filter((c) => !c.destroyed);
    cgroups.kmemCachesStart[row] = kmemCaches.length;
    cgroups.kmemCachesLen[row] = kc.length;
    for (const c of kc) kmemCaches.push(c.id);
    cgroups.refcnt[row] = cg.refcnt;
    [cg.memory, cg.memsw, cg.kmem, cg.tcpmem].forEach((c, i) => {
      const j = row * 4 + i;
      cgroups.usage[j] = c.usage;
      cgroups.max[j] = c.max;
      cgroups.high[j] = c.high;
      cgroups.low[j] = c.low;
      cgroups.min[j] = c.min;
      cgroups.watermark[j] = c.watermark;
      cgroups.failcnt[j] = c.failcnt;
    });
    for (let i = 0; i < nStat && i < Stat.COUNT; i++) cgroups.stat[row * nStat + i] = cg.stat[i];
    cgroups.structAddr[row] = cg.structHandle >= 0 ? cg.structHandle : -1;
    cgroups.knAddr[row] = cg.online && cg.kernfsHandles.length > 0 && cg.kernfsHandles[0] >= 0 ? cg.kernfsHandles[0] : -1;
    cgroups.percpuObjcg[row] = cg.percpuObjcg ? cg.percpuObjcg.id : 0;
    cgroups.percpuBytes[row] = cg.percpuBytes;
    let nt = 0;
    for (const task of cg.tasks) if (!task.exited) nt++;
    cgroups.nrTasks[row] = nt;
    cgroups.dentryLru[row] = cg.dentryLru.count;
    cgroups.memoryEnabled[row] = cg.subtreeControl.has('memory') ? 1 : 0;
  });
  cgroups.objcgList = objcgList.finish();
  cgroups.kmemCaches = kmemCaches.finish();

  // obj_cgroups
  const objcgRows = k.objcgs.filter((o) => o !== null);
  const no = objcgRows.length;
  const objcgs: ObjcgRows = {
    count: no,
    id: new Int32Array(no),
    memcg: new Int32Array(no),
    refcnt: new Int32Array(no),
    nrChargedBytes: new Float64Array(no),
    killed: new Uint8Array(no),
  };
  objcgRows.forEach((o, row) => {
    objcgs.id[row] = o!.id;
    objcgs.memcg[row] = o!.memcg.id;
    objcgs.refcnt[row] = o!.refcnt;
    objcgs.nrChargedBytes[row] = o!.nrChargedBytes;
    objcgs.killed[row] = o!.killed ? 1 : 0;
  });

  // tasks
  const tasksLive = [...k.tasks.values()].filter((x) => !x.exited).sort((a, b) => a.pid - b.pid);
  const nt = tasksLive.length;
  const tasks: TaskRows = {
    count: nt,
    pid: new Int32Array(nt),
    tgid: new Int32Array(nt),
    ppid: new Int32Array(nt),
    comm: [],
    memcg: new Int32Array(nt),
    cpu: new Int32Array(nt),
    kthread: new Uint8Array(nt),
    state: new Uint8Array(nt),
    uid: new Int32Array(nt),
    startNs: new Float64Array(nt),
    taskStruct: new Float64Array(nt),
    pidObj: new Float64Array(nt),
    mm: new Float64Array(nt),
    stackMemcg: new Int32Array(nt),
    pgtableMemcg: new Int32Array(nt),
  };
  tasksLive.forEach((task, row) => {
    tasks.pid[row] = task.pid;
    tasks.tgid[row] = task.tgid;
    tasks.ppid[row] = task.ppid;
    tasks.comm.push(task.comm);
    tasks.memcg[row] = task.memcg.id;
    tasks.cpu[row] = task.cpu;
    tasks.kthread[row] = task.kthread ? 1 : 0;
    tasks.state[row] = task.state.charCodeAt(0);
    tasks.uid[row] = task.uid;
    tasks.startNs[row] = task.startNs;
    tasks.taskStruct[row] = task.taskStruct > 0 ? task.taskStruct : 0;
    tasks.pidObj[row] = task.pidObj > 0 ? task.pidObj : 0;
    const mm = task.leader.mm;
    tasks.mm[row] = mm && mm.addr > 0 ? mm.addr : 0;
    tasks.stackMemcg[row] = task.stackStatMemcg ? task.stackStatMemcg.id : 0;
    tasks.pgtableMemcg[row] = task.mm && task.mm.pgtableMemcg ? task.mm.pgtableMemcg.id : 0;
  });

  const stock: StockRows = {
    pageMemcg: new Int32Array(nrCpus),
    nrPages: Int32Array.from(k.stock.nrPages),
    objcg: new Int32Array(nrCpus),
    nrBytes: Int32Array.from(k.stock.nrBytes),
  };
  for (let cpu = 0; cpu < nrCpus; cpu++) {
    stock.pageMemcg[cpu] = k.stock.cached[cpu]?.id ?? 0;
    stock.objcg[cpu] = k.stock.cachedObjcg[cpu]?.id ?? 0;
  }

  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    generation: k.generation,
    nowNs: k.nowNs(),
    controller: k.controller,
    objcgLayout: k.objcgLayout,
    cgroupVersion: k.cgroupVersion,
    machine: { ...k.config },
    pageSize: k.pageSize,
    totalPages: pages.totalPages,
    nodes: pages.nodes.map((x) => ({ nid: x.nid, startPfn: x.startPfn, endPfn: x.endPfn })),
    cpuNode: Int32Array.from(k.cpuNode),
    pageCounts,
    blocks,
    slabs,
    caches,
    cgroups,
    objcgs,
    tasks,
    stock,
    misc: {
      nrDentries: k.dentries.nrLive,
      nrBootObjects: k.bootObjects.length,
      percpuDynamicBytes: k.percpu.dynamicBytes,
      pendingWork: k.clock.work.length,
    },
  };
}

/**
 * The memcg that created a legacy child cache, from its name "<root>(<css serial>:<cgroup name>)"
 * (memcg_create_kmem_cache's format). The kernel keeps this pointer privately; the name carries
 * the same information (see docs/inspect-needs-from-kernel.md).
 */
function creatorOf(name: string, rootName: string, cgBySerial: Map<number, number>): number {
  const m = /^(\d+):/.exec(name.slice(rootName.length + 1));
  if (!m) return 0;
  return cgBySerial.get(Number(m[1])) ?? 0;
}

/** Page kind of a block as a name. */
export function pageKindName(kind: number): string {
  return PAGE_KIND_NAMES[kind] ?? `kind${kind}`;
}
