/**
 * The root object: one Kernel owns all state of one simulated machine (no module-level state,
 * so a test can boot many). bootKernel() builds the page allocator, SLUB with the boot caches,
 * the root memory cgroup, init, kthreadd and per-CPU kernel threads, and the slab controller
 * chosen on the command line.
 */
import type { CgroupVersion, ControllerName, MachineConfig, ObjcgLayout, VmEvents } from './types.js';
import type { KmemController } from './kmem/controller.js';
import type { ObjCgroup } from './kmem/obj_cgroup.js';
import { machineProfile, cpuToNode, validateMachine } from './machine.js';
import { fail } from './errno.js';
import { Clock } from './clock.js';
import { Rng } from './rng.js';
import { PageAllocator, PageKind } from './page_alloc.js';
import { SlabTable } from './slub.js';
import { KmemCache, bootSlab } from './slab_common.js';
import { MemCgroup } from './cgroup.js';
import { Task, spawnKernelThread, mmAlloc } from './task.js';
import { MemcgStock } from './memcg_stock.js';
import { DentryTable } from './dcache.js';
import { VmState, emptyVmEvents } from './vmstat.js';
import { PercpuState, percpuAlloc, percpuBoot, percpuFree, memcgPercpuBytesPerCpu } from './percpu.js';
import { createObjcgController } from './kmem/objcg.js';
import { createLegacyController } from './kmem/legacy.js';
import { createNoneController } from './kmem/none.js';
import { ALLOC_FAILED, kmalloc, kmemCacheAlloc, kmemCacheFree } from './slab_alloc.js';
import type { AddressSpace } from './filemap.js';
import type { DiskFile } from './namei.js';
import { XfsState } from './xfs.js';

export interface BootOptions {
  machine?: string;
  machineOverrides?: Partial<MachineConfig>;
  controller?: ControllerName;
  objcgLayout?: ObjcgLayout;
  cgroupVersion?: CgroupVersion;
  seed?: number;
}

/** Bytes of struct mem_cgroup (kzalloc'ed, never accounted) and of each mem_cgroup_per_node. */
const MEM_CGROUP_STRUCT_SIZE = 2240;
const MEM_CGROUP_PER_NODE_SIZE = 1368;
/** kernfs nodes of a cgroup: its directory plus its interface files (v2 child: 11 core + 13 memory; v1: 31). */
const KERNFS_NODES_PER_CGROUP = { v2: 25, v1: 32 } as const;
/** sysfs/procfs kernfs nodes of a booted desktop (devices, modules, ...): kernfs_node_cache at boot. */
const BOOT_KERNFS_NODES = 30000;
/** Per-CPU kernel threads (cpuhp, migration, ksoftirqd, kworker/N:0, kworker/N:0H). */
const PER_CPU_KTHREADS = ['cpuhp', 'migration', 'ksoftirqd', 'kworker', 'kworker-H'];
/** The kernel image and early reservations; struct page (64 bytes per page) is reserved too. */
const KERNEL_IMAGE_BYTES = 48 * 1024 * 1024;
const STRUCT_PAGE_SIZE = 64;

export class Kernel {
  readonly config: MachineConfig;
  readonly controller: ControllerName;
  readonly objcgLayout: ObjcgLayout;
  readonly cgroupVersion: CgroupVersion;
  readonly pageSize: number;
  readonly clock = new Clock();
  readonly rng: Rng;
  generation = 0;
  readonly pages: PageAllocator;
  readonly slabs = new SlabTable();
  readonly caches: KmemCache[] = [];
  readonly cacheByName = new Map<string, KmemCache>();
  readonly freeCacheIds: number[] = [];
  /** set once the boot caches exist: later caches allocate their own metadata */
  slabBootDone = false;
  readonly kmalloc: KmemCache[] = [];
  readonly kmallocRcl: KmemCache[] = [];
  readonly dentries = new DentryTable();
  /** the inode cache of the disk filesystem files live on */
  readonly fsInodeCache = 'ext4_inode_cache';
  readonly kmem: KmemController;
  readonly stock: MemcgStock;
  readonly objcgs: Array<ObjCgroup | null> = [null];
  readonly memcgById = new Map<number, MemCgroup>();
  readonly tasks = new Map<number, Task>();
  readonly cpuNode: Int32Array;
  readonly vm: VmState;
  readonly vmEvents: VmEvents = emptyVmEvents();
  readonly percpu = new PercpuState();
  readonly dmesg: string[] = [];
  /** objects the kernel itself holds since boot (sysfs/procfs kernfs nodes) */
  readonly bootObjects: number[] = [];
  /** a page-cache page's private objects (page->private): buffer_heads, or an iomap_page; by PFN */
  readonly pageBuffers = new Map<number, number[]>();
  /** the address_space of page-cache pages that belong to a named file or a shmem inode, by PFN */
  readonly pageMapping = new Map<number, AddressSpace>();
  /** named files (namei.ts) by handle (inode number), and by the address of their cached inode */
  readonly diskFiles = new Map<number, DiskFile>();
  readonly inodeFiles = new Map<number, DiskFile>();
  nextIno = 1000;
  /** the next open-file handle (file_table.ts) */
  nextFd = 3;
  /** XFS's caches, log items and reclaimable inodes */
  readonly xfs = new XfsState();
  rootMemcg!: MemCgroup;
  dentryCache!: KmemCache;
  nextCssId = 1;
  nextCssSerial = 1;
  nextPid = 1;
  private nextKernfsId = 1;
  private freeKmemcgIds: number[] = [];
  private nextKmemcgId = 0;
  /** context of the allocation in progress (for page charges made deep in the allocator) */
  allocCpu = 0;
  allocTask: Task | null = null;

  constructor(config: MachineConfig, controller: ControllerName, objcgLayout: ObjcgLayout, cgroupVersion: CgroupVersion) {
    validateMachine(config);
    this.config = config;
    this.controller = controller;
    this.objcgLayout = objcgLayout;
    this.cgroupVersion = cgroupVersion;
    this.pageSize = config.pageSize;
    this.rng = new Rng(config.seed);
    this.pages = new PageAllocator(Math.floor(config.memBytes / config.pageSize), config.nrNodes);
    this.cpuNode = new Int32Array(config.nrCpus);
    for (let cpu = 0; cpu < config.nrCpus; cpu++) this.cpuNode[cpu] = cpuToNode(config, cpu);
    this.vm = new VmState(config.nrNodes);
    this.stock = new MemcgStock(config.nrCpus);
    this.kmem =
      controller === 'objcg' ? createObjcgController(this) : controller === 'legacy' ? createLegacyController(this) : createNoneController();
  }

  nowNs(): number {
    return this.clock.nowNs;
  }

  /** A boot cache by name (throws for unknown names: a programming error). */
  cache(name: string): KmemCache {
    const s = this.cacheByName.get(name);
    if (!s) throw new Error(`no kmem_cache ${name}`);
    return s;
  }

  allocKernfsId(): number {
    return this.nextKernfsId++;
  }

  allocKmemcgId(): number {
    return this.freeKmemcgIds.length ? this.freeKmemcgIds.pop()! : this.nextKmemcgId++;
  }

  freeKmemcgId(id: number): void {
    if (id >= 0) this.freeKmemcgIds.push(id);
  }

  log(line: string): void {
    const secs = (this.clock.nowNs / 1e9).toFixed(6).padStart(12, ' ');
    this.dmesg.push(`[${secs}] ${line}`);
    if (this.dmesg.length > 1000) this.dmesg.shift();
  }

  /** The kernfs nodes of a new cgroup's directory and files, and its struct mem_cgroup. */
  kernfsCreateFiles(cg: MemCgroup): void {
    const n = KERNFS_NODES_PER_CGROUP[this.cgroupVersion];
    for (let i = 0; i < n; i++) {
      const a = kmemCacheAlloc(this, this.cache('kernfs_node_cache'), null);
      if (a !== ALLOC_FAILED) cg.kernfsHandles.push(a);
      if (i > 0) this.allocKernfsId();
    }
    cg.structHandle = kmalloc(this, MEM_CGROUP_STRUCT_SIZE, null, false, false);
    for (let nid = 0; nid < this.config.nrNodes; nid++) cg.kernfsHandles.push(kmalloc(this, MEM_CGROUP_PER_NODE_SIZE, null, false, false));
    percpuAlloc(this, memcgPercpuBytesPerCpu(this));
  }

  /** rmdir: the kernfs nodes go at once; struct mem_cgroup and its per-CPU memory at release. */
  kernfsRemoveFiles(cg: MemCgroup): void {
    const keep = cg.kernfsHandles.splice(KERNFS_NODES_PER_CGROUP[this.cgroupVersion]);
    for (const a of cg.kernfsHandles) kmemCacheFree(this, a, 0);
    cg.kernfsHandles = keep;
  }

  /** css_free: the memcg's own memory. */
  freeMemcgStruct(cg: MemCgroup): void {
    for (const a of cg.kernfsHandles) if (a !== ALLOC_FAILED) kmemCacheFree(this, a, 0);
    cg.kernfsHandles = [];
    if (cg.structHandle !== ALLOC_FAILED) kmemCacheFree(this, cg.structHandle, 0);
    cg.structHandle = ALLOC_FAILED;
    percpuFree(this, memcgPercpuBytesPerCpu(this));
  }
}

/** Boots a simulated machine. */
export function bootKernel(opts: BootOptions = {}): Kernel {
  const controller = opts.controller ?? 'objcg';
  if (!['objcg', 'legacy', 'none'].includes(controller)) fail('EINVAL', `unknown controller ${controller}`);
  const layout = opts.objcgLayout ?? 'two-sets';
  if (!['two-sets', 'single-set'].includes(layout)) fail('EINVAL', `unknown objcg layout ${layout}`);
  const version = opts.cgroupVersion ?? 'v2';
  if (!['v1', 'v2'].includes(version)) fail('EINVAL', `unknown cgroup version ${version}`);
  const overrides = { ...(opts.machineOverrides ?? {}) };
  if (opts.seed !== undefined) overrides.seed = opts.seed;
  const config = machineProfile(opts.machine ?? 'desktop', overrides);
  const k = new Kernel(config, controller, layout, version);

  // early reservations: the kernel image and the memmap (PFN 0, reserved already, counts as one of them)
  const reserve = Math.ceil((KERNEL_IMAGE_BYTES + k.pages.totalPages * STRUCT_PAGE_SIZE) / k.pageSize);
  for (let i = 1; i < reserve; i++) k.pages.alloc(0, 0, PageKind.Reserved);
  percpuBoot(k);
  bootSlab(k);
  k.dentryCache = k.cache('dentry');

  // the root cgroup (kernfs id 1)
  const root = new MemCgroup(k, null, '');
  k.rootMemcg = root;
  k.memcgById.set(root.id, root);
  k.kernfsCreateFiles(root);
  if (version === 'v2') root.subtreeControl = new Set();

  // pid 1 and pid 2 are made by hand; everything else is forked
  const init = new Task(k, k.nextPid++, null, root, 0, 'systemd', false, 0);
  bootTaskObjects(k, init);
  init.mm = mmAlloc(k, init);
  registerTask(k, init);
  const kthreadd = new Task(k, k.nextPid++, null, root, 0, 'kthreadd', true, 0);
  bootTaskObjects(k, kthreadd);
  registerTask(k, kthreadd);
  for (const name of ['rcu_gp', 'rcu_par_gp', 'mm_percpu_wq', 'rcu_sched', 'kthrotld', 'kswapd0', 'khugepaged', 'kcompactd0']) {
    spawnKernelThread(k, name, 0);
  }
  for (let cpu = 0; cpu < config.nrCpus; cpu++) {
    for (const name of PER_CPU_KTHREADS) {
      const comm = name === 'kworker' ? `kworker/${cpu}:0` : name === 'kworker-H' ? `kworker/${cpu}:0H` : `${name}/${cpu}`;
      spawnKernelThread(k, comm, cpu);
    }
  }
  // sysfs and procfs as a booted machine has them
  for (let i = 0; i < BOOT_KERNFS_NODES; i++) k.bootObjects.push(kmemCacheAlloc(k, k.cache('kernfs_node_cache'), null));
  k.generation++;
  return k;
}

function bootTaskObjects(k: Kernel, t: Task): void {
  t.taskStruct = kmemCacheAlloc(k, k.cache('task_struct'), null);
  t.pidObj = kmemCacheAlloc(k, k.cache('pid'), null);
  t.cred = kmemCacheAlloc(k, k.cache('cred_jar'), null);
  t.files = kmemCacheAlloc(k, k.cache('files_cache'), null);
  t.fs = kmemCacheAlloc(k, k.cache('fs_cache'), null);
  t.signal = kmemCacheAlloc(k, k.cache('signal_cache'), null);
  t.sighand = kmemCacheAlloc(k, k.cache('sighand_cache'), null);
  if (k.pageSize > 16384) t.stack = kmemCacheAlloc(k, k.cache('thread_stack'), null);
  else {
    t.stackPfns = [0, 1, 2, 3].map(() => k.pages.alloc(0, 0, PageKind.KernelStack));
    t.stack = t.stackPfns[0];
  }
  k.vm.kernelStackKb[0] += 16;
}

function registerTask(k: Kernel, t: Task): void {
  k.tasks.set(t.pid, t);
  t.leader.threads.push(t);
  t.memcg.tasks.add(t);
  t.memcg.refcnt++;
}
