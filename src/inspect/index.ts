/**
 * The inspection API: a drgn-like, read-only view of a simulated kernel's snapshot. Scripts
 * import from here (explicit re-exports, so the surface can be reviewed).
 *
 *   const prog = programFromKernel(k);                     // or openProgram(parseSnapshot(text))
 *   for (const s of forEachSlabCache(prog)) ...
 *   const memcg = cgroupGetFromPath(prog, '/a');
 *   for (const o of memcgObjcgs(memcg!)) ...
 */
export { takeSnapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, PAGE_KIND_NAMES, STAT_NAMES, COUNTER_NAMES } from './snapshot.js';
export type { Snapshot, SlabRows, CacheRows, CgroupRows, ObjcgRows, TaskRows, PageBlockRows, StockRows, CounterName } from './snapshot.js';
export { serializeSnapshot, parseSnapshot, renderSnapshotFile, readSnapshotFromMount, SNAPSHOT_FILE_PATH, SNAPSHOT_FILE_MODE } from './snapshot_file.js';
export { verifySnapshot } from './verify.js';
export { Program, openProgram, programFromKernel, KmemCacheView, SlabView, MemCgroupView, ObjCgroupView, TaskView } from './program.js';
export type { SlabState } from './program.js';
export { PAGE_OFFSET, VMEMMAP_START, SYNTH_BASE, KDATA_BASE, AddressMap, directAddress, pfnToVirt, pfnToPageAddress } from './addresses.js';
export { PROFILES, defaultProfile, layoutRegistry, layoutJson, LayoutRegistry } from './layouts.js';
export type { Profile } from './layouts.js';
export { kdataSymbols, kdataSymbolAddress } from './symbols.js';
export { writeDrgnImage, ImageBuilder, freePointerOffset, CORE_FILE, META_FILE } from './image.js';
export type { ImageMeta, ImageResult } from './image.js';
export {
  forEachSlabCache,
  findSlabCache,
  slabCacheIsMerged,
  forEachSlab,
  slabCacheForEachAllocatedObject,
  slabObjectInfo,
  findContainingSlabCache,
  slabCacheObjectsPerSlab,
  slabCacheOrder,
  slabCachePagesPerSlab,
  slabCacheUsage,
  slubGetSlabinfo,
} from './helpers/slab.js';
export type { SlabObjectInfo, SlabCacheUsage, SlabinfoRow } from './helpers/slab.js';
export {
  PageView,
  forEachPage,
  pfnToPage,
  pageToPfn,
  virtToPfn,
  virtToPage,
  pageToVirt,
  PageSlab,
  PageHead,
  PageTail,
  compoundHead,
  compoundOrder,
  decodePageFlags,
  pfnRange,
} from './helpers/mm.js';
export {
  rootMemCgroup,
  cssForEachChild,
  cssForEachDescendantPre,
  forEachMemCgroup,
  memCgroupFromCss,
  cgroupParent,
  cgroupName,
  cgroupPath,
  cgroupGetFromPath,
  cgroupFromIno,
} from './helpers/cgroup.js';
export type { CssIterOptions } from './helpers/cgroup.js';
export {
  forEachObjCgroup,
  memcgObjcgs,
  objCgroupMemcg,
  slabObjcgs,
  slabObjectObjcg,
  memCgroupFromObj,
  memcgKmemCaches,
  kmemCacheRoot,
  kmemCacheMemcg,
  kmemCacheChildren,
  memcgCssRefs,
  objcgRefs,
  objcgObjectCounts,
} from './helpers/memcg.js';
export type { CssRefs, ObjcgRefs } from './helpers/memcg.js';
export { forEachTask, findTask } from './helpers/pid.js';
export { ScriptError, parseScriptArgs } from './script.js';
export type { InspectScript, ScriptContext } from './script.js';
