/**
 * Reclaim. Memcg reclaim (limits, memory.high, force_empty) walks the memcg's subtree — dying
 * descendants included, since they still hold pages — and, at falling priorities (DEF_PRIORITY
 * 12 to 0), evicts the oldest page-cache pages and runs the memcg-aware dcache shrinker over
 * each memcg's dentry LRU, until the target is met. Anonymous memory is not reclaimable (no
 * swap is modelled). drop_caches runs the page-cache invalidation and the slab shrinkers
 * globally.
 */
import type { Kernel } from './kernel.js';
import type { MemCgroup } from './cgroup.js';
import { fail } from './errno.js';
import { shrinkDcacheLru, spliceDentryLru } from './dcache.js';
import { memcgMemoryEvent, unchargePageFrom } from './memcontrol.js';
import { Stat } from './memcg_stat.js';
import { kmemCacheFree } from './slab_alloc.js';
import { lruEntryStale, mappingPageEvicted } from './filemap.js';
import { xfsReclaimInodes } from './xfs.js';

const DEF_PRIORITY = 12;
const SWAP_CLUSTER_MAX = 32;
/** DEFAULT_SEEKS: shrinkers scan (freeable >> priority) * 4 / seeks objects. */
const DEFAULT_SEEKS = 2;
const XA_CHUNK_SIZE = 64;

function subtree(memcg: MemCgroup): MemCgroup[] {
  const out: MemCgroup[] = [];
  const stack = [memcg];
  while (stack.length) {
    const m = stack.pop()!;
    out.push(m);
    for (const c of m.children) stack.push(c);
  }
  return out;
}

function fileLruSize(m: MemCgroup): number {
  return m.fileLru.length - m.fileLruHead - m.nrFileLruDead;
}

/** Evicts up to `nr` of the oldest page-cache pages of one memcg's LRU; returns pages freed. */
function shrinkFileLru(k: Kernel, m: MemCgroup, nr: number, cpu: number): number {
  let freed = 0;
  while (freed < nr && m.fileLruHead < m.fileLru.length) {
    const pfn = m.fileLru[m.fileLruHead++];
    // the entry of a page a truncate already deleted
    if (m.nrFileLruDead > 0 && lruEntryStale(m, pfn)) {
      m.nrFileLruNamedConsumed++;
      continue;
    }
    const heads = k.pageBuffers.get(pfn);
    if (heads) {
      // try_to_free_buffers / iomap_page_release: the page's private objects go with it
      for (const a of heads) kmemCacheFree(k, a, cpu);
      k.pageBuffers.delete(pfn);
    }
    const id = k.pages.memcgId[pfn];
    k.pages.free(pfn, 0);
    if (id) {
      const owner = k.memcgById.get(id)!;
      owner.stat[Stat.File] -= k.pageSize;
      owner.stat[Stat.InactiveFile] -= k.pageSize;
      owner.stat[Stat.Pgsteal] += 1;
      owner.stat[Stat.Pgscan] += 1;
      unchargePageFrom(k, owner, 1, false);
    }
    k.vmEvents.pgsteal++;
    k.vmEvents.pgscan++;
    freed++;
    const mapping = k.pageMapping.size > 0 ? k.pageMapping.get(pfn) : undefined;
    if (mapping) {
      // a named file's page: its radix tree nodes are the file's
      m.nrFileLruMapped--;
      m.nrFileLruNamedConsumed++;
      mappingPageEvicted(k, mapping, pfn, cpu);
      continue;
    }
    const remaining = fileLruSize(m) - m.nrFileLruMapped;
    if (remaining % XA_CHUNK_SIZE === 0 && m.radixNodes.length > Math.ceil(remaining / XA_CHUNK_SIZE)) {
      kmemCacheFree(k, m.radixNodes.pop()!, cpu);
    }
  }
  if (m.fileLruHead > 4096 && m.fileLruHead * 2 > m.fileLru.length) {
    m.fileLru.splice(0, m.fileLruHead);
    m.fileLruWriteCursor = Math.max(0, m.fileLruWriteCursor - m.fileLruHead);
    m.nrFileLruNamedEntries -= m.nrFileLruNamedConsumed;
    m.nrFileLruNamedConsumed = 0;
    m.fileLruHead = 0;
  }
  return freed;
}

/**
 * Effective memory.min / memory.low of every memcg below `root` for a reclaim started at `root`
 * (mem_cgroup_protected / effective_protection of 5.9, without memory_recursiveprot): a child of
 * the reclaim root gets its own setting; deeper, its protected usage min(usage, setting), scaled
 * down when the siblings together claim more than the parent's effective protection.
 */
function effectiveProtection(root: MemCgroup): Map<MemCgroup, { emin: number; elow: number }> {
  const out = new Map<MemCgroup, { emin: number; elow: number }>();
  const visit = (parent: MemCgroup, pEmin: number, pElow: number, top: boolean) => {
    let sibMin = 0;
    let sibLow = 0;
    for (const c of parent.children) {
      sibMin += Math.min(c.memory.usage, c.memory.min);
      sibLow += Math.min(c.memory.usage, c.memory.low);
    }
    for (const c of parent.children) {
      let emin: number;
      let elow: number;
      if (top) {
        emin = c.memory.min;
        elow = c.memory.low;
      } else {
        emin = Math.min(c.memory.usage, c.memory.min);
        if (sibMin > pEmin && sibMin > 0) emin = (emin * pEmin) / sibMin;
        elow = Math.min(c.memory.usage, c.memory.low);
        if (sibLow > pElow && sibLow > 0) elow = (elow * pElow) / sibLow;
      }
      out.set(c, { emin, elow });
      visit(c, emin, elow, false);
    }
  };
  visit(root, Infinity, Infinity, true);
  return out;
}

/**
 * try_to_free_mem_cgroup_pages: reclaims from `memcg`'s subtree at falling priorities, each
 * memcg's scan target reduced in proportion to its protection (memory.min always; memory.low
 * unless a first pass found nothing else to reclaim — then `low` events are counted).
 * Returns the number of pages uncharged from `memcg`.
 */
export function tryToFreeMemcgPages(k: Kernel, memcg: MemCgroup, nrPages: number, cpu = 0): number {
  const target = Math.max(nrPages, SWAP_CLUSTER_MAX);
  const before = memcg.memory.usage;
  const members = subtree(memcg);
  const prot = effectiveProtection(memcg);
  let progress = 0;
  // Departure: freed slab objects count toward the target by their bytes. The kernel counts
  // only slab pages that shrinkers free (reclaim_state), and since dentries are freed after an
  // RCU grace period, reclaim there stops near the target with the rest still in flight; the
  // model frees synchronously, so it credits the objects instead, with the same outcome:
  // reclaim stops around the target rather than emptying every LRU.
  let slabBytes = 0;
  const done = () => before - memcg.memory.usage + Math.floor(slabBytes / k.pageSize) >= target;
  for (let pass = 0; pass < 2 && progress === 0; pass++) {
    const lowReclaim = pass === 1;
    for (let priority = DEF_PRIORITY; priority >= 0; priority--) {
      for (const m of members) {
        const p = prot.get(m);
        const usage = m.memory.usage;
        let protection = 0;
        if (p) {
          if (usage <= p.emin) continue;
          if (!lowReclaim && usage <= p.elow) continue;
          if (lowReclaim && usage <= p.elow && p.elow > 0 && priority === DEF_PRIORITY) memcgMemoryEvent(m, 'low');
          protection = lowReclaim ? p.emin : Math.max(p.emin, p.elow);
        }
        const files = fileLruSize(m);
        if (files > 0) {
          let size = files;
          if (protection > 0) size = Math.max(0, Math.floor(files - (files * protection) / (usage + 1)));
          // get_scan_count: size >> priority (a dying memcg's small LRU is scanned whole)
          let scan = size >> priority;
          if (scan === 0 && !m.online) scan = Math.min(size, SWAP_CLUSTER_MAX);
          if (scan > 0) progress += shrinkFileLru(k, m, scan, cpu);
        }
        const freeable = m.dentryLru.count;
        if (freeable > 0) {
          const scan = Math.min(freeable, Math.max(1, Math.floor(((freeable >> priority) * 4) / DEFAULT_SEEKS)));
          const { freed, bytes } = shrinkDcacheLru(k, m, scan, cpu);
          k.vmEvents.slabsScanned += freed;
          slabBytes += bytes;
          progress += freed > 0 ? 1 : 0;
        }
      }
      // shrink_node_memcgs visits every memcg of the subtree each round; then the target is checked
      if (done()) break;
    }
  }
  k.generation++;
  const uncharged = before - memcg.memory.usage;
  return Math.max(uncharged, progress > 0 ? 1 : 0);
}

/** At offline: the dead memcg's dentry LRU is spliced onto its parent's. */
export function drainListLruToParent(k: Kernel, memcg: MemCgroup): void {
  if (memcg.parent) spliceDentryLru(k, memcg, memcg.parent);
}

/** /proc/sys/vm/drop_caches. */
export function dropCaches(k: Kernel, mode: number): void {
  if (!Number.isInteger(mode) || mode < 1 || mode > 4) fail('EINVAL');
  const all = subtree(k.rootMemcg);
  if (mode & 1) {
    for (const m of all) shrinkFileLru(k, m, Infinity, 0);
    k.vmEvents.dropPagecache++;
  }
  if (mode & 2) {
    // drop_slab: repeat over every memcg until a pass frees <= 10 objects
    for (;;) {
      let freed = 0;
      for (const m of subtree(k.rootMemcg)) freed += shrinkDcacheLru(k, m, Infinity, 0).freed;
      k.vmEvents.slabsScanned += freed;
      if (freed <= 10) break;
    }
    // super_cache_scan -> xfs_fs_free_cached_objects: XFS's reclaimable inodes
    xfsReclaimInodes(k, 0);
    k.vmEvents.dropSlab++;
  }
  k.generation++;
}
