/**
 * Tasks: processes and threads, the kernel objects their creation allocates (kernel/fork.c
 * copy_process) and their exit frees. A new process gets task_struct, a kernel stack, pid,
 * cred, and — unless shared — mm_struct with its VMAs, anon_vmas and page tables, files_struct,
 * fs_struct, signal_struct and sighand_struct; a thread shares all of those and gets only
 * task_struct, stack and pid. Everything is charged to the forking task's memcg (so a process
 * spawned into a cgroup is forked by init, then moved, as cg_run does). Tasks run on one CPU at
 * a time and may migrate, which is what spreads a legacy memcg's objects over per-CPU slabs.
 */
import type { Kernel } from './kernel.js';
import type { MemCgroup } from './cgroup.js';
import type { TaskState } from './types.js';
import type { OpenFile } from './file_table.js';
import { fail } from './errno.js';
import { cssGet, cssPut, cgroupAttach, cgroupCanAttach } from './cgroup.js';
import { syscallTick } from './clock.js';
import { ALLOC_FAILED, kmemCacheAlloc, kmemCacheFree } from './slab_alloc.js';
import { PageKind } from './page_alloc.js';
import { THREAD_SIZE } from './slab_common.js';
import { chargePageTo, unchargePageFrom, memcgHandleOverHigh } from './memcontrol.js';
import { Stat } from './memcg_stat.js';
import { dFree } from './dcache.js';

/** VMAs of a small dynamically linked process (text/data/bss of the binary, ld.so, libc, heap, stack, vdso...). */
export const VMAS_PER_PROCESS = 24;
/** VMAs with anonymous memory (each gets an anon_vma and an anon_vma_chain link). */
export const ANON_VMAS_PER_PROCESS = 6;
/** Page-table pages of a small process with 4 KiB pages (PGD, PUD, PMDs, PTE pages). */
const PGTABLE_PAGES_4K = 6;
/** With 64 KiB pages (ppc64 radix), fewer, larger tables. */
const PGTABLE_PAGES_64K = 3;

/**
 * An mm's anonymous pages: their PFNs in an Int32Array, grown as needed — no boxed number or
 * object per page. `length` is the number of pages (RSS anon).
 */
export class PfnList {
  pfns = NO_PFNS;
  length = 0;

  /** Makes room for `nr` more PFNs. */
  reserve(nr: number): void {
    const need = this.length + nr;
    if (need <= this.pfns.length) return;
    if (this.pfns.length === 0 && pfnPool.length && pfnPool[pfnPool.length - 1].length >= need) {
      this.pfns = pfnPool.pop()!;
      return;
    }
    const grown = new Int32Array(Math.max(need, 2 * this.pfns.length, 16));
    grown.set(this.pfns.subarray(0, this.length));
    this.pfns = grown;
  }

  push(pfn: number): void {
    if (this.length === this.pfns.length) this.reserve(1);
    this.pfns[this.length++] = pfn;
  }
}

const NO_PFNS = new Int32Array(0);

/** Slots of an mm's object array: its VMAs, then its anon_vmas, then their anon_vma_chains. */
const MM_VMA_AT = 0;
const MM_ANON_VMA_AT = VMAS_PER_PROCESS;
const MM_AVC_AT = VMAS_PER_PROCESS + ANON_VMAS_PER_PROCESS;
const MM_OBJECTS = VMAS_PER_PROCESS + 2 * ANON_VMAS_PER_PROCESS;
const NO_OBJECTS = new Float64Array(0);
const NO_PGTABLES = new Int32Array(0);
/** Object and page-table arrays of freed mms, reused by the next mmAlloc (hot path: no garbage per fork/exec). */
const objectsPool: Float64Array[] = [];
const pgtablePool: Int32Array[] = [];
/** Anon PFN arrays of freed mms, reused (largest last) when an mm's first anonymous pages arrive. */
const pfnPool: Array<typeof NO_PFNS> = [];
const POOL_MAX = 64;

export class MmStruct {
  addr = 0;
  /** object addresses: VMAs, anon_vmas, anon_vma_chains (see MM_*_AT), the first nrVmas / nrAnonVmas / nrAvcs of each */
  objects: Float64Array = NO_OBJECTS;
  nrVmas = 0;
  nrAnonVmas = 0;
  nrAvcs = 0;
  /** page-table pages: the first nrPgtables PFNs, and the memcg charged */
  pgtablePfns: Int32Array = NO_PGTABLES;
  nrPgtables = 0;
  pgtableMemcg: MemCgroup | null = null;
  /** anon pages */
  anon = new PfnList();

  get vmas(): number[] {
    return Array.from(this.objects.subarray(MM_VMA_AT, MM_VMA_AT + this.nrVmas));
  }
  get anonVmas(): number[] {
    return Array.from(this.objects.subarray(MM_ANON_VMA_AT, MM_ANON_VMA_AT + this.nrAnonVmas));
  }
  get avcs(): number[] {
    return Array.from(this.objects.subarray(MM_AVC_AT, MM_AVC_AT + this.nrAvcs));
  }
  /** page-table pages' PFNs */
  get pgtables(): number[] {
    return Array.from(this.pgtablePfns.subarray(0, this.nrPgtables));
  }
}

/**
 * The objects a task holds (addresses), a Set<number> in behaviour — insertion order, no
 * duplicates — without one: most tasks hold a few objects, kept in a small array (no hash table
 * per fork); past HELD_SMALL objects they move to a real Set, in the same order.
 */
const HELD_SMALL = 64;

export class HeldObjects {
  private list: number[] = [];
  private set: Set<number> | null = null;

  get size(): number {
    return this.set ? this.set.size : this.list.length;
  }

  add(addr: number): this {
    if (this.set) {
      this.set.add(addr);
      return this;
    }
    const list = this.list;
    if (list.indexOf(addr) >= 0) return this;
    list.push(addr);
    if (list.length > HELD_SMALL) {
      this.set = new Set(list);
      this.list = [];
    }
    return this;
  }

  has(addr: number): boolean {
    return this.set ? this.set.has(addr) : this.list.indexOf(addr) >= 0;
  }

  delete(addr: number): boolean {
    if (this.set) return this.set.delete(addr);
    const list = this.list;
    const i = list.indexOf(addr);
    if (i < 0) return false;
    const n = list.length - 1;
    for (let j = i; j < n; j++) list[j] = list[j + 1];
    list.length = n;
    return true;
  }

  clear(): void {
    this.set = null;
    this.list.length = 0;
  }

  /** kmem_cache_free of every held object, in order; then none is held. */
  freeAll(k: Kernel, cpu: number): void {
    if (this.set) {
      for (const a of this.set) kmemCacheFree(k, a, cpu);
    } else {
      const list = this.list;
      for (let i = 0; i < list.length; i++) kmemCacheFree(k, list[i], cpu);
    }
    this.clear();
  }

  [Symbol.iterator](): IterableIterator<number> {
    return this.set ? this.set.values() : this.list.values();
  }
}

export interface Socket {
  inode: number;
  dentry: number;
  filp: number;
  sk: number;
}

export class Task {
  readonly pid: number;
  readonly tgid: number;
  comm: string;
  readonly ppid: number;
  uid = 0;
  gid = 0;
  memcg: MemCgroup;
  cpu: number;
  readonly kthread: boolean;
  state: TaskState = 'S';
  readonly leader: Task;
  /** leader only: every live thread of the group, the leader included */
  readonly threads: Task[] = [];
  exited = false;
  startNs: number;
  overHigh = false;
  oomScoreAdj = 0;
  // objects this task holds
  taskStruct = 0;
  stack = 0; // address (slab stack) or first pfn (page stack)
  stackMemcg: MemCgroup | null = null;
  stackPfns: number[] = [];
  stackNode = 0;
  stackStatMemcg: MemCgroup | null = null;
  pidObj = 0;
  cred = 0;
  mm: MmStruct | null = null;
  files = 0;
  fs = 0;
  signal = 0;
  sighand = 0;
  /** leader: open files (filp addresses) and sockets */
  openFiles: number[] = [];
  sockets: Socket[] = [];
  /** objects allocated on the task's behalf (addresses, in allocation order) */
  kobjects = new HeldObjects();
  /** dentry ids of files this task created (for unlink) */
  createdFiles: number[] = [];
  /** mapped page-cache pages (for RssFile) */
  filePages = 0;
  /** leader: open descriptors, the capacity of the fd table and its expanded arrays (if any) */
  nrFds = 3;
  fdCapacity = 64;
  fdTable: number[] = [];
  /** leader: open files held by handle (epoll instances, memfds), by handle */
  fdFiles = new Map<number, OpenFile>();
  /** struct task_delay_info */
  delays = 0;

  constructor(k: Kernel, pid: number, leader: Task | null, memcg: MemCgroup, cpu: number, comm: string, kthread: boolean, ppid: number) {
    this.pid = pid;
    this.leader = leader ?? this;
    this.tgid = this.leader.pid;
    this.memcg = memcg;
    this.cpu = cpu;
    this.comm = comm.slice(0, 15);
    this.kthread = kthread;
    this.ppid = ppid;
    this.startNs = k.nowNs();
  }

  get anonPages(): number {
    return this.leader.mm ? this.leader.mm.anon.length : 0;
  }
}

export function* forEachTask(k: Kernel): Iterable<Task> {
  const pids = [...k.tasks.keys()].sort((a, b) => a - b);
  for (const pid of pids) {
    const t = k.tasks.get(pid);
    if (t && !t.exited) yield t;
  }
}

export function findTask(k: Kernel, pid: number): Task | undefined {
  const t = k.tasks.get(pid);
  return t && !t.exited ? t : undefined;
}

function allocPid(k: Kernel): number {
  // pids are handed out cyclically from 300 after wrapping, like pid_max; the model never wraps
  return k.nextPid++;
}

/** Allocates one object or throws ENOMEM (after undoing nothing: the caller unwinds). */
function must(addr: number): number {
  if (addr === ALLOC_FAILED) fail('ENOMEM', 'allocation failed');
  return addr;
}

/** Creates a task forked by `parent` (copy_process). Charged to the parent's memcg. */
export function taskFork(k: Kernel, parent: Task, opts: { thread?: boolean; comm?: string; kthread?: boolean } = {}): Task {
  if (parent.exited) fail('ESRCH');
  syscallTick(k);
  const thread = !!opts.thread;
  const pid = allocPid(k);
  const leader = thread ? parent.leader : null;
  const child = new Task(k, pid, leader, parent.memcg, parent.cpu, opts.comm ?? parent.comm, !!opts.kthread || parent.kthread, thread ? parent.ppid : parent.tgid);
  child.uid = parent.uid;
  child.gid = parent.gid;
  // the allocations happen in the parent's context
  const ctx = parent;
  try {
    child.taskStruct = must(kmemCacheAlloc(k, k.cache('task_struct'), ctx));
    child.delays = must(kmemCacheAlloc(k, k.cache('task_delay_info'), ctx));
    allocStack(k, child, ctx);
    child.pidObj = must(kmemCacheAlloc(k, k.cache('pid'), ctx));
    if (!thread) {
      child.cred = must(kmemCacheAlloc(k, k.cache('cred_jar'), ctx));
      child.files = must(kmemCacheAlloc(k, k.cache('files_cache'), ctx));
      child.fs = must(kmemCacheAlloc(k, k.cache('fs_cache'), ctx));
      child.signal = must(kmemCacheAlloc(k, k.cache('signal_cache'), ctx));
      child.sighand = must(kmemCacheAlloc(k, k.cache('sighand_cache'), ctx));
      if (!child.kthread) child.mm = mmAlloc(k, ctx);
    }
  } catch (e) {
    freeTaskObjects(k, child, ctx.cpu);
    throw e;
  }
  k.tasks.set(pid, child);
  child.leader.threads.push(child);
  child.memcg.tasks.add(child);
  cssGet(child.memcg);
  k.generation++;
  return child;
}

function allocStack(k: Kernel, child: Task, ctx: Task): void {
  const memcg = ctx.memcg;
  const charge = k.kmem.kmemEnabled && !ctx.kthread && !!memcg.parent;
  if (k.pageSize > THREAD_SIZE) {
    // THREAD_SIZE < PAGE_SIZE: stacks come from the accounted thread_stack cache
    child.stack = must(kmemCacheAlloc(k, k.cache('thread_stack'), ctx));
  } else {
    const nr = THREAD_SIZE / k.pageSize;
    if (charge && !chargePageTo(k, memcg, nr, { cpu: ctx.cpu, task: ctx }, true)) fail('ENOMEM');
    // vmap'ed stack: order-0 pages
    const first = k.pages.alloc(0, k.cpuNode[ctx.cpu], PageKind.KernelStack);
    const pfns = [first];
    for (let i = 1; i < nr; i++) pfns.push(k.pages.alloc(0, k.cpuNode[ctx.cpu], PageKind.KernelStack));
    if (pfns.some((p) => p < 0)) {
      for (const p of pfns) if (p >= 0) k.pages.free(p, 0);
      if (charge) unchargePageFrom(k, memcg, nr, true);
      fail('ENOMEM');
    }
    child.stackPfns = pfns;
    child.stack = first;
    if (charge) {
      child.stackMemcg = memcg;
      for (const p of pfns) k.pages.memcgId[p] = memcg.id;
    }
  }
  // account_kernel_stack: node stat always, memcg stat where the stack is charged
  k.vm.kernelStackKb[k.cpuNode[ctx.cpu]] += THREAD_SIZE / 1024;
  child.stackNode = k.cpuNode[ctx.cpu];
  const owner = k.pageSize > THREAD_SIZE ? objectOwner(k, child.stack) : child.stackMemcg;
  if (owner) {
    owner.stat[Stat.KernelStack] += THREAD_SIZE;
    child.stackStatMemcg = owner;
    cssGet(owner);
  }
}

function objectOwner(k: Kernel, addr: number): MemCgroup | null {
  const slab = k.pages.slabOf(Math.floor(addr / k.pageSize));
  const idx = (addr - k.slabs.pfn[slab] * k.pageSize) / k.caches[k.slabs.cache[slab]].size;
  return k.kmem.objMemcg(k, slab, idx);
}

function freeStack(k: Kernel, t: Task, cpu: number): void {
  if (!t.stack) return;
  k.vm.kernelStackKb[t.stackNode] -= THREAD_SIZE / 1024;
  if (t.stackStatMemcg) {
    t.stackStatMemcg.stat[Stat.KernelStack] -= THREAD_SIZE;
    cssPut(k, t.stackStatMemcg);
    t.stackStatMemcg = null;
  }
  if (k.pageSize > THREAD_SIZE) {
    kmemCacheFree(k, t.stack, cpu);
  } else {
    for (const p of t.stackPfns) k.pages.free(p, 0);
    if (t.stackMemcg) unchargePageFrom(k, t.stackMemcg, t.stackPfns.length, true);
    t.stackMemcg = null;
    t.stackPfns = [];
  }
  t.stack = 0;
}

/** dup_mm / a fresh mm for exec: mm_struct, VMAs, anon_vmas and chains, page tables. */
export function mmAlloc(k: Kernel, ctx: Task): MmStruct {
  const mm = new MmStruct();
  try {
    mm.addr = must(kmemCacheAlloc(k, k.cache('mm_struct'), ctx));
    const objects = (mm.objects = objectsPool.pop() ?? new Float64Array(MM_OBJECTS));
    const vma = k.cache('vm_area_struct');
    const anonVma = k.cache('anon_vma');
    const avc = k.cache('anon_vma_chain');
    for (let i = 0; i < VMAS_PER_PROCESS; i++) {
      objects[MM_VMA_AT + i] = must(kmemCacheAlloc(k, vma, ctx));
      mm.nrVmas++;
    }
    for (let i = 0; i < ANON_VMAS_PER_PROCESS; i++) {
      objects[MM_ANON_VMA_AT + i] = must(kmemCacheAlloc(k, anonVma, ctx));
      mm.nrAnonVmas++;
      objects[MM_AVC_AT + i] = must(kmemCacheAlloc(k, avc, ctx));
      mm.nrAvcs++;
    }
    const nr = k.pageSize > 4096 ? PGTABLE_PAGES_64K : PGTABLE_PAGES_4K;
    const memcg = ctx.memcg;
    const charge = k.kmem.kmemEnabled && !ctx.kthread && !!memcg.parent;
    if (charge && !chargePageTo(k, memcg, nr, { cpu: ctx.cpu, task: ctx }, true)) fail('ENOMEM');
    let pgtables = pgtablePool.pop() ?? NO_PGTABLES;
    if (pgtables.length < nr) pgtables = new Int32Array(PGTABLE_PAGES_4K);
    mm.pgtablePfns = pgtables;
    const nid = k.cpuNode[ctx.cpu];
    for (let i = 0; i < nr; i++) {
      const pfn = k.pages.alloc(0, nid, PageKind.PageTable);
      if (pfn < 0) {
        // mmFree (below) frees the pages allocated so far but, pgtableMemcg unset, uncharges nothing
        if (charge) unchargePageFrom(k, memcg, nr, true);
        fail('ENOMEM');
      }
      pgtables[mm.nrPgtables++] = pfn;
    }
    if (charge) {
      mm.pgtableMemcg = memcg;
      for (let i = 0; i < nr; i++) k.pages.memcgId[pgtables[i]] = memcg.id;
      memcg.stat[Stat.PageTables] += nr * k.pageSize;
    }
  } catch (e) {
    mmFree(k, mm, ctx.cpu);
    throw e;
  }
  return mm;
}

/** exit_mmap + mmdrop. */
export function mmFree(k: Kernel, mm: MmStruct, cpu: number): void {
  // exit_mmap frees the pages to the per-CPU lists in bulk (release_pages) and uncharges them
  // in one batch per memcg (uncharge_batch), the memcgs in the order their first page comes.
  // Departure: mem_cgroup_uncharge_list flushes a batch whenever the memcg changes; one batch per
  // memcg gives the same counters and differs only in which dying memcg's release is queued first.
  const anon = mm.anon;
  if (anon.length) {
    const runs: number[] = [];
    k.pages.freeBulk(anon.pfns, anon.length, runs);
    if (runs.length === 2) {
      anonUncharge(k, runs[0], runs[1]);
    } else if (runs.length) {
      const batch = new Map<number, number>();
      for (let i = 0; i < runs.length; i += 2) batch.set(runs[i], (batch.get(runs[i]) ?? 0) + runs[i + 1]);
      for (const [id, nr] of batch) anonUncharge(k, id, nr);
    }
  }
  const pfns = anon.pfns;
  anon.pfns = NO_PFNS;
  anon.length = 0;
  if (pfns.length && pfnPool.length < POOL_MAX) {
    // keep the pool sorted by size, largest last
    let i = pfnPool.length;
    pfnPool.push(pfns);
    while (i > 0 && pfnPool[i - 1].length > pfns.length) {
      pfnPool[i] = pfnPool[i - 1];
      i--;
    }
    pfnPool[i] = pfns;
  }
  const objects = mm.objects;
  for (let i = 0; i < mm.nrAvcs; i++) kmemCacheFree(k, objects[MM_AVC_AT + i], cpu);
  for (let i = 0; i < mm.nrAnonVmas; i++) kmemCacheFree(k, objects[MM_ANON_VMA_AT + i], cpu);
  for (let i = 0; i < mm.nrVmas; i++) kmemCacheFree(k, objects[MM_VMA_AT + i], cpu);
  mm.nrAvcs = mm.nrAnonVmas = mm.nrVmas = 0;
  mm.objects = NO_OBJECTS;
  if (objects.length && objectsPool.length < POOL_MAX) objectsPool.push(objects);
  const nr = mm.nrPgtables;
  const pgtables = mm.pgtablePfns;
  for (let i = 0; i < nr; i++) k.pages.free(pgtables[i], 0);
  if (mm.pgtableMemcg) {
    mm.pgtableMemcg.stat[Stat.PageTables] -= nr * k.pageSize;
    unchargePageFrom(k, mm.pgtableMemcg, nr, true);
    mm.pgtableMemcg = null;
  }
  mm.nrPgtables = 0;
  mm.pgtablePfns = NO_PGTABLES;
  if (pgtables.length && pgtablePool.length < POOL_MAX) pgtablePool.push(pgtables);
  if (mm.addr) kmemCacheFree(k, mm.addr, cpu);
  mm.addr = 0;
}

/** The statistics and charge of `nr` anonymous pages charged to memcg `id`, which were freed. */
function anonUncharge(k: Kernel, id: number, nr: number): void {
  const memcg = k.memcgById.get(id)!;
  memcg.stat[Stat.Anon] -= nr * k.pageSize;
  memcg.stat[Stat.InactiveAnon] -= nr * k.pageSize;
  unchargePageFrom(k, memcg, nr, false);
}

/**
 * munmap of an mm's last `nr` anonymous pages, the last first: freed in bulk, each run of
 * pages of one memcg uncharged at once — the same result as freeing and uncharging them one
 * by one (nothing else runs in between; a memcg's css reference can only drop to zero at the
 * last page of its last run).
 */
export function freeAnonPages(k: Kernel, mm: MmStruct, nr: number): void {
  const anon = mm.anon;
  nr = Math.min(nr, anon.length);
  if (nr <= 0) return;
  const pfns = anon.pfns.subarray(anon.length - nr, anon.length).reverse();
  anon.length -= nr;
  const runs: number[] = [];
  k.pages.freeBulk(pfns, nr, runs);
  for (let i = 0; i < runs.length; i += 2) anonUncharge(k, runs[i], runs[i + 1]);
}

function freeTaskObjects(k: Kernel, t: Task, cpu: number): void {
  const free = (a: number) => {
    if (a) kmemCacheFree(k, a, cpu);
  };
  if (t.leader === t) {
    for (const s of t.sockets) freeSocket(k, s, cpu);
    t.sockets = [];
    for (const f of t.openFiles) free(f);
    t.openFiles = [];
    for (const f of t.fdFiles.values()) f.release(k, cpu);
    t.fdFiles.clear();
  }
  t.kobjects.freeAll(k, cpu);
  if (t.mm) mmFree(k, t.mm, cpu);
  t.mm = null;
  free(t.sighand);
  free(t.signal);
  free(t.fs);
  free(t.files);
  free(t.cred);
  free(t.pidObj);
  t.sighand = t.signal = t.fs = t.files = t.cred = t.pidObj = 0;
  freeStack(k, t, cpu);
  free(t.delays);
  free(t.taskStruct);
  t.taskStruct = t.delays = 0;
  t.fdTable = [];
}

export function freeSocket(k: Kernel, s: Socket, cpu: number): void {
  kmemCacheFree(k, s.sk, cpu);
  kmemCacheFree(k, s.filp, cpu);
  dFree(k, s.dentry, cpu);
}

/** do_exit: frees what the task holds; a group leader's exit ends the whole thread group. */
export function taskExit(k: Kernel, task: Task): void {
  if (task.exited) fail('ESRCH');
  if (task.pid === 1) fail('EPERM', 'init cannot exit');
  if (task.leader === task) {
    for (const t of [...task.threads]) if (t !== task && !t.exited) exitOne(k, t);
  }
  exitOne(k, task);
  k.generation++;
}

function exitOne(k: Kernel, t: Task): void {
  freeTaskObjects(k, t, t.cpu);
  t.exited = true;
  t.state = 'X';
  const threads = t.leader.threads;
  const i = threads.indexOf(t);
  if (i >= 0) threads.splice(i, 1);
  t.memcg.tasks.delete(t);
  k.tasks.delete(t.pid);
  cssPut(k, t.memcg);
}

/** Moves a task to another CPU (the scheduler's migration). */
export function taskMigrateCpu(k: Kernel, task: Task, cpu: number): void {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= k.config.nrCpus) fail('EINVAL', 'no such CPU');
  if (task.exited) fail('ESRCH');
  task.cpu = cpu;
  k.generation++;
}

/** A new process running `comm`, forked by init and moved into `memcg` (as cg_run does). */
export function taskSpawn(k: Kernel, memcg: MemCgroup, comm: string, opts: { cpu?: number; uid?: number; exec?: boolean } = {}): Task {
  cgroupCanAttach(k, memcg);
  const init = k.tasks.get(1)!;
  if (opts.cpu !== undefined && (!Number.isInteger(opts.cpu) || opts.cpu < 0 || opts.cpu >= k.config.nrCpus)) fail('EINVAL', 'no such CPU');
  const saved = init.cpu;
  init.cpu = opts.cpu ?? k.rng.int(k.config.nrCpus);
  let t: Task;
  try {
    t = taskFork(k, init, { comm });
  } finally {
    init.cpu = saved;
  }
  if (opts.uid !== undefined) t.uid = t.gid = opts.uid;
  try {
    cgroupAttach(k, memcg, t.pid, 'process');
  } catch (e) {
    taskExit(k, t);
    throw e;
  }
  if (opts.exec) taskExec(k, t, comm);
  return t;
}

/** execve: a fresh mm in the task's current memcg (names_cache for the path), the old one freed. */
export function taskExec(k: Kernel, task: Task, comm: string): void {
  if (task.exited) fail('ESRCH');
  if (task.kthread) fail('EINVAL');
  const name = kmemCacheAlloc(k, k.cache('names_cache'), task);
  const leader = task.leader;
  try {
    const mm = mmAlloc(k, task);
    if (leader.mm) mmFree(k, leader.mm, task.cpu);
    leader.mm = mm;
    leader.comm = comm.slice(0, 15);
    if (task !== leader) leader.comm = comm.slice(0, 15);
  } finally {
    if (name !== ALLOC_FAILED) kmemCacheFree(k, name, task.cpu);
  }
  memcgHandleOverHigh(k, task);
  k.generation++;
}

/** Kernel threads at boot: kthreadd's children, pinned to the root cgroup. */
export function spawnKernelThread(k: Kernel, comm: string, cpu: number): Task {
  const kthreadd = k.tasks.get(2)!;
  const saved = kthreadd.cpu;
  kthreadd.cpu = cpu;
  try {
    return taskFork(k, kthreadd, { comm, kthread: true });
  } finally {
    kthreadd.cpu = saved;
  }
}

