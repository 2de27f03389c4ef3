/**
 * Cgroups of a memory-only kernel: one MemCgroup is both the cgroup and its memory css.
 * Lifecycle (kernel/cgroup/cgroup.c + mm/memcontrol.c): mkdir brings a cgroup online; rmdir
 * offlines it ("dying"): it leaves the namespace at once, but lives on, counted in its
 * ancestors' nr_dying_descendants, until the last css reference is dropped; then its release
 * runs as deferred work and it disappears. References are real: charged pages, obj_cgroups,
 * per-CPU stocks, legacy child caches, tasks.
 */
import type { Kernel } from './kernel.js';
import type { MemcgEvents } from './types.js';
import type { Task } from './task.js';
import type { KmemCache } from './slab_common.js';
import type { ObjCgroup } from './kmem/obj_cgroup.js';
import { fail } from './errno.js';
import { PageCounter } from './page_counter.js';
import { Stat } from './memcg_stat.js';
import { queueWork } from './clock.js';
import { memcgOffline, memcgOnline, memcgRelease } from './memcontrol.js';
import { ListLru } from './list_lru.js';

export function emptyEvents(): MemcgEvents {
  return { low: 0, high: 0, max: 0, oom: 0, oomKill: 0 };
}

export class MemCgroup {
  readonly id: number;
  readonly ino: number;
  readonly serial: number;
  readonly name: string;
  readonly parent: MemCgroup | null;
  readonly children: MemCgroup[] = [];
  readonly depth: number;
  online = true;
  released = false;
  releaseQueued = false;
  subtreeControl = new Set<string>();
  maxDepth = Infinity;
  maxDescendants = Infinity;
  oomGroup = false;
  swappiness = 60;
  oomKillDisable = false;
  useHierarchy = true;
  moveChargeAtImmigrate = 0;
  underOom = false;
  notifyOnRelease = false;
  cloneChildren = false;
  frozen = false;
  events: MemcgEvents = emptyEvents();
  eventsLocal: MemcgEvents = emptyEvents();
  readonly tasks = new Set<Task>();
  // memory controller state
  readonly memory: PageCounter;
  readonly memsw: PageCounter;
  readonly kmem: PageCounter;
  readonly tcpmem: PageCounter;
  softLimit = Infinity;
  /** Local statistics (see memcg_stat.ts). */
  readonly stat = new Float64Array(Stat.COUNT);
  /** css references other than the online base reference. */
  refcnt = 0;
  /** objcg controller: the active obj_cgroup, and those inherited from dead children. */
  objcg: ObjCgroup | null = null;
  objcgList: ObjCgroup[] = [];
  /** Index used by list_lru and legacy child caches; -1 when none (root, nokmem, offline). */
  kmemcgId = -1;
  /** Legacy controller: this memcg's child caches (incl. reparented dead ones). */
  kmemCaches: KmemCache[] = [];
  /** Bytes of per-CPU statistics memory this memcg's creation charged to its parent. */
  percpuBytes = 0;
  /** The obj_cgroup that percpu charge went to. */
  percpuObjcg: ObjCgroup | null = null;
  /** Handle of the kmalloc'ed struct mem_cgroup itself (unaccounted). */
  structHandle = -1;
  /** kernfs node ids of this cgroup's interface files (allocated at mkdir). */
  nrKernfsNodes = 0;
  kernfsHandles: number[] = [];
  /** Per-memcg LRU of unused dentries (list_lru), and of page cache pages. */
  readonly dentryLru: ListLru;
  readonly fileLru: number[] = [];
  fileLruHead = 0;
  /** radix_tree_node objects of this memcg's unnamed-file pages (one per XA_CHUNK_SIZE pages) */
  radixNodes: number[] = [];
  /** fileLru entries of pages a truncate deleted, per PFN (see filemap.ts), and their number */
  fileLruDead: Map<number, number> | null = null;
  nrFileLruDead = 0;
  /** fileLru pages that belong to a named file's address_space */
  nrFileLruMapped = 0;
  /**
   * fileLru entries (live, stale, or consumed by reclaim but not yet compacted away) of named
   * files' pages, and how many of the consumed ones are: the array's other entries are the
   * unnamed-file pages whose count paces radixNodes
   */
  nrFileLruNamedEntries = 0;
  nrFileLruNamedConsumed = 0;
  /** how far the LRU was searched for cached pages without buffers (taskPagecacheWrite cached) */
  fileLruWriteCursor = 0;
  createdNs: number;

  constructor(k: Kernel, parent: MemCgroup | null, name: string) {
    this.id = k.nextCssId++;
    this.serial = k.nextCssSerial++;
    this.ino = k.allocKernfsId();
    this.name = name;
    this.parent = parent;
    this.depth = parent ? parent.depth + 1 : 0;
    this.memory = new PageCounter(parent ? parent.memory : null);
    this.memsw = new PageCounter(parent ? parent.memsw : null);
    this.kmem = new PageCounter(parent ? parent.kmem : null);
    this.tcpmem = new PageCounter(parent ? parent.tcpmem : null);
    this.dentryLru = new ListLru();
    this.createdNs = k.nowNs();
  }

  get isRoot(): boolean {
    return this.parent === null;
  }
}

/** '/' for the root, '/a/b' otherwise. */
export function cgroupPath(cg: MemCgroup): string {
  if (!cg.parent) return '/';
  const parts: string[] = [];
  for (let c: MemCgroup | null = cg; c && c.parent; c = c.parent) parts.unshift(c.name);
  return '/' + parts.join('/');
}

/** Online cgroup at `path` ('/', '/a/b'). */
export function cgroupByPath(k: Kernel, path: string): MemCgroup | undefined {
  let cg: MemCgroup | undefined = k.rootMemcg;
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    cg = cg.children.find((c) => c.online && c.name === part);
    if (!cg) return undefined;
  }
  return cg;
}

/** Pre-order walk from the root. */
export function* forEachCgroup(k: Kernel, opts: { includeDying?: boolean } = {}): Iterable<MemCgroup> {
  const stack: MemCgroup[] = [k.rootMemcg];
  while (stack.length) {
    const cg = stack.pop()!;
    if (!cg.online && !opts.includeDying) continue;
    yield cg;
    for (let i = cg.children.length - 1; i >= 0; i--) stack.push(cg.children[i]);
  }
}

/** Creates a child cgroup (cgroup_mkdir). */
export function cgroupMkdir(k: Kernel, parent: MemCgroup, name: string): MemCgroup {
  if (!parent.online) fail('ENODEV', 'parent is dying');
  if (name === '' || name === '.' || name === '..' || name.includes('/')) fail('EINVAL', 'bad cgroup name');
  if (name.includes('\n')) fail('EINVAL', 'newline in cgroup name');
  if (Buffer.byteLength(name) > 255) fail('ENAMETOOLONG', 'name too long');
  if (parent.children.some((c) => c.online && c.name === name)) fail('EEXIST');
  // cgroup.max.depth / cgroup.max.descendants of every ancestor (cgroup_check_hierarchy_limits)
  for (let a: MemCgroup | null = parent, level = 1; a; a = a.parent, level++) {
    if (level > a.maxDepth) fail('EAGAIN', 'cgroup.max.depth exceeded');
    if (cgroupStat(k, a).nrDescendants >= a.maxDescendants) fail('EAGAIN', 'cgroup.max.descendants exceeded');
  }
  const cg = new MemCgroup(k, parent, name);
  parent.children.push(cg);
  k.memcgById.set(cg.id, cg);
  if (k.cgroupVersion === 'v1') cg.useHierarchy = parent.useHierarchy;
  cg.swappiness = parent.swappiness;
  k.kernfsCreateFiles(cg);
  memcgOnline(k, cg);
  k.generation++;
  return cg;
}

/** Removes (offlines) a cgroup: it becomes dying until its last reference goes. */
export function cgroupRmdir(k: Kernel, cg: MemCgroup): void {
  if (!cg.parent) fail('EBUSY', 'cannot remove the root cgroup');
  if (!cg.online) fail('ENOENT');
  for (const t of cg.tasks) if (!t.exited) fail('EBUSY', 'cgroup has tasks');
  if (cg.children.some((c) => c.online)) fail('EBUSY', 'cgroup has children');
  cg.online = false;
  k.kernfsRemoveFiles(cg);
  memcgOffline(k, cg);
  k.generation++;
  cgroupMaybeRelease(k, cg);
}

/** Drops one css reference; a dying cgroup without references is released by deferred work. */
export function cssPut(k: Kernel, cg: MemCgroup, n = 1): void {
  cg.refcnt -= n;
  if (cg.refcnt < 0) throw new Error(`css refcount underflow on ${cgroupPath(cg)}`);
  if (cg.refcnt === 0 && !cg.online) cgroupMaybeRelease(k, cg);
}

export function cssGet(cg: MemCgroup, n = 1): void {
  cg.refcnt += n;
}

function cgroupMaybeRelease(k: Kernel, cg: MemCgroup): void {
  if (cg.online || cg.released || cg.refcnt !== 0 || cg.releaseQueued) return;
  cg.releaseQueued = true;
  // css_release -> RCU -> css_free_rwork_fn: runs as deferred work
  queueWork(k, 'css_free', () => {
    cg.releaseQueued = false;
    if (cg.released || cg.refcnt !== 0 || cg.online) return;
    cg.released = true;
    memcgRelease(k, cg);
    const siblings = cg.parent!.children;
    siblings.splice(siblings.indexOf(cg), 1);
    k.memcgById.delete(cg.id);
    k.generation++;
    if (cg.parent && !cg.parent.online) cgroupMaybeRelease(k, cg.parent);
  });
}

/** cgroup_migrate_vet_dst: may tasks enter `dst`? (also vetted before a fork into it) */
export function cgroupCanAttach(k: Kernel, dst: MemCgroup): void {
  if (!dst.online) fail('ENODEV');
  if (k.cgroupVersion === 'v2' && dst.parent && dst.subtreeControl.size > 0) {
    fail('EBUSY', 'no internal processes: destination has controllers enabled for its children');
  }
}

/** Moves a process (or one thread) into `dst` (cgroup_procs_write / tasks). */
export function cgroupAttach(k: Kernel, dst: MemCgroup, pid: number, mode: 'process' | 'thread'): void {
  if (!Number.isInteger(pid) || pid < 0) fail('EINVAL');
  const task = k.tasks.get(pid);
  if (!task || task.exited) fail('ESRCH');
  if (task.kthread) fail('EINVAL', 'kernel threads cannot be moved');
  cgroupCanAttach(k, dst);
  if (k.cgroupVersion === 'v2' && mode === 'thread') {
    // cgroup.threads needs threaded mode, which this kernel does not model
    if (task.leader.memcg !== dst) fail('EOPNOTSUPP', 'threaded cgroups are not modelled');
  }
  const movers = mode === 'process' ? task.leader.threads.filter((t) => !t.exited) : [task];
  for (const t of movers) {
    if (t.memcg === dst) continue;
    t.memcg.tasks.delete(t);
    cssPut(k, t.memcg);
    t.memcg = dst;
    dst.tasks.add(t);
    cssGet(dst);
  }
  k.generation++;
}

/** cgroup.subtree_control: enable/disable controllers for the children (v2). */
export function cgroupSubtreeControl(k: Kernel, cg: MemCgroup, enable: string[], disable: string[]): void {
  if (k.cgroupVersion !== 'v2') fail('EINVAL');
  if (!cg.online) fail('ENODEV');
  for (const name of [...enable, ...disable]) if (!KNOWN_CONTROLLERS.has(name)) fail('EINVAL', `unknown controller ${name}`);
  const available = new Set(cgroupControllers(k, cg));
  const en = enable.filter((n) => !disable.includes(n) || enable.lastIndexOf(n) > disable.lastIndexOf(n));
  const dis = disable.filter((n) => !en.includes(n));
  for (const n of en) {
    if (!available.has(n)) fail('ENOENT', `${n} is not in cgroup.controllers`);
    if (cg.subtreeControl.has(n)) continue;
    if (cg.parent && [...cg.tasks].some((t) => !t.exited)) fail('EBUSY', 'no internal processes');
  }
  for (const n of dis) {
    if (!cg.subtreeControl.has(n)) continue;
    if (cg.children.some((c) => c.online && c.subtreeControl.has(n))) fail('EBUSY', 'a child still uses it');
  }
  for (const n of en) cg.subtreeControl.add(n);
  for (const n of dis) cg.subtreeControl.delete(n);
  k.generation++;
}

const KNOWN_CONTROLLERS = new Set(['memory']);

/** cgroup.controllers: what the parent enables for this cgroup (all of them on the root). */
export function cgroupControllers(k: Kernel, cg: MemCgroup): string[] {
  if (!cg.parent) return [...KNOWN_CONTROLLERS];
  return k.cgroupVersion === 'v1' ? [...KNOWN_CONTROLLERS] : [...cg.parent.subtreeControl];
}

/** cgroup.stat: live and dying descendants (all levels below). */
export function cgroupStat(k: Kernel, cg: MemCgroup): { nrDescendants: number; nrDyingDescendants: number } {
  let live = 0;
  let dying = 0;
  const stack = [...cg.children];
  while (stack.length) {
    const c = stack.pop()!;
    if (c.online) live++;
    else if (!c.released) dying++;
    stack.push(...c.children);
  }
  return { nrDescendants: live, nrDyingDescendants: dying };
}

/** cgroup.events "populated": any live task in the subtree. */
export function cgroupPopulated(cg: MemCgroup): boolean {
  for (const t of cg.tasks) if (!t.exited) return true;
  return cg.children.some((c) => cgroupPopulated(c));
}

export function cgroupSetMaxDepth(k: Kernel, cg: MemCgroup, n: number): void {
  if (!(n >= 0)) fail('ERANGE');
  cg.maxDepth = n;
  k.generation++;
}

export function cgroupSetMaxDescendants(k: Kernel, cg: MemCgroup, n: number): void {
  if (!(n >= 0)) fail('ERANGE');
  cg.maxDescendants = n;
  k.generation++;
}

/** /proc/cgroups num_cgroups: every cgroup that exists, the root and dying ones included. */
export function cgroupNumCgroups(k: Kernel): number {
  let n = 0;
  for (const _ of forEachCgroup(k, { includeDying: true })) n++;
  return n;
}
