/**
 * The page cache (mm/filemap.c, mm/truncate.c). A file's cached pages belong to its address_space
 * together with the radix tree (xarray) nodes that index them: one radix_tree_node per
 * XA_CHUNK_SIZE pages, allocated with __GFP_ACCOUNT (the mapping's XA_FLAGS_ACCOUNT) from the task
 * that adds the page. A page is charged to the memcg of the task that brings it in, and sits on
 * that memcg's file LRU until reclaim evicts it or a truncate (unlink, the last close of a memfd,
 * eviction of its inode) deletes it.
 *
 * Pages of files the model does not name (taskPagecacheRead/Write without a file) have no
 * address_space: their radix tree nodes are counted per memcg LRU instead, as before files had
 * handles. Shmem (tmpfs, memfd) pages are swap-backed: counted as file and shmem, on the anon
 * LRU, never reclaimed (no swap is modelled), freed only by truncation.
 *
 * Truncation cannot unlink a page from the middle of an LRU array cheaply, so it leaves a
 * tombstone: the LRU's stale entries per PFN. Entries of one LRU are in the order their pages
 * were added, so a stale entry always comes before any later entry of a reused PFN, and reclaim
 * drops the first entries of a PFN while it has tombstones.
 */
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import type { MemCgroup } from './cgroup.js';
import { ALLOC_FAILED, kmemCacheAlloc, kmemCacheFree } from './slab_alloc.js';
import { PageKind } from './page_alloc.js';
import { chargePageTo, unchargePageFrom } from './memcontrol.js';
import { Stat } from './memcg_stat.js';

/** Pages per radix_tree_node (XA_CHUNK_SIZE). */
export const XA_CHUNK_SIZE = 64;

/** struct address_space: a file's cached pages and the radix tree nodes indexing them. */
export class AddressSpace {
  /** cached pages (PFNs), in the order they were added */
  readonly pages = new Set<number>();
  /** radix_tree_node objects: one per XA_CHUNK_SIZE pages */
  readonly nodes: number[] = [];
  /** shmem: pages are swap-backed (anon LRU, NR_SHMEM), not on a file LRU */
  readonly swapBacked: boolean;

  constructor(swapBacked: boolean) {
    this.swapBacked = swapBacked;
  }
}

/** The memcg whose LRU holds a page-cache page (the root's for pages charged to nobody). */
export function pageLruOwner(k: Kernel, pfn: number): MemCgroup {
  const id = k.pages.memcgId[pfn];
  return id ? k.memcgById.get(id)! : k.rootMemcg;
}

/**
 * add_to_page_cache_lru of one new page, brought in by `task`: charged to its memcg, counted,
 * indexed in `mapping` (or, for a page of an unnamed file, in its memcg's LRU radix tree nodes).
 * Returns the PFN, or -1 when the charge or the page allocation failed (nothing is left charged).
 */
export function addToPageCache(k: Kernel, task: Task, mapping: AddressSpace | null): number {
  const memcg = task.memcg;
  if (!chargePageTo(k, memcg, 1, { cpu: task.cpu, task }, false)) return -1;
  const pfn = task.exited ? -1 : k.pages.alloc(0, k.cpuNode[task.cpu], PageKind.File);
  if (pfn < 0) {
    unchargePageFrom(k, memcg, 1, false);
    return -1;
  }
  const charged = memcg.parent ? memcg : null;
  k.pages.memcgId[pfn] = charged ? memcg.id : 0;
  const ps = k.pageSize;
  if (mapping && mapping.swapBacked) {
    // shmem_add_to_page_cache + lru_cache_add_anon: NR_FILE_PAGES and NR_SHMEM, anon LRU
    if (charged) {
      charged.stat[Stat.File] += ps;
      charged.stat[Stat.Shmem] += ps;
      charged.stat[Stat.InactiveAnon] += ps;
    }
    k.vm.shmemPages[k.pages.nodeOf(pfn)]++;
  } else {
    if (charged) {
      charged.stat[Stat.File] += ps;
      charged.stat[Stat.InactiveFile] += ps;
    }
    const owner = charged ?? k.rootMemcg;
    owner.fileLru.push(pfn);
    if (mapping) {
      owner.nrFileLruMapped++;
      owner.nrFileLruNamedEntries++;
    } else if ((owner.fileLru.length - owner.nrFileLruNamedEntries) % XA_CHUNK_SIZE === 1) {
      const node = kmemCacheAlloc(k, k.cache('radix_tree_node'), task, true);
      if (node !== ALLOC_FAILED) owner.radixNodes.push(node);
    }
    k.vmEvents.pgpgin++;
  }
  if (mapping) {
    mapping.pages.add(pfn);
    k.pageMapping.set(pfn, mapping);
    if (mapping.pages.size % XA_CHUNK_SIZE === 1) {
      const node = kmemCacheAlloc(k, k.cache('radix_tree_node'), task, true);
      if (node !== ALLOC_FAILED) mapping.nodes.push(node);
    }
  }
  return pfn;
}

/** Frees the radix tree nodes a mapping no longer needs (one per XA_CHUNK_SIZE pages left). */
function trimNodes(k: Kernel, mapping: AddressSpace, cpu: number): void {
  const need = Math.ceil(mapping.pages.size / XA_CHUNK_SIZE);
  while (mapping.nodes.length > need) kmemCacheFree(k, mapping.nodes.pop()!, cpu);
}

/** Reclaim evicted a page of `mapping` (vmscan freed the page itself): it leaves the mapping. */
export function mappingPageEvicted(k: Kernel, mapping: AddressSpace, pfn: number, cpu: number): void {
  mapping.pages.delete(pfn);
  k.pageMapping.delete(pfn);
  trimNodes(k, mapping, cpu);
}

/** Reclaim met an LRU entry: true if it is the stale entry of a truncated page (consumed). */
export function lruEntryStale(m: MemCgroup, pfn: number): boolean {
  const dead = m.fileLruDead;
  const n = dead ? dead.get(pfn) : undefined;
  if (!n) return false;
  if (n === 1) dead!.delete(pfn);
  else dead!.set(pfn, n - 1);
  m.nrFileLruDead--;
  return true;
}

/** delete_from_page_cache + put_page of one page: its buffers, charge and statistics go. */
function deletePage(k: Kernel, mapping: AddressSpace, pfn: number, cpu: number): void {
  const priv = k.pageBuffers.get(pfn);
  if (priv) {
    // try_to_free_buffers / iomap_page_release
    for (const a of priv) kmemCacheFree(k, a, cpu);
    k.pageBuffers.delete(pfn);
  }
  const id = k.pages.memcgId[pfn];
  const memcg = id ? k.memcgById.get(id)! : null;
  const ps = k.pageSize;
  if (mapping.swapBacked) {
    if (memcg) {
      memcg.stat[Stat.File] -= ps;
      memcg.stat[Stat.Shmem] -= ps;
      memcg.stat[Stat.InactiveAnon] -= ps;
    }
    k.vm.shmemPages[k.pages.nodeOf(pfn)]--;
  } else {
    if (memcg) {
      memcg.stat[Stat.File] -= ps;
      memcg.stat[Stat.InactiveFile] -= ps;
    }
    const owner = memcg ?? k.rootMemcg;
    if (!owner.fileLruDead) owner.fileLruDead = new Map();
    owner.fileLruDead.set(pfn, (owner.fileLruDead.get(pfn) ?? 0) + 1);
    owner.nrFileLruDead++;
    owner.nrFileLruMapped--;
  }
  mapping.pages.delete(pfn);
  k.pageMapping.delete(pfn);
  k.pages.free(pfn, 0);
  if (memcg) unchargePageFrom(k, memcg, 1, false);
}

/** truncate_inode_pages: every cached page of the mapping and every radix tree node go. */
export function truncateInodePages(k: Kernel, mapping: AddressSpace, cpu: number): void {
  for (const pfn of [...mapping.pages]) deletePage(k, mapping, pfn, cpu);
  trimNodes(k, mapping, cpu);
}

/** Up to `n` cached pages of `mapping` that have no buffers (or other private data) yet. */
export function mappingPagesWithoutPrivate(k: Kernel, mapping: AddressSpace, n: number): number[] {
  const out: number[] = [];
  for (const pfn of mapping.pages) {
    if (out.length >= n) break;
    if (!k.pageBuffers.has(pfn)) out.push(pfn);
  }
  return out;
}

/**
 * The next cached page of an unnamed file on `m`'s LRU without buffers, oldest first (-1 when
 * none). A cursor remembers how far the LRU was searched: pages behind it have buffers (which stay
 * until the page goes) or belong to named files. An entry is judged by its page, so a stale entry
 * whose PFN is now a live page of this LRU stands for that page.
 */
export function lruNextPageWithoutPrivate(k: Kernel, m: MemCgroup): number {
  const lru = m.fileLru;
  let i = Math.max(m.fileLruWriteCursor, m.fileLruHead);
  for (; i < lru.length; i++) {
    const pfn = lru[i];
    if (k.pages.kind[pfn] !== PageKind.File || pageLruOwner(k, pfn) !== m) continue;
    if (k.pageMapping.has(pfn) || k.pageBuffers.has(pfn)) continue;
    m.fileLruWriteCursor = i + 1;
    return pfn;
  }
  m.fileLruWriteCursor = i;
  return -1;
}
