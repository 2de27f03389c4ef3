/**
 * The public surface of the simulated kernel. Everything outside src/kernel imports from here
 * (explicit re-exports, so the surface can be reviewed). Every function takes the kernel first.
 */
export type {
  ControllerName,
  ObjcgLayout,
  CgroupVersion,
  MachineConfig,
  SlabinfoRow,
  SlabCacheSysfs,
  NodeMemInfo,
  MemInfo,
  VmEvents,
  MemcgEvents,
  MemcgStat,
  PageCounterInfo,
  TaskState,
} from './types.js';
export { KernelError, ERRNO, fail } from './errno.js';
export type { ErrnoName } from './errno.js';

export { machineProfile, MACHINE_PROFILES } from './machine.js';
export { Rng } from './rng.js';
export { MinHeap } from './min_heap.js';
export type { TimedEntry } from './min_heap.js';
export { bootKernel, Kernel } from './kernel.js';
export type { BootOptions } from './kernel.js';

// Time and deferred work
export { clockAdvance, flushDeferredWork } from './clock.js';

// cgroups (the memory cgroup is the cgroup in this memory-only kernel)
export {
  MemCgroup,
  cgroupPath,
  cgroupMkdir,
  cgroupRmdir,
  cgroupAttach,
  cgroupCanAttach,
  cgroupSubtreeControl,
  cgroupStat,
  cgroupPopulated,
  cgroupControllers,
  cgroupByPath,
  cgroupSetMaxDepth,
  cgroupSetMaxDescendants,
  cgroupNumCgroups,
  forEachCgroup,
} from './cgroup.js';

// memory controller
export {
  memcgStatLocal,
  memcgStatHierarchical,
  memcgCounterInfo,
  memcgSetLimit,
  memcgResetWatermark,
  memcgResetFailcnt,
  memcgForceEmpty,
  memcgReclaim,
  memcgV1UsageBytes,
  memcgHierarchicalLimitBytes,
} from './memcontrol.js';
export type { CounterName, LimitName } from './memcontrol.js';
export { memcgSlabinfo } from './kmem/slabinfo.js';

// slab
export { slabinfo, slabCacheSysfsList, kmemCacheShrink, findSlabCache, kmemCacheSetMinPartial, kmemCacheSetCpuPartial } from './slab_common.js';
export type { KmemCache } from './slab_common.js';

// pages and global statistics
export { meminfo, nodeMeminfo, vmEvents } from './vmstat.js';
export { kpagecgroupRead, kpageflagsRead, maxPfn } from './page_alloc.js';

// tasks and what they do
export { Task, taskSpawn, taskFork, taskExit, taskExec, findTask, taskMigrateCpu, forEachTask } from './task.js';
export {
  taskLookupMissing,
  taskCreateFiles,
  taskUnlinkFiles,
  taskOpenFiles,
  taskCloseFiles,
  taskSocket,
  taskCloseSockets,
  objectCacheName,
  taskKmalloc,
  taskKfree,
  taskCacheAlloc,
  taskCacheFree,
  taskAnonFault,
  taskAnonFree,
  taskPagecacheRead,
  taskPagecacheWrite,
  taskInotify,
  taskPipe,
  taskSignalfd,
  FS_INODE_CACHES,
} from './activity.js';
export type { FsName, PagecacheOptions, PagecacheWriteOptions } from './activity.js';
export { taskCreateFile, taskUnlink } from './namei.js';
export type { DiskFsName } from './namei.js';
export { taskClose } from './file_table.js';
export { taskEpoll, taskEpollCtl } from './eventpoll.js';
export { taskTimerfd } from './timerfd.js';
export { taskEventfd } from './eventfd.js';
export { taskMemfd } from './shmem.js';
export { taskProcRead } from './seq_file.js';

// reclaim
export { dropCaches } from './vmscan.js';

// invariants
export { checkInvariants } from './invariants.js';
