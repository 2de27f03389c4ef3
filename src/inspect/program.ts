/**
 * Program: the read-only handle inspection scripts work with, like drgn's `prog`. It wraps one
 * snapshot, indexes it, and hands out views: small objects over one row of the snapshot's
 * tables (a cache, a slab, a memcg, an obj_cgroup, a task, a page) that read the row on demand
 * and carry the simulated kernel address of the struct they stand for. Helpers named after
 * drgn's (helpers/*.ts) take the program or a view first, as drgn's take `prog` or an Object.
 */
import type { Kernel } from '../kernel/index.js';
import { AddressMap, directAddress, pfnToPageAddress, pfnToVirt } from './addresses.js';
import { layoutRegistry, defaultProfile, type Profile } from './layouts.js';
import { COUNTER_NAMES, STAT_NAMES, takeSnapshot, type CounterName, type Snapshot } from './snapshot.js';
import { SLAB_CPU, SLAB_CPU_PARTIAL, SLAB_FULL, SLAB_NODE_PARTIAL } from './kernel_internals.js';
import { kdataSymbolAddress } from './symbols.js';

export type SlabState = 'cpu' | 'cpu_partial' | 'node_partial' | 'full';

export class Program {
  readonly snap: Snapshot;
  readonly addresses: AddressMap;
  /** The kernel profile used for struct shapes and addresses that depend on them. */
  readonly profile: Profile;
  readonly nrCpus: number;
  readonly nrNodes: number;
  readonly pageSize: number;
  readonly cacheRow = new Map<number, number>();
  readonly cgroupRow = new Map<number, number>();
  readonly objcgRow = new Map<number, number>();
  readonly taskRow = new Map<number, number>();
  /** css id -> child css ids (online and dying, creation order) */
  readonly children = new Map<number, number[]>();
  private readonly cacheViews: Array<KmemCacheView | undefined> = [];
  private readonly cgroupViews: Array<MemCgroupView | undefined> = [];
  private readonly objcgViews: Array<ObjCgroupView | undefined> = [];
  private readonly slabViews: Array<SlabView | undefined> = [];
  /** Memoisation for helpers (drgn's prog.cache). */
  readonly cache = new Map<string, unknown>();

  constructor(snap: Snapshot, profile?: Profile) {
    this.snap = snap;
    this.profile = profile ?? defaultProfile(snap.controller);
    layoutRegistry(this.profile);
    this.addresses = new AddressMap(snap);
    this.nrCpus = snap.machine.nrCpus;
    this.nrNodes = snap.machine.nrNodes;
    this.pageSize = snap.pageSize;
    for (let i = 0; i < snap.caches.count; i++) this.cacheRow.set(snap.caches.id[i], i);
    const cg = snap.cgroups;
    for (let i = 0; i < cg.count; i++) {
      this.cgroupRow.set(cg.id[i], i);
      if (i > 0) {
        const p = cg.parent[i];
        let list = this.children.get(p);
        if (!list) this.children.set(p, (list = []));
        list.push(cg.id[i]);
      }
    }
    for (let i = 0; i < snap.objcgs.count; i++) this.objcgRow.set(snap.objcgs.id[i], i);
    for (let i = 0; i < snap.tasks.count; i++) this.taskRow.set(snap.tasks.pid[i], i);
  }

  get controller() {
    return this.snap.controller;
  }

  /** A cache by kernel id. */
  cacheById(id: number): KmemCacheView | null {
    const row = this.cacheRow.get(id);
    if (row === undefined) return null;
    return (this.cacheViews[row] ??= new KmemCacheView(this, row));
  }

  cacheAt(row: number): KmemCacheView {
    return (this.cacheViews[row] ??= new KmemCacheView(this, row));
  }

  memcgById(cssId: number): MemCgroupView | null {
    const row = this.cgroupRow.get(cssId);
    if (row === undefined) return null;
    return (this.cgroupViews[row] ??= new MemCgroupView(this, row));
  }

  memcgAt(row: number): MemCgroupView {
    return (this.cgroupViews[row] ??= new MemCgroupView(this, row));
  }

  objcgById(id: number): ObjCgroupView | null {
    const row = this.objcgRow.get(id);
    if (row === undefined) return null;
    return (this.objcgViews[row] ??= new ObjCgroupView(this, row));
  }

  slabAt(row: number): SlabView {
    return (this.slabViews[row] ??= new SlabView(this, row));
  }

  taskByPid(pid: number): TaskView | null {
    const row = this.taskRow.get(pid);
    return row === undefined ? null : new TaskView(this, row);
  }

  /** Address of the root cgroup's struct cgroup (cgrp_dfl_root.cgrp). */
  rootCgroupAddress(): bigint {
    return kdataSymbolAddress('cgrp_dfl_root') + BigInt(layoutRegistry(this.profile).offsetof('struct cgroup_root', 'cgrp'));
  }
}

/** drgn's Program for a snapshot. */
export function openProgram(snap: Snapshot, profile?: Profile): Program {
  return new Program(snap, profile);
}

/** A program over a fresh snapshot of a booted kernel (in-process inspection). */
export function programFromKernel(k: Kernel, profile?: Profile): Program {
  return new Program(takeSnapshot(k), profile);
}

/** struct kmem_cache */
export class KmemCacheView {
  constructor(
    readonly prog: Program,
    readonly row: number,
  ) {}
  private get c() {
    return this.prog.snap.caches;
  }
  get id(): number {
    return this.c.id[this.row];
  }
  get name(): string {
    return this.c.name[this.row];
  }
  get address(): bigint {
    return this.prog.addresses.kmemCache(this.id);
  }
  /** s->size: the slot, objsize column of /proc/slabinfo */
  get size(): number {
    return this.c.size[this.row];
  }
  get objectSize(): number {
    return this.c.objectSize[this.row];
  }
  get align(): number {
    return this.c.align[this.row];
  }
  get flags(): number {
    return this.c.flags[this.row];
  }
  get order(): number {
    return this.c.order[this.row];
  }
  /** objects per slab (oo_objects) */
  get objects(): number {
    return this.c.objects[this.row];
  }
  get minPartial(): number {
    return this.c.minPartial[this.row];
  }
  get cpuPartial(): number {
    return this.c.cpuPartial[this.row];
  }
  get deactivated(): boolean {
    return this.c.deactivated[this.row] === 1;
  }
  get refcnt(): number {
    return this.c.refcnt[this.row];
  }
  get nrAllocated(): number {
    return this.c.nrAllocated[this.row];
  }
  /** legacy child or objcg "-memcg" clone: its root cache */
  get rootCache(): KmemCacheView | null {
    const r = this.c.rootCache[this.row];
    return r >= 0 ? this.prog.cacheById(r) : null;
  }
  /** legacy child cache: its memcg (after reparenting, the parent) */
  get memcg(): MemCgroupView | null {
    const id = this.c.memcg[this.row];
    return id ? this.prog.memcgById(id) : null;
  }
  /** legacy child cache: the memcg that created it */
  get creator(): MemCgroupView | null {
    const id = this.c.creator[this.row];
    return id ? this.prog.memcgById(id) : null;
  }
  get memcgClone(): KmemCacheView | null {
    const id = this.c.memcgClone[this.row];
    return id >= 0 ? this.prog.cacheById(id) : null;
  }
  nrSlabs(nid?: number): number {
    return this.sumNode(this.c.nrSlabs, nid);
  }
  totalObjects(nid?: number): number {
    return this.sumNode(this.c.totalObjects, nid);
  }
  nrPartial(nid?: number): number {
    return this.sumNode(this.c.nrPartial, nid);
  }
  private sumNode(a: Float64Array | Int32Array, nid?: number): number {
    const n = this.prog.nrNodes;
    if (nid !== undefined) return a[this.row * n + nid];
    let s = 0;
    for (let i = 0; i < n; i++) s += a[this.row * n + i];
    return s;
  }
  /** The CPU's active slab (kmem_cache_cpu.page) or null. */
  cpuSlab(cpu: number): SlabView | null {
    const r = this.c.cpuSlab[this.row * this.prog.nrCpus + cpu];
    return r >= 0 ? this.prog.slabAt(r) : null;
  }
  /** The CPU's partial slabs, first to last. */
  *cpuPartialSlabs(cpu: number): Iterable<SlabView> {
    for (let r = this.c.cpuPartialHead[this.row * this.prog.nrCpus + cpu]; r >= 0; r = this.prog.snap.slabs.next[r]) yield this.prog.slabAt(r);
  }
  cpuPartialObjects(cpu: number): number {
    return this.c.cpuPartialObjects[this.row * this.prog.nrCpus + cpu];
  }
  /** A node's partial list (kmem_cache_node.partial), head first. */
  *nodePartialSlabs(nid: number): Iterable<SlabView> {
    for (let r = this.c.nodePartialHead[this.row * this.prog.nrNodes + nid]; r >= 0; r = this.prog.snap.slabs.next[r]) yield this.prog.slabAt(r);
  }
  toString(): string {
    return `(struct kmem_cache *)0x${this.address.toString(16)} ${this.name}`;
  }
}

const STATE_NAMES: Record<number, SlabState> = {
  [SLAB_CPU]: 'cpu',
  [SLAB_CPU_PARTIAL]: 'cpu_partial',
  [SLAB_NODE_PARTIAL]: 'node_partial',
  [SLAB_FULL]: 'full',
};

/** A slab: the head struct page of 2^order pages cut into objects (drgn's struct slab view). */
export class SlabView {
  constructor(
    readonly prog: Program,
    readonly row: number,
  ) {}
  private get s() {
    return this.prog.snap.slabs;
  }
  get pfn(): number {
    return this.s.pfn[this.row];
  }
  /** struct page * of the head page */
  get page(): bigint {
    return pfnToPageAddress(this.pfn);
  }
  /** page_to_virt: the first object's address */
  get virt(): bigint {
    return pfnToVirt(this.prog.pageSize, this.pfn);
  }
  get cache(): KmemCacheView {
    return this.prog.cacheById(this.s.cache[this.row])!;
  }
  get inuse(): number {
    return this.s.inuse[this.row];
  }
  get objects(): number {
    return this.cache.objects;
  }
  get nrFree(): number {
    return this.objects - this.inuse;
  }
  get state(): SlabState {
    return STATE_NAMES[this.s.state[this.row]] ?? 'full';
  }
  /** CPU owning an active or CPU-partial slab, else -1 */
  get cpu(): number {
    return this.s.cpu[this.row];
  }
  get node(): number {
    return this.s.node[this.row];
  }
  /** legacy: css id the slab's pages are charged to (0 none) */
  get chargedTo(): number {
    return this.s.charged[this.row];
  }
  /** Free slot indices in freelist order. */
  freeIndices(): Int32Array {
    const start = this.s.freeStart[this.row];
    return this.s.freeIdx.subarray(start, start + this.nrFree);
  }
  /** Is slot `idx` allocated? */
  isAllocated(idx: number): boolean {
    const f = this.freeIndices();
    for (let i = 0; i < f.length; i++) if (f[i] === idx) return false;
    return true;
  }
  objectAddress(idx: number): bigint {
    return directAddress(this.pfn * this.prog.pageSize + idx * this.cache.size);
  }
  /** Does the slab have an obj_cgroup vector (page->memcg_data with MEMCG_DATA_OBJCGS)? */
  get hasObjcgVector(): boolean {
    return this.s.vecStart[this.row] >= 0;
  }
  /** obj_cgroup ids per slot, or null without a vector. */
  objcgIds(): Int32Array | null {
    const start = this.s.vecStart[this.row];
    return start < 0 ? null : this.s.vec.subarray(start, start + this.objects);
  }
  /** Address of the obj_cgroup vector. */
  get objcgVectorAddress(): bigint | null {
    return this.hasObjcgVector ? this.prog.addresses.objcgVector(this.row) : null;
  }
}

/** One cgroup with its memory css (struct mem_cgroup): in this memory-only kernel they are one. */
export class MemCgroupView {
  constructor(
    readonly prog: Program,
    readonly row: number,
  ) {}
  private get g() {
    return this.prog.snap.cgroups;
  }
  /** css id */
  get id(): number {
    return this.g.id[this.row];
  }
  /** kernfs node id = the cgroup directory's inode number */
  get ino(): number {
    return this.g.ino[this.row];
  }
  get serial(): number {
    return this.g.serial[this.row];
  }
  get name(): string {
    return this.g.name[this.row];
  }
  get online(): boolean {
    return this.g.online[this.row] === 1;
  }
  /** removed (rmdir'ed) but not yet released */
  get dying(): boolean {
    return !this.online;
  }
  get isRoot(): boolean {
    return this.row === 0;
  }
  get depth(): number {
    return this.g.depth[this.row];
  }
  get parent(): MemCgroupView | null {
    const p = this.g.parent[this.row];
    return p ? this.prog.memcgById(p) : null;
  }
  get children(): MemCgroupView[] {
    return (this.prog.children.get(this.id) ?? []).map((id) => this.prog.memcgById(id)!);
  }
  get kmemcgId(): number {
    return this.g.kmemcgId[this.row];
  }
  /** struct mem_cgroup * */
  get address(): bigint {
    return this.prog.addresses.memCgroup(this.id);
  }
  /** struct cgroup * */
  get cgroupAddress(): bigint {
    return this.prog.addresses.cgroup(this.id, this.prog.rootCgroupAddress());
  }
  /** struct kernfs_node * of the directory */
  get kernfsAddress(): bigint {
    return this.prog.addresses.kernfs(this.id);
  }
  /** memcg->objcg: the active obj_cgroup (null when offline, root, or not objcg) */
  get objcg(): ObjCgroupView | null {
    const id = this.g.objcg[this.row];
    return id ? this.prog.objcgById(id) : null;
  }
  /** memcg->objcg_list: obj_cgroups reparented from dead descendants */
  get objcgList(): ObjCgroupView[] {
    const start = this.g.objcgListStart[this.row];
    const out: ObjCgroupView[] = [];
    for (let i = 0; i < this.g.objcgListLen[this.row]; i++) {
      const o = this.prog.objcgById(this.g.objcgList[start + i]);
      if (o) out.push(o);
    }
    return out;
  }
  /** legacy memcg->kmem_caches (own and reparented child caches) */
  get kmemCaches(): KmemCacheView[] {
    const start = this.g.kmemCachesStart[this.row];
    const out: KmemCacheView[] = [];
    for (let i = 0; i < this.g.kmemCachesLen[this.row]; i++) {
      const c = this.prog.cacheById(this.g.kmemCaches[start + i]);
      if (c) out.push(c);
    }
    return out;
  }
  /** css references other than the online base reference */
  get refcnt(): number {
    return this.g.refcnt[this.row];
  }
  /** A page counter in pages: usage, max (Infinity = max), ... */
  counter(which: CounterName): { usage: number; max: number; high: number; low: number; min: number; watermark: number; failcnt: number } {
    const j = this.row * 4 + COUNTER_NAMES.indexOf(which);
    const g = this.g;
    return { usage: g.usage[j], max: g.max[j], high: g.high[j], low: g.low[j], min: g.min[j], watermark: g.watermark[j], failcnt: g.failcnt[j] };
  }
  /** A local memory.stat value by the kernel's key ('slabReclaimable', 'anon', ...). */
  stat(name: string): number {
    const i = STAT_NAMES.indexOf(name);
    if (i < 0) throw new Error(`unknown memcg statistic ${name}`);
    return this.g.stat[this.row * STAT_NAMES.length + i];
  }
  get nrTasks(): number {
    return this.g.nrTasks[this.row];
  }
  get dentryLru(): number {
    return this.g.dentryLru[this.row];
  }
  get percpuObjcg(): ObjCgroupView | null {
    const id = this.g.percpuObjcg[this.row];
    return id ? this.prog.objcgById(id) : null;
  }
  get percpuBytes(): number {
    return this.g.percpuBytes[this.row];
  }
  toString(): string {
    return `(struct mem_cgroup *)0x${this.address.toString(16)}`;
  }
}

/** struct obj_cgroup */
export class ObjCgroupView {
  constructor(
    readonly prog: Program,
    readonly row: number,
  ) {}
  get id(): number {
    return this.prog.snap.objcgs.id[this.row];
  }
  get address(): bigint {
    return this.prog.addresses.objCgroup(this.id);
  }
  /** objcg->memcg: the memcg charged now (the parent after reparenting) */
  get memcg(): MemCgroupView {
    return this.prog.memcgById(this.prog.snap.objcgs.memcg[this.row])!;
  }
  get refcnt(): number {
    return this.prog.snap.objcgs.refcnt[this.row];
  }
  get nrChargedBytes(): number {
    return this.prog.snap.objcgs.nrChargedBytes[this.row];
  }
  /** percpu_ref_kill'ed at its memcg's offline */
  get killed(): boolean {
    return this.prog.snap.objcgs.killed[this.row] === 1;
  }
}

/** struct task_struct */
export class TaskView {
  constructor(
    readonly prog: Program,
    readonly row: number,
  ) {}
  private get t() {
    return this.prog.snap.tasks;
  }
  get pid(): number {
    return this.t.pid[this.row];
  }
  get tgid(): number {
    return this.t.tgid[this.row];
  }
  get ppid(): number {
    return this.t.ppid[this.row];
  }
  get comm(): string {
    return this.t.comm[this.row];
  }
  get memcg(): MemCgroupView {
    return this.prog.memcgById(this.t.memcg[this.row])!;
  }
  get cpu(): number {
    return this.t.cpu[this.row];
  }
  get kthread(): boolean {
    return this.t.kthread[this.row] === 1;
  }
  get state(): string {
    return String.fromCharCode(this.t.state[this.row]);
  }
  get uid(): number {
    return this.t.uid[this.row];
  }
  get address(): bigint {
    return this.prog.addresses.taskStruct(this.pid);
  }
  get pidAddress(): bigint {
    return this.prog.addresses.pidStruct(this.pid);
  }
}
