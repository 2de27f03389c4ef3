/**
 * Pages (drgn.helpers.linux.mm): struct page views over the page allocator's blocks, address
 * conversions between pfn, struct page and the direct map, and page flags. A pfn outside every
 * allocated block is a free page (flags 0).
 */
import { PAGE_OFFSET, STRUCT_PAGE_SIZE, VMEMMAP_START, pfnToPageAddress, pfnToVirt } from '../addresses.js';
import { PG } from '../layouts.js';
import { PageKind } from '../kernel_internals.js';
import { pageKindName } from '../snapshot.js';
import type { Program, SlabView } from '../program.js';

/** PG_* flags of a head page of each kind (and of every page of an order-0 block). */
export function pageFlagsOfKind(kind: number, order: number): number {
  let f = 0;
  switch (kind) {
    case PageKind.SlabReclaimable:
    case PageKind.SlabUnreclaimable:
      f = 1 << PG.PG_slab;
      break;
    case PageKind.Anon:
      f = (1 << PG.PG_lru) | (1 << PG.PG_swapbacked) | (1 << PG.PG_uptodate);
      break;
    case PageKind.File:
      f = (1 << PG.PG_lru) | (1 << PG.PG_uptodate) | (1 << PG.PG_referenced);
      break;
    case PageKind.Reserved:
      f = 1 << PG.PG_reserved;
      break;
    default:
      f = 0;
  }
  if (order > 0 && kind !== PageKind.Free) f |= 1 << PG.PG_head;
  return f;
}

/** Index of the block containing `pfn`, or -1 (free memory). Blocks are sorted by pfn. */
export function blockOfPfn(prog: Program, pfn: number): number {
  const b = prog.snap.blocks;
  let lo = 0;
  let hi = b.count - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (b.pfn[mid] <= pfn) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0 || pfn >= b.pfn[found] + (1 << b.order[found])) return -1;
  return found;
}

/** A struct page. */
export class PageView {
  constructor(
    readonly prog: Program,
    readonly pfn: number,
    /** block index, -1 for a free page */
    readonly block: number,
  ) {}
  /** struct page * */
  get address(): bigint {
    return pfnToPageAddress(this.pfn);
  }
  /** page_to_virt */
  get virt(): bigint {
    return pfnToVirt(this.prog.pageSize, this.pfn);
  }
  get kind(): string {
    return this.block < 0 ? 'free' : pageKindName(this.prog.snap.blocks.kind[this.block]);
  }
  /** pfn of the compound head (this pfn for order-0 and free pages) */
  get headPfn(): number {
    return this.block < 0 ? this.pfn : this.prog.snap.blocks.pfn[this.block];
  }
  get isHead(): boolean {
    return this.block >= 0 && this.headPfn === this.pfn && this.prog.snap.blocks.order[this.block] > 0;
  }
  get isTail(): boolean {
    return this.block >= 0 && this.headPfn !== this.pfn;
  }
  /** page->flags (PG_* bits); tail pages carry none */
  get flags(): number {
    if (this.block < 0 || this.isTail) return 0;
    const b = this.prog.snap.blocks;
    return pageFlagsOfKind(b.kind[this.block], b.order[this.block]);
  }
  /** compound order of the block (on every page of it) */
  get order(): number {
    return this.block < 0 ? 0 : this.prog.snap.blocks.order[this.block];
  }
  /** css id the page is charged to (0 = none; slab pages are never charged per page) */
  get memcgId(): number {
    return this.block < 0 ? 0 : this.prog.snap.blocks.memcg[this.block];
  }
  /** The slab whose head this page is (or belongs to), if it is a slab page. */
  get slab(): SlabView | null {
    if (this.block < 0) return null;
    const kind = this.prog.snap.blocks.kind[this.block];
    if (kind !== PageKind.SlabReclaimable && kind !== PageKind.SlabUnreclaimable) return null;
    const row = slabRowAtPfn(this.prog, this.headPfn);
    return row >= 0 ? this.prog.slabAt(row) : null;
  }
}

function slabRowAtPfn(prog: Program, pfn: number): number {
  const p = prog.snap.slabs.pfn;
  let lo = 0;
  let hi = prog.snap.slabs.count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (p[mid] === pfn) return mid;
    if (p[mid] < pfn) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** min_low_pfn and max_pfn (exclusive). */
export function pfnRange(prog: Program): { minLowPfn: number; maxPfn: number } {
  return { minLowPfn: 0, maxPfn: prog.snap.totalPages };
}

/** for_each_page: every struct page from min_low_pfn to max_pfn. */
export function* forEachPage(prog: Program): Iterable<PageView> {
  const b = prog.snap.blocks;
  let blk = 0;
  for (let pfn = 0; pfn < prog.snap.totalPages; pfn++) {
    while (blk < b.count && b.pfn[blk] + (1 << b.order[blk]) <= pfn) blk++;
    const inside = blk < b.count && b.pfn[blk] <= pfn;
    yield new PageView(prog, pfn, inside ? blk : -1);
  }
}

export function pfnToPage(prog: Program, pfn: number): PageView {
  if (!Number.isInteger(pfn) || pfn < 0 || pfn >= prog.snap.totalPages) throw new RangeError(`pfn ${pfn} outside [0, ${prog.snap.totalPages})`);
  return new PageView(prog, pfn, blockOfPfn(prog, pfn));
}

/** page_to_pfn of a struct page address. */
export function pageToPfn(addr: bigint): number {
  return Number((addr - VMEMMAP_START) / BigInt(STRUCT_PAGE_SIZE));
}

/** virt_to_pfn of a direct-map address. */
export function virtToPfn(prog: Program, addr: bigint): number {
  return Number((addr - PAGE_OFFSET) / BigInt(prog.pageSize));
}

export function virtToPage(prog: Program, addr: bigint): PageView {
  return pfnToPage(prog, virtToPfn(prog, addr));
}

export function pageToVirt(page: PageView): bigint {
  return page.virt;
}

export function PageSlab(page: PageView): boolean {
  return (page.flags & (1 << PG.PG_slab)) !== 0;
}

export function PageHead(page: PageView): boolean {
  return page.isHead;
}

export function PageTail(page: PageView): boolean {
  return page.isTail;
}

export function compoundHead(page: PageView): PageView {
  return page.isTail ? new PageView(page.prog, page.headPfn, page.block) : page;
}

export function compoundOrder(page: PageView): number {
  return page.isHead ? page.order : 0;
}

/** 'PG_slab|PG_head' */
export function decodePageFlags(page: PageView): string {
  const names: string[] = [];
  const f = page.flags;
  for (const [name, bit] of Object.entries(PG)) if (name !== '__NR_PAGEFLAGS' && f & (1 << bit)) names.push(name);
  return names.join('|');
}
