/**
 * Global and per-node memory statistics (/proc/meminfo, /proc/vmstat, node meminfo), read from
 * the page allocator's per-kind page counts: Slab is always a count of whole slab pages, whatever
 * the controller.
 */
import type { Kernel } from './kernel.js';
import type { MemInfo, NodeMemInfo, VmEvents } from './types.js';
import { PageKind } from './page_alloc.js';

export class VmState {
  readonly kernelStackKb: Float64Array;
  /** NR_SHMEM per node: shmem (tmpfs, memfd) pages, part of the file pages */
  readonly shmemPages: Float64Array;
  constructor(nrNodes: number) {
    this.kernelStackKb = new Float64Array(nrNodes);
    this.shmemPages = new Float64Array(nrNodes);
  }
}

export function emptyVmEvents(): VmEvents {
  return { pgpgin: 0, pgalloc: 0, pgfree: 0, pgfault: 0, pgscan: 0, pgsteal: 0, slabsScanned: 0, dropPagecache: 0, dropSlab: 0, oomKill: 0 };
}

export function nodeMeminfo(k: Kernel, nid: number): NodeMemInfo {
  const c = k.pages.counts[nid];
  const range = k.pages.nodes[nid];
  if (!c || !range) throw new RangeError(`no node ${nid}`);
  const total = range.endPfn - range.startPfn - c[PageKind.Reserved];
  const anon = c[PageKind.Anon];
  const file = c[PageKind.File];
  // shmem pages are file pages (Cached) on the anon LRU
  const shmem = k.vm.shmemPages[nid];
  return {
    nid,
    totalPages: total,
    freePages: c[PageKind.Free],
    anonPages: anon,
    filePages: file,
    activeAnon: 0,
    inactiveAnon: anon + shmem,
    activeFile: 0,
    inactiveFile: file - shmem,
    shmemPages: shmem,
    mappedPages: 0,
    slabReclaimablePages: c[PageKind.SlabReclaimable],
    slabUnreclaimablePages: c[PageKind.SlabUnreclaimable] + c[PageKind.KmallocLarge],
    kernelStackKb: k.vm.kernelStackKb[nid],
    pageTablePages: c[PageKind.PageTable],
    percpuPages: c[PageKind.Percpu],
  };
}

/** min_free_kbytes = sqrt(lowmem_kbytes * 16), clamped to [128, 65536] (init_per_zone_wmark_min). */
function watermarks(k: Kernel, managedPages: number): { low: number; high: number } {
  const kb = (managedPages * k.pageSize) / 1024;
  const minFreeKb = Math.min(65536, Math.max(128, Math.floor(Math.sqrt(kb * 16))));
  const min = Math.floor((minFreeKb * 1024) / k.pageSize);
  // watermark_scale_factor 10 (0.1 % of managed memory)
  const tmp = Math.max(Math.floor(min / 4), Math.floor((managedPages * 10) / 10000));
  return { low: min + tmp, high: min + 2 * tmp };
}

export function meminfo(k: Kernel): MemInfo {
  const sum = nodeMeminfo(k, 0) as MemInfo & { nid?: number };
  const out: MemInfo = { ...sum, availablePages: 0, committedPages: 0, vmallocUsedPages: 0, wmarkLowPages: 0 };
  delete (out as { nid?: number }).nid;
  for (let nid = 1; nid < k.config.nrNodes; nid++) {
    const n = nodeMeminfo(k, nid);
    for (const key of Object.keys(n) as Array<keyof NodeMemInfo>) {
      if (key !== 'nid') (out as unknown as Record<string, number>)[key] += n[key];
    }
  }
  const wm = watermarks(k, out.totalPages);
  out.wmarkLowPages = wm.low;
  // si_mem_available()
  let available = out.freePages - wm.high;
  let pagecache = out.activeFile + out.inactiveFile;
  pagecache -= Math.min(Math.floor(pagecache / 2), wm.low);
  available += pagecache;
  const reclaimable = out.slabReclaimablePages;
  available += reclaimable - Math.min(Math.floor(reclaimable / 2), wm.low);
  out.availablePages = Math.max(0, available);
  let committed = 0;
  for (const t of k.tasks.values()) if (t.leader === t && t.mm) committed += t.mm.anon.length + COMMIT_PER_MM_PAGES(k);
  out.committedPages = committed;
  out.vmallocUsedPages = k.pages.count(PageKind.KernelStack) + k.pages.count(PageKind.Vmalloc);
  return out;
}

/** Private writable mappings a small process commits beyond its touched anon pages (data, stack, heap reservations). */
function COMMIT_PER_MM_PAGES(k: Kernel): number {
  return Math.ceil((4 * 1024 * 1024) / k.pageSize);
}

export function vmEvents(k: Kernel): VmEvents {
  return { ...k.vmEvents, pgalloc: k.pages.nrAllocs, pgfree: k.pages.nrFrees };
}
