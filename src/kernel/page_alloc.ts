/**
 * The page allocator: a PFN space split into NUMA nodes, a buddy allocator per node (free blocks
 * are kept as block heads per order, never one record per free page), page counts by kind per
 * node (the source of /proc/meminfo and vmstat), and per-PFN ownership: what a page is used
 * for, which slab it belongs to, and which memcg it is charged to (for /proc/kpagecgroup and
 * /proc/kpageflags).
 */
import type { Kernel } from './kernel.js';
import { fail } from './errno.js';

export const MAX_ORDER = 11; // orders 0..10, as the kernel's buddy allocator

/** What an allocated page is used for. */
export const enum PageKind {
  Free = 0,
  SlabReclaimable = 1,
  SlabUnreclaimable = 2,
  KernelStack = 3,
  PageTable = 4,
  Anon = 5,
  File = 6,
  Percpu = 7,
  KmallocLarge = 8,
  Reserved = 9,
  Vmalloc = 10,
}
export const NR_PAGE_KINDS = 11;

/**
 * Per-CPU page lists (struct per_cpu_pages) for order-0 pages, kept here per node: zone_batchsize()
 * of a multi-GiB zone gives batch 63, and pcp->high is 6 * batch. Pages on these lists are free
 * (counted in MemFree here) but not buddy pages.
 */
const PCP_BATCH = 63;
const PCP_HIGH = 6 * PCP_BATCH;

export interface NodeRange {
  nid: number;
  startPfn: number;
  endPfn: number;
}

export class PageAllocator {
  readonly totalPages: number;
  readonly nodes: NodeRange[];
  /**
   * Free block heads per node per order, as stacks with lazy deletion: a block taken out for
   * merging only clears its freeOrder entry and is skipped when it surfaces (freeCount keeps the
   * true number of blocks per order).
   */
  private freeLists: number[][][];
  private freeCount: Int32Array[];
  /** order of a free block at its head PFN, -1 otherwise. */
  private freeOrder: Int8Array;
  /** PageKind of each allocated page (head and tail pages alike). */
  readonly kind: Uint8Array;
  /**
   * slab id + 1 for every page of a slab, 0 otherwise (zero means "none" so that the array
   * needs no initial fill: pages of it that are never touched cost no memory). Use slabOf().
   */
  private readonly slabPlus1: Int32Array;
  /** css id of the memcg a non-slab page is charged to (0 = none). */
  readonly memcgId: Int32Array;
  /** order of an allocation at its head PFN (for compound flags), -1 on tails / free. */
  readonly headOrder: Int8Array;
  /** pages by node and kind. */
  readonly counts: Float64Array[];
  nrAllocs = 0;
  nrFrees = 0;
  /** order-0 pages cached per node (per_cpu_pages), as a stack */
  private pcp: number[][] = [];

  constructor(totalPages: number, nrNodes: number) {
    this.totalPages = totalPages;
    this.kind = new Uint8Array(totalPages);
    this.slabPlus1 = new Int32Array(totalPages);
    this.memcgId = new Int32Array(totalPages);
    this.headOrder = new Int8Array(totalPages).fill(-1);
    this.freeOrder = new Int8Array(totalPages).fill(-1);
    this.nodes = [];
    this.freeLists = [];
    this.freeCount = [];
    this.counts = [];
    const per = Math.floor(totalPages / nrNodes);
    for (let nid = 0; nid < nrNodes; nid++) {
      const start = nid * per;
      const end = nid === nrNodes - 1 ? totalPages : start + per;
      this.nodes.push({ nid, startPfn: start, endPfn: end });
      this.freeLists.push(Array.from({ length: MAX_ORDER }, () => [] as number[]));
      this.freeCount.push(new Int32Array(MAX_ORDER));
      this.counts.push(new Float64Array(NR_PAGE_KINDS));
      this.pcp.push([]);
      // carve the node into maximal aligned blocks
      let pfn = start;
      while (pfn < end) {
        let order = MAX_ORDER - 1;
        while (order > 0 && (pfn % (1 << order) !== 0 || pfn + (1 << order) > end)) order--;
        this.pushFree(nid, pfn, order);
        pfn += 1 << order;
      }
      this.counts[nid][PageKind.Free] = end - start;
    }
  }

  /** The slab a page belongs to, -1 if none. */
  slabOf(pfn: number): number {
    return this.slabPlus1[pfn] - 1;
  }

  /** Marks `nr` pages from `pfn` as belonging to `slab`. */
  setSlab(pfn: number, nr: number, slab: number): void {
    this.slabPlus1.fill(slab + 1, pfn, pfn + nr);
  }

  nodeOf(pfn: number): number {
    for (const n of this.nodes) if (pfn < n.endPfn) return n.nid;
    return this.nodes.length - 1;
  }

  private pushFree(nid: number, pfn: number, order: number): void {
    this.freeOrder[pfn] = order;
    this.freeLists[nid][order].push(pfn);
    this.freeCount[nid][order]++;
  }

  private takeFree(nid: number, pfn: number, order: number): void {
    this.freeOrder[pfn] = -1;
    this.freeCount[nid][order]--;
    const stack = this.freeLists[nid][order];
    // compact a stack that is mostly stale entries
    if (stack.length > 64 && stack.length > 4 * this.freeCount[nid][order]) {
      this.freeLists[nid][order] = stack.filter((p) => this.freeOrder[p] === order);
    }
  }

  /** Allocates 2^order pages on `nid` (falling back to other nodes); -1 when memory is exhausted. */
  alloc(order: number, nid: number, kind: PageKind): number {
    for (let i = 0; i < this.nodes.length; i++) {
      const n = (nid + i) % this.nodes.length;
      let pfn = this.allocOnNode(order, n);
      if (pfn < 0 && this.pcp[n].length) {
        // drain_all_pages: give the per-CPU lists back so that blocks can merge, then retry
        this.drainPcp();
        pfn = this.allocOnNode(order, n);
      }
      if (pfn >= 0) {
        const nr = 1 << order;
        if (nr === 1) this.kind[pfn] = kind;
        else this.kind.fill(kind, pfn, pfn + nr);
        this.headOrder[pfn] = order;
        const c = this.counts[n];
        c[PageKind.Free] -= nr;
        c[kind] += nr;
        this.nrAllocs += nr;
        return pfn;
      }
    }
    return -1;
  }

  private allocOnNode(order: number, nid: number): number {
    if (order === 0) {
      const pcp = this.pcp[nid];
      if (pcp.length === 0) {
        // rmqueue_bulk: refill a batch from the buddy lists
        for (let i = 0; i < PCP_BATCH; i++) {
          const pfn = this.buddyAlloc(0, nid);
          if (pfn < 0) break;
          pcp.push(pfn);
        }
      }
      return pcp.length ? pcp.pop()! : -1;
    }
    return this.buddyAlloc(order, nid);
  }

  private buddyAlloc(order: number, nid: number): number {
    const counts = this.freeCount[nid];
    let o = order;
    while (o < MAX_ORDER && counts[o] === 0) o++;
    if (o === MAX_ORDER) return -1;
    const stack = this.freeLists[nid][o];
    let pfn = stack.pop()!;
    // skip entries of blocks that were taken for merging (and duplicates of re-freed ones)
    while (this.freeOrder[pfn] !== o) pfn = stack.pop()!;
    this.freeOrder[pfn] = -1;
    counts[o]--;
    // split down to the requested order, returning upper halves
    while (o > order) {
      o--;
      this.pushFree(nid, pfn + (1 << o), o);
    }
    return pfn;
  }

  /** Frees 2^order pages starting at `pfn`, coalescing buddies. */
  free(pfn: number, order: number): void {
    const nid = this.nodeOf(pfn);
    const nr = 1 << order;
    const c = this.counts[nid];
    const kind = this.kind[pfn];
    c[kind] -= nr;
    c[PageKind.Free] += nr;
    if (nr === 1) {
      this.kind[pfn] = PageKind.Free;
      this.slabPlus1[pfn] = 0;
      this.memcgId[pfn] = 0;
    } else {
      this.kind.fill(PageKind.Free, pfn, pfn + nr);
      this.slabPlus1.fill(0, pfn, pfn + nr);
      this.memcgId.fill(0, pfn, pfn + nr);
    }
    this.headOrder[pfn] = -1;
    this.nrFrees += nr;
    if (order === 0) {
      const pcp = this.pcp[nid];
      pcp.push(pfn);
      // free_pcppages_bulk: over pcp->high, a batch goes back to the buddy lists
      if (pcp.length > PCP_HIGH) for (const p of pcp.splice(0, PCP_BATCH)) this.buddyFree(p, 0, nid);
      return;
    }
    this.buddyFree(pfn, order, nid);
  }

  /** drain_all_pages: every per-CPU list back to the buddy lists. */
  drainPcp(): void {
    for (let nid = 0; nid < this.pcp.length; nid++) {
      for (const p of this.pcp[nid]) this.buddyFree(p, 0, nid);
      this.pcp[nid] = [];
    }
  }

  private buddyFree(pfn: number, order: number, nid: number): void {
    const node = this.nodes[nid];
    let o = order;
    let p = pfn;
    while (o < MAX_ORDER - 1) {
      const buddy = p ^ (1 << o);
      if (buddy < node.startPfn || buddy + (1 << o) > node.endPfn) break;
      if (this.freeOrder[buddy] !== o) break;
      this.takeFree(nid, buddy, o);
      p = Math.min(p, buddy);
      o++;
    }
    this.pushFree(nid, p, o);
  }

  /** Re-labels allocated pages (e.g. a slab page changing reclaimable class never happens; used at boot). */
  count(kind: PageKind): number {
    let s = 0;
    for (const c of this.counts) s += c[kind];
    return s;
  }

  isFreeHead(pfn: number): boolean {
    return this.freeOrder[pfn] >= 0;
  }
}

/** Highest PFN + 1: the size of /proc/kpagecgroup and /proc/kpageflags in u64 entries. */
export function maxPfn(k: Kernel): number {
  return k.pages.totalPages;
}

// include/uapi/linux/kernel-page-flags.h
export const KPF = {
  REFERENCED: 2,
  UPTODATE: 3,
  LRU: 5,
  ACTIVE: 6,
  SLAB: 7,
  BUDDY: 10,
  MMAP: 11,
  ANON: 12,
  SWAPBACKED: 14,
  COMPOUND_HEAD: 15,
  COMPOUND_TAIL: 16,
  NOPAGE: 20,
  RESERVED: 32,
} as const;

function checkRange(k: Kernel, startPfn: number, count: number): number {
  if (!Number.isInteger(startPfn) || startPfn < 0 || !Number.isInteger(count) || count < 0) fail('EINVAL');
  return Math.max(0, Math.min(count, k.pages.totalPages - startPfn));
}

/** /proc/kpagecgroup: the inode of the memcg owning each page (nearest online ancestor), 0 if none. */
export function kpagecgroupRead(k: Kernel, startPfn: number, count: number): BigUint64Array {
  const n = checkRange(k, startPfn, count);
  const out = new BigUint64Array(n);
  const pages = k.pages;
  for (let i = 0; i < n; i++) {
    const pfn = startPfn + i;
    let id = pages.memcgId[pfn];
    if (id === 0) {
      const s = pages.slabOf(pfn);
      if (s >= 0) id = k.kmem.slabPageMemcgId(k, s);
    }
    if (id === 0) continue;
    // page_cgroup_ino: the nearest online ancestor of the owner
    let cg = k.memcgById.get(id);
    while (cg && !cg.online) cg = cg.parent ?? undefined;
    if (cg) out[i] = BigInt(cg.ino);
  }
  return out;
}

/** /proc/kpageflags: KPF_* bits of each page. */
export function kpageflagsRead(k: Kernel, startPfn: number, count: number): BigUint64Array {
  const n = checkRange(k, startPfn, count);
  const out = new BigUint64Array(n);
  const pages = k.pages;
  let tailLeft = 0;
  // find whether startPfn is inside a compound allocation
  for (let back = 1; back < 1 << (MAX_ORDER - 1) && startPfn - back >= 0; back++) {
    const o = pages.headOrder[startPfn - back];
    if (o >= 0) {
      if ((1 << o) > back) tailLeft = (1 << o) - back;
      break;
    }
    if (pages.kind[startPfn - back] === PageKind.Free) break;
  }
  for (let i = 0; i < n; i++) {
    const pfn = startPfn + i;
    let f = 0n;
    const kind = pages.kind[pfn];
    const order = pages.headOrder[pfn];
    if (order >= 0) {
      tailLeft = (1 << order) - 1;
      if (order > 0) f |= 1n << BigInt(KPF.COMPOUND_HEAD);
      f |= headFlags(kind);
    } else if (tailLeft > 0) {
      tailLeft--;
      f |= 1n << BigInt(KPF.COMPOUND_TAIL);
      if (kind === PageKind.Anon || kind === PageKind.File) f |= headFlags(kind);
    } else if (kind === PageKind.Free && pages.isFreeHead(pfn)) {
      f |= 1n << BigInt(KPF.BUDDY);
    }
    out[i] = f;
  }
  return out;
}

function headFlags(kind: number): bigint {
  const bit = (b: number) => 1n << BigInt(b);
  switch (kind) {
    case PageKind.SlabReclaimable:
    case PageKind.SlabUnreclaimable:
      return bit(KPF.SLAB);
    case PageKind.Anon:
      return bit(KPF.ANON) | bit(KPF.LRU) | bit(KPF.MMAP) | bit(KPF.SWAPBACKED) | bit(KPF.UPTODATE);
    case PageKind.File:
      return bit(KPF.LRU) | bit(KPF.UPTODATE) | bit(KPF.REFERENCED);
    case PageKind.Reserved:
      return bit(KPF.RESERVED);
    default:
      return 0n;
  }
}
