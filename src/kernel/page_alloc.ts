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
   * true number of blocks per order). Each stack is an Int32Array, doubled when full, whose
   * depth is in freeTop.
   */
  private freeLists: Int32Array[][];
  private freeTop: Int32Array[];
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
  /** order-0 pages cached per node (per_cpu_pages): a stack per node, its depth in pcpLen */
  private pcp: Int32Array[] = [];
  private pcpLen: Int32Array;

  constructor(totalPages: number, nrNodes: number) {
    this.totalPages = totalPages;
    this.kind = new Uint8Array(totalPages);
    this.slabPlus1 = new Int32Array(totalPages);
    this.memcgId = new Int32Array(totalPages);
    this.headOrder = new Int8Array(totalPages).fill(-1);
    this.freeOrder = new Int8Array(totalPages).fill(-1);
    this.nodes = [];
    this.freeLists = [];
    this.freeTop = [];
    this.freeCount = [];
    this.counts = [];
    this.pcpLen = new Int32Array(nrNodes);
    const per = Math.floor(totalPages / nrNodes);
    for (let nid = 0; nid < nrNodes; nid++) {
      const start = nid * per;
      const end = nid === nrNodes - 1 ? totalPages : start + per;
      this.nodes.push({ nid, startPfn: start, endPfn: end });
      this.freeLists.push(Array.from({ length: MAX_ORDER }, () => new Int32Array(16)));
      this.freeTop.push(new Int32Array(MAX_ORDER));
      this.freeCount.push(new Int32Array(MAX_ORDER));
      this.counts.push(new Float64Array(NR_PAGE_KINDS));
      this.pcp.push(new Int32Array(PCP_HIGH + 1));
      // PFN 0 never reaches the buddy allocator (memblock reserves the first page on x86): the
      // model needs it too, since a zero address or PFN stands for "none" throughout the kernel
      let pfn = start;
      if (pfn === 0) {
        this.kind[0] = PageKind.Reserved;
        this.headOrder[0] = 0;
        this.counts[nid][PageKind.Reserved] = 1;
        pfn = 1;
      }
      // carve the node into maximal aligned blocks
      while (pfn < end) {
        let order = MAX_ORDER - 1;
        while (order > 0 && (pfn % (1 << order) !== 0 || pfn + (1 << order) > end)) order--;
        this.pushFree(nid, pfn, order);
        pfn += 1 << order;
      }
      this.counts[nid][PageKind.Free] = end - start - this.counts[nid][PageKind.Reserved];
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
    const nodes = this.nodes;
    for (let i = 0; i < nodes.length; i++) if (pfn < nodes[i].endPfn) return i;
    return nodes.length - 1;
  }

  private pushFree(nid: number, pfn: number, order: number): void {
    this.freeOrder[pfn] = order;
    const top = this.freeTop[nid];
    let stack = this.freeLists[nid][order];
    const depth = top[order];
    if (depth === stack.length) {
      const grown = new Int32Array(depth * 2);
      grown.set(stack);
      this.freeLists[nid][order] = stack = grown;
    }
    stack[depth] = pfn;
    top[order] = depth + 1;
    this.freeCount[nid][order]++;
  }

  private takeFree(nid: number, pfn: number, order: number): void {
    this.freeOrder[pfn] = -1;
    this.freeCount[nid][order]--;
    const top = this.freeTop[nid];
    const depth = top[order];
    // compact a stack that is mostly stale entries, in place (keeping the order)
    if (depth > 64 && depth > 4 * this.freeCount[nid][order]) {
      const stack = this.freeLists[nid][order];
      const freeOrder = this.freeOrder;
      let w = 0;
      for (let r = 0; r < depth; r++) {
        const p = stack[r];
        if (freeOrder[p] === order) stack[w++] = p;
      }
      top[order] = w;
    }
  }

  /** Allocates 2^order pages on `nid` (falling back to other nodes); -1 when memory is exhausted. */
  alloc(order: number, nid: number, kind: PageKind): number {
    for (let i = 0; i < this.nodes.length; i++) {
      const n = (nid + i) % this.nodes.length;
      let pfn = this.allocOnNode(order, n);
      if (pfn < 0 && this.pcpLen[n]) {
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
      if (this.pcpLen[nid] === 0) this.pcpRefill(nid);
      const len = this.pcpLen[nid];
      if (len === 0) return -1;
      this.pcpLen[nid] = len - 1;
      return this.pcp[nid][len - 1];
    }
    return this.buddyAlloc(order, nid);
  }

  /** rmqueue_bulk: refills an empty per-CPU list with a batch from the buddy lists. */
  private pcpRefill(nid: number): void {
    const pcp = this.pcp[nid];
    let len = 0;
    for (; len < PCP_BATCH; len++) {
      const pfn = this.buddyAlloc(0, nid);
      if (pfn < 0) break;
      pcp[len] = pfn;
    }
    this.pcpLen[nid] = len;
  }

  /**
   * alloc_pages_bulk: `nr` order-0 pages of `kind` on node `nid`, written to `out` from index
   * `at` and, unless `memcgId` is 0, charged to that memcg id — the same pages in the same order
   * as `nr` calls of alloc(0, nid, kind), with the counters updated once. The caller makes sure
   * the node has them (nr <= nrFreeOnNode(nid)), so nothing falls back to another node.
   */
  allocBulk(nid: number, kind: PageKind, nr: number, out: Int32Array, at: number, memcgId: number): void {
    const pcp = this.pcp[nid];
    const kinds = this.kind;
    const headOrder = this.headOrder;
    const owner = this.memcgId;
    let len = this.pcpLen[nid];
    for (let i = at; i < at + nr; i++) {
      if (len === 0) {
        this.pcpRefill(nid);
        len = this.pcpLen[nid];
        if (len === 0) throw new Error(`allocBulk: node ${nid} ran out of pages`);
      }
      const pfn = pcp[--len];
      kinds[pfn] = kind;
      headOrder[pfn] = 0;
      if (memcgId) owner[pfn] = memcgId;
      out[i] = pfn;
    }
    this.pcpLen[nid] = len;
    const c = this.counts[nid];
    c[PageKind.Free] -= nr;
    c[kind] += nr;
    this.nrAllocs += nr;
  }

  /** Free pages of node `nid` (buddy blocks and per-CPU lists). */
  nrFreeOnNode(nid: number): number {
    return this.counts[nid][PageKind.Free];
  }

  private buddyAlloc(order: number, nid: number): number {
    const counts = this.freeCount[nid];
    let o = order;
    while (o < MAX_ORDER && counts[o] === 0) o++;
    if (o === MAX_ORDER) return -1;
    const stack = this.freeLists[nid][o];
    const top = this.freeTop[nid];
    let depth = top[o];
    let pfn = stack[--depth];
    // skip entries of blocks that were taken for merging (and duplicates of re-freed ones)
    while (this.freeOrder[pfn] !== o) pfn = stack[--depth];
    top[o] = depth;
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
      this.pcpPush(nid, pfn);
      return;
    }
    this.buddyFree(pfn, order, nid);
  }

  /** An order-0 page onto its node's per-CPU list; over pcp->high the oldest batch goes to the buddy lists. */
  private pcpPush(nid: number, pfn: number): void {
    const pcp = this.pcp[nid];
    let len = this.pcpLen[nid];
    pcp[len++] = pfn;
    if (len > PCP_HIGH) {
      // free_pcppages_bulk
      for (let i = 0; i < PCP_BATCH; i++) this.buddyFree(pcp[i], 0, nid);
      pcp.copyWithin(0, PCP_BATCH, len);
      len -= PCP_BATCH;
    }
    this.pcpLen[nid] = len;
  }

  /**
   * release_pages / free_unref_page_list: frees the order-0 pages `pfns[0..nr)` — the same
   * result, page by page and in that order, as `nr` calls of free(pfn, 0), with the counters
   * updated once. The memcg ids the pages were charged to go to `runs` as (id, number of
   * pages) pairs, one per run of consecutive pages charged to the same memcg (id 0 left out).
   */
  freeBulk(pfns: ArrayLike<number>, nr: number, runs: number[]): void {
    const nodes = this.nodes;
    const nrNodes = nodes.length;
    const kinds = this.kind;
    const memcgId = this.memcgId;
    const headOrder = this.headOrder;
    const firstEnd = nodes[0].endPfn;
    let runId = 0;
    let runNr = 0;
    for (let i = 0; i < nr; i++) {
      const pfn = pfns[i];
      const id = memcgId[pfn];
      if (id !== runId) {
        if (runId) runs.push(runId, runNr);
        runId = id;
        runNr = 0;
      }
      runNr++;
      const nid = nrNodes === 1 || pfn < firstEnd ? 0 : this.nodeOf(pfn);
      const c = this.counts[nid];
      const kind = kinds[pfn];
      c[kind] -= 1;
      c[PageKind.Free] += 1;
      kinds[pfn] = PageKind.Free;
      // only slab pages have a slab id to clear (order-0 slabs; the array stays untouched otherwise)
      if (kind === PageKind.SlabReclaimable || kind === PageKind.SlabUnreclaimable) this.slabPlus1[pfn] = 0;
      memcgId[pfn] = 0;
      headOrder[pfn] = -1;
      this.pcpPush(nid, pfn);
    }
    if (runId) runs.push(runId, runNr);
    this.nrFrees += nr;
  }

  /** drain_all_pages: every per-CPU list back to the buddy lists. */
  drainPcp(): void {
    for (let nid = 0; nid < this.pcp.length; nid++) {
      const pcp = this.pcp[nid];
      const len = this.pcpLen[nid];
      this.pcpLen[nid] = 0;
      for (let i = 0; i < len; i++) this.buddyFree(pcp[i], 0, nid);
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
