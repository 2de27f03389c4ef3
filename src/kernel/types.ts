/**
 * Plain records the simulated kernel hands to the filesystem layer, inspection and workloads.
 * The kernel produces facts; renderers format them (as mm/slab_common.c's cache_show prints a
 * struct slabinfo the allocator filled).
 */

/** Which slab memory controller the kernel was booted with. */
export type ControllerName = 'legacy' | 'objcg' | 'none';

/** objcg variants: the seed's two global cache sets, or the merged 5.9 single set. */
export type ObjcgLayout = 'two-sets' | 'single-set';

/** Which cgroup hierarchy the memory controller is bound to. */
export type CgroupVersion = 'v2' | 'v1';

export interface MachineConfig {
  /** Profile name this config started from (a key of MACHINE_PROFILES). */
  name: string;
  nrCpus: number;
  /** 4096 or 65536. */
  pageSize: number;
  /** Physical memory in bytes. */
  memBytes: number;
  /** 1 or 2. */
  nrNodes: number;
  /** CPUs sharing a last-level cache (the scheduler's LLC domain): a whole desktop, one SMT8 core on POWER8. */
  cpusPerLlc: number;
  /** SMT width: hardware threads per core (CPUs n*w .. n*w+w-1 are one core); divides cpusPerLlc. */
  threadsPerCore: number;
  /** CONFIG_HZ of the kernel the machine runs: 100, 250, 300 or 1000. */
  hz: number;
  /** node_distance() between two different nodes (SLIT / ibm,associativity); the local one is 10. */
  nodeDistance: number;
  /** the architecture's RECLAIM_DISTANCE: NUMA levels farther than this do not balance on fork, exec or wakeup. */
  reclaimDistance: number;
  seed: number;
}

/** One row of /proc/slabinfo (and of memory.kmem.slabinfo). */
export interface SlabinfoRow {
  name: string;
  activeObjs: number;
  numObjs: number;
  /** s->size (slot size), the objsize column. */
  objSize: number;
  objPerSlab: number;
  pagesPerSlab: number;
  activeSlabs: number;
  numSlabs: number;
}

/** The fields of /sys/kernel/slab/<cache>/ that SLUB's sysfs shows. */
export interface SlabCacheSysfs {
  name: string;
  objectSize: number;
  slabSize: number;
  objsPerSlab: number;
  order: number;
  align: number;
  /** Allocated objects (SLUB's `objects` file counts in-use objects). */
  objects: number;
  totalObjects: number;
  slabs: number;
  partial: number;
  cpuSlabs: number;
  minPartial: number;
  cpuPartial: number;
  reclaimAccount: boolean;
  account: boolean;
  /** Legacy child cache: the memcg path it belongs to; otherwise null. */
  memcgPath: string | null;
  /** Per-memcg cache (legacy child or objcg "-memcg" clone): its root cache's name; else null. */
  rootName: string | null;
  /** Deactivated (dying) legacy child cache. */
  deactivated: boolean;
}

/** Per-node memory figures, in pages unless the name says otherwise. */
export interface NodeMemInfo {
  nid: number;
  totalPages: number;
  freePages: number;
  anonPages: number;
  filePages: number;
  activeAnon: number;
  inactiveAnon: number;
  activeFile: number;
  inactiveFile: number;
  shmemPages: number;
  mappedPages: number;
  slabReclaimablePages: number;
  slabUnreclaimablePages: number;
  kernelStackKb: number;
  pageTablePages: number;
  percpuPages: number;
}

/** Global memory figures (sum over nodes plus global-only items), pages unless named. */
export interface MemInfo extends Omit<NodeMemInfo, 'nid'> {
  /** MemAvailable per si_mem_available(), pages. */
  availablePages: number;
  /** Committed_AS, pages. */
  committedPages: number;
  vmallocUsedPages: number;
  /** Low watermark sum, pages. */
  wmarkLowPages: number;
}

/** Events of vmstat that the model counts. */
export interface VmEvents {
  pgpgin: number;
  pgalloc: number;
  pgfree: number;
  pgfault: number;
  pgscan: number;
  pgsteal: number;
  slabsScanned: number;
  dropPagecache: number;
  dropSlab: number;
  oomKill: number;
}

/** memory.events / memory.events.local keys. */
export interface MemcgEvents {
  low: number;
  high: number;
  max: number;
  oom: number;
  oomKill: number;
}

/** Per-memcg statistics in bytes (counts for the pg* events). Keys follow memory.stat. */
export interface MemcgStat {
  anon: number;
  file: number;
  kernelStack: number;
  percpu: number;
  sock: number;
  shmem: number;
  fileMapped: number;
  fileDirty: number;
  fileWriteback: number;
  inactiveAnon: number;
  activeAnon: number;
  inactiveFile: number;
  activeFile: number;
  unevictable: number;
  slabReclaimable: number;
  slabUnreclaimable: number;
  pgfault: number;
  pgmajfault: number;
  pgscan: number;
  pgsteal: number;
  pgactivate: number;
  pgdeactivate: number;
  pgrefill: number;
  workingsetRefault: number;
  workingsetActivate: number;
  workingsetNodereclaim: number;
}

/** A page_counter as files show it (bytes). */
export interface PageCounterInfo {
  usageBytes: number;
  maxBytes: number; // Infinity when unlimited
  highBytes: number; // Infinity when unlimited
  lowBytes: number;
  minBytes: number;
  watermarkBytes: number;
  failcnt: number;
}

export type TaskState = 'R' | 'S' | 'D' | 'Z' | 'X';
