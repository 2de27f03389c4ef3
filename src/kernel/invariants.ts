/**
 * Invariants that must hold at any moment; tests (and fuzzers) call checkInvariants() after every
 * step. Returns the violations found (empty when all hold). It walks everything, so it is meant
 * for tests, not for hot paths.
 */
import type { Kernel } from './kernel.js';
import type { MemCgroup } from './cgroup.js';
import { NR_PAGE_KINDS, PageKind } from './page_alloc.js';
import { Stat } from './memcg_stat.js';
import { memcgStatHierarchicalRaw } from './memcontrol.js';
import { objFullSize } from './kmem/objcg.js';
import { THREAD_SIZE } from './slab_common.js';
import { forEachCgroup, cgroupPath } from './cgroup.js';
import { AddressSpace, XA_CHUNK_SIZE, pageLruOwner } from './filemap.js';

export function checkInvariants(k: Kernel): string[] {
  const bad: string[] = [];
  const ps = k.pageSize;
  const pages = k.pages;

  // 1. memory adds up: every page of every node is of exactly one kind
  for (const node of pages.nodes) {
    const c = pages.counts[node.nid];
    let sum = 0;
    for (let kind = 0; kind < NR_PAGE_KINDS; kind++) {
      if (c[kind] < 0) bad.push(`node ${node.nid}: negative count of page kind ${kind}`);
      sum += c[kind];
    }
    if (sum !== node.endPfn - node.startPfn) bad.push(`node ${node.nid}: page kinds sum to ${sum}, node has ${node.endPfn - node.startPfn}`);
  }

  // 2. slabs agree with caches and with the page allocator; collect allocated slots
  const t = k.slabs;
  const perCache = new Map<number, { slabs: number; inuse: number }>();
  const slabPagesByKind = new Float64Array(NR_PAGE_KINDS);
  // per slab id: 1 for each free slot (slabs of live caches only); the owners found, slot by slot
  const slabFree: Array<Uint8Array | undefined> = [];
  const slabOwned: Array<Uint8Array | undefined> = [];
  let accountedBytes = 0; // objcg: full sizes of objects with an owner
  let accountedReclaimable = 0;
  const vectorRefs = new Map<number, number>();
  let legacyChargedPages = 0;
  for (let id = 0; id < t.capacity; id++) {
    const links = t.links[id];
    if (!links) continue;
    const s = k.caches[t.cache[id]];
    if (!s) {
      bad.push(`slab ${id} belongs to a destroyed cache`);
      continue;
    }
    const e = perCache.get(s.id) ?? { slabs: 0, inuse: 0 };
    e.slabs++;
    e.inuse += t.inuse[id];
    perCache.set(s.id, e);
    slabPagesByKind[s.pageKind] += 1 << s.order;
    if (t.charged[id]) legacyChargedPages += 1 << s.order;
    const free = new Uint8Array(s.objects);
    let nfree = 0;
    for (let i = t.freeHead[id]; i >= 0; i = links[i]) {
      if (free[i]) {
        bad.push(`slab ${id} (${s.name}): freelist loops`);
        break;
      }
      free[i] = 1;
      nfree++;
    }
    slabFree[id] = free;
    if (nfree + t.inuse[id] !== s.objects) bad.push(`slab ${id} (${s.name}): ${nfree} free + ${t.inuse[id]} in use != ${s.objects}`);
    const vec = t.objcgs[id];
    for (let i = 0; i < s.objects; i++) {
      if (free[i]) {
        if (vec && vec[i]) bad.push(`slab ${id} (${s.name}): free slot ${i} has an obj_cgroup`);
        continue;
      }
      if (vec && vec[i]) {
        accountedBytes += objFullSize(s);
        if (s.reclaimable) accountedReclaimable += objFullSize(s);
        vectorRefs.set(vec[i], (vectorRefs.get(vec[i]) ?? 0) + 1);
      }
    }
  }
  for (const s of k.caches) {
    if (!s || s.destroyed) continue;
    const e = perCache.get(s.id) ?? { slabs: 0, inuse: 0 };
    if (e.slabs !== s.slabCount()) bad.push(`${s.name}: ${e.slabs} slabs found, cache counts ${s.slabCount()}`);
    if (e.inuse !== s.nrAllocated) bad.push(`${s.name}: ${e.inuse} objects in use, cache counts ${s.nrAllocated}`);
    if (s.totalObjectCount() !== s.slabCount() * s.objects) bad.push(`${s.name}: total_objects inconsistent`);
  }
  for (const kind of [PageKind.SlabReclaimable, PageKind.SlabUnreclaimable]) {
    if (slabPagesByKind[kind] !== pages.count(kind)) bad.push(`slab pages of kind ${kind}: slabs hold ${slabPagesByKind[kind]}, page allocator says ${pages.count(kind)}`);
  }

  // 3. every allocated object has exactly one owner
  /** addresses held that are no slot of a live slab */
  const ownedElsewhere = new Set<number>();
  const own = (addr: number, what: string) => {
    if (!addr || addr < 0) return;
    const pfn = Math.floor(addr / ps);
    if (pages.kind[pfn] === PageKind.KmallocLarge) return;
    const slab = pages.slabOf(pfn);
    const free = slab >= 0 ? slabFree[slab] : undefined;
    const s = free ? k.caches[t.cache[slab]] : undefined;
    const idx = s ? (addr - t.pfn[slab] * ps) / s.size : -1;
    if (!free || !s || !Number.isInteger(idx) || idx >= s.objects) {
      if (ownedElsewhere.has(addr)) bad.push(`object ${addr} owned twice (${what})`);
      ownedElsewhere.add(addr);
      bad.push(`${what} holds ${addr}, which is not an allocated object`);
      return;
    }
    let owned = slabOwned[slab];
    if (!owned) slabOwned[slab] = owned = new Uint8Array(s.objects);
    if (owned[idx]) bad.push(`object ${addr} owned twice (${what})`);
    owned[idx] = 1;
    if (free[idx]) bad.push(`${what} holds ${addr}, which is not an allocated object`);
  };
  for (const a of k.bootObjects) own(a, 'boot');
  for (const heads of k.pageBuffers.values()) for (const a of heads) own(a, 'page private (buffer_head, iomap_page)');
  for (const a of k.xfs.ili.values()) own(a, 'xfs_ili');
  for (const a of k.xfs.reclaimable.keys()) own(a, 'reclaimable xfs_inode');
  const mappings = new Set<AddressSpace>(k.pageMapping.values());
  for (const f of k.diskFiles.values()) mappings.add(f.mapping);
  for (const m of mappings) for (const a of m.nodes) own(a, 'radix_tree_node of a file');
  for (const s of k.caches) if (s && !s.destroyed) for (const a of s.metaObjects) own(a, `${s.name} metadata`);
  for (const task of k.tasks.values()) {
    own(task.taskStruct, 'task_struct');
    own(task.delays, 'task_delay_info');
    own(task.pidObj, 'pid');
    own(task.cred, 'cred');
    own(task.files, 'files');
    own(task.fs, 'fs');
    own(task.signal, 'signal');
    own(task.sighand, 'sighand');
    if (k.pageSize > THREAD_SIZE) own(task.stack, 'stack');
    if (task.mm) {
      own(task.mm.addr, 'mm');
      for (const a of task.mm.vmas) own(a, 'vma');
      for (const a of task.mm.anonVmas) own(a, 'anon_vma');
      for (const a of task.mm.avcs) own(a, 'avc');
    }
    for (const a of task.openFiles) own(a, 'filp');
    for (const s of task.sockets) {
      own(s.filp, 'socket filp');
      own(s.sk, 'sock');
    }
    for (const a of task.kobjects) own(a, 'task object');
    for (const f of task.fdFiles.values()) for (const a of f.heldObjects()) own(a, f.kind);
  }
  const d = k.dentries;
  for (let id = 0; id < d.cap; id++) {
    if (!d.live[id]) continue;
    own(d.addr[id], 'dentry');
    own(d.name[id], 'dentry name');
    own(d.inode[id], 'inode');
  }
  for (const cg of forEachCgroup(k, { includeDying: true })) {
    for (const a of cg.kernfsHandles) own(a, 'kernfs');
    own(cg.structHandle, 'mem_cgroup');
    for (const a of cg.radixNodes) own(a, 'radix_tree_node');
  }
  for (let id = 0; id < t.capacity; id++) if (t.links[id] && t.objcgs[id]) own(t.vecHandle[id], 'obj_cgroup vector');
  for (let id = 0; id < t.capacity; id++) {
    const free = slabFree[id];
    if (!free) continue;
    const owned = slabOwned[id];
    const s = k.caches[t.cache[id]];
    for (let i = 0; i < s.objects; i++) if (!free[i] && !(owned && owned[i])) bad.push(`object ${t.pfn[id] * ps + i * s.size} (${s.name}) has no owner`);
  }

  // 4. page counters: hierarchical and equal to the sum of what is charged
  const cgs = [...forEachCgroup(k, { includeDying: true })];
  for (const cg of cgs) {
    for (const c of [cg.memory, cg.memsw, cg.kmem]) if (c.usage < 0) bad.push(`${cgroupPath(cg)}: negative counter usage`);
    if (!cg.online) continue;
    const kids = cg.children.filter((x) => x.online).reduce((a, x) => a + x.memory.usage, 0);
    if (cg.memory.usage < kids) bad.push(`${cgroupPath(cg)}: usage ${cg.memory.usage} below its children's ${kids}`);
  }
  let chargedPages = 0;
  let kmemPages = 0;
  for (let pfn = 0; pfn < pages.totalPages; pfn++) {
    if (!pages.memcgId[pfn]) continue;
    const kind = pages.kind[pfn];
    const n = kind === PageKind.KmallocLarge ? 1 << pages.headOrder[pfn] : 1;
    chargedPages += n;
    if (kind === PageKind.KernelStack || kind === PageKind.PageTable || kind === PageKind.KmallocLarge) kmemPages += n;
  }
  let stockPages = 0;
  for (let cpu = 0; cpu < k.config.nrCpus; cpu++) stockPages += k.stock.nrPages[cpu];
  let objBytes = 0;
  if (k.controller === 'objcg') {
    let percpuBytes = 0;
    for (const cg of cgs) percpuBytes += cg.percpuBytes;
    let stockBytes = 0;
    for (let cpu = 0; cpu < k.config.nrCpus; cpu++) stockBytes += k.stock.nrBytes[cpu];
    let parked = 0;
    for (const o of k.objcgs) if (o) parked += o.nrChargedBytes;
    objBytes = accountedBytes + percpuBytes + stockBytes + parked;
    if (objBytes % ps !== 0) bad.push(`obj_cgroup bytes ${objBytes} are not a whole number of pages`);
    // obj_cgroup reference counts
    const refs = new Map<number, number>(vectorRefs);
    for (let cpu = 0; cpu < k.config.nrCpus; cpu++) {
      const o = k.stock.cachedObjcg[cpu];
      if (o) refs.set(o.id, (refs.get(o.id) ?? 0) + 1);
    }
    for (const cg of cgs) if (cg.percpuObjcg) refs.set(cg.percpuObjcg.id, (refs.get(cg.percpuObjcg.id) ?? 0) + 1);
    for (const o of k.objcgs) {
      if (!o) continue;
      const want = (refs.get(o.id) ?? 0) + (o.killed ? 0 : 1);
      if (o.refcnt !== want) bad.push(`obj_cgroup ${o.id}: refcnt ${o.refcnt}, references found ${want}`);
    }
  }
  const slabPagesCharged = k.controller === 'legacy' ? legacyChargedPages : objBytes / ps;
  const expectUsage = chargedPages + stockPages + slabPagesCharged;
  if (k.rootMemcg.memory.usage !== expectUsage) {
    bad.push(`root memory usage ${k.rootMemcg.memory.usage} pages != charged ${chargedPages} + stocks ${stockPages} + slab ${slabPagesCharged}`);
  }
  if (k.cgroupVersion === 'v1') {
    const expectKmem = kmemPages + slabPagesCharged;
    if (k.rootMemcg.kmem.usage !== expectKmem) bad.push(`root kmem usage ${k.rootMemcg.kmem.usage} != ${expectKmem}`);
  }

  // 5. statistics: never negative, and the root's sums match what exists
  for (const cg of cgs) {
    const h = memcgStatHierarchicalRaw(cg);
    for (let i = 0; i < Stat.COUNT; i++) if (h[i] < -1e-6) bad.push(`${cgroupPath(cg)}: negative statistic #${i} (${h[i]})`);
  }
  const rootStat = memcgStatHierarchicalRaw(k.rootMemcg);
  if (k.controller === 'objcg') {
    let large = 0;
    for (let pfn = 0; pfn < pages.totalPages; pfn++) if (pages.memcgId[pfn] && pages.kind[pfn] === PageKind.KmallocLarge) large += (1 << pages.headOrder[pfn]) * ps;
    const slab = rootStat[Stat.SlabReclaimable] + rootStat[Stat.SlabUnreclaimable];
    if (slab !== accountedBytes + large) bad.push(`root slab stat ${slab} != accounted object bytes ${accountedBytes + large}`);
    if (rootStat[Stat.SlabReclaimable] !== accountedReclaimable) bad.push(`root slab_reclaimable ${rootStat[Stat.SlabReclaimable]} != ${accountedReclaimable}`);
  }
  if (k.controller === 'legacy') {
    let large = 0;
    for (let pfn = 0; pfn < pages.totalPages; pfn++) if (pages.memcgId[pfn] && pages.kind[pfn] === PageKind.KmallocLarge) large += (1 << pages.headOrder[pfn]) * ps;
    const slab = rootStat[Stat.SlabReclaimable] + rootStat[Stat.SlabUnreclaimable];
    if (slab !== legacyChargedPages * ps + large) bad.push(`root slab stat ${slab} != charged slab pages ${legacyChargedPages * ps + large}`);
  }
  let anon = 0;
  let file = 0;
  for (let pfn = 0; pfn < pages.totalPages; pfn++) {
    if (!pages.memcgId[pfn]) continue;
    if (pages.kind[pfn] === PageKind.Anon) anon += ps;
    if (pages.kind[pfn] === PageKind.File) file += ps;
  }
  if (rootStat[Stat.Anon] !== anon) bad.push(`root anon stat ${rootStat[Stat.Anon]} != charged anon ${anon}`);
  if (rootStat[Stat.File] !== file) bad.push(`root file stat ${rootStat[Stat.File]} != charged file ${file}`);

  // 6. the page cache: every file page is on one LRU or in a shmem mapping, mappings agree
  let lruPages = 0;
  const mappedOnLru = new Map<MemCgroup, number>();
  for (const cg of cgs) {
    lruPages += cg.fileLru.length - cg.fileLruHead - cg.nrFileLruDead;
    let dead = 0;
    if (cg.fileLruDead) for (const n of cg.fileLruDead.values()) dead += n;
    if (dead !== cg.nrFileLruDead) bad.push(`${cgroupPath(cg)}: ${dead} stale LRU entries, counted ${cg.nrFileLruDead}`);
    if (cg.nrFileLruNamedEntries !== cg.nrFileLruMapped + cg.nrFileLruDead + cg.nrFileLruNamedConsumed) bad.push(`${cgroupPath(cg)}: named-file LRU entries do not add up`);
  }
  let shmemPages = 0;
  let shmemCharged = 0;
  let mappedPages = 0;
  for (const m of mappings) {
    mappedPages += m.pages.size;
    if (m.nodes.length > Math.ceil(m.pages.size / XA_CHUNK_SIZE)) bad.push(`a mapping of ${m.pages.size} pages holds ${m.nodes.length} radix tree nodes`);
    for (const pfn of m.pages) {
      if (pages.kind[pfn] !== PageKind.File) bad.push(`mapped page ${pfn} is not a file page`);
      if (k.pageMapping.get(pfn) !== m) bad.push(`mapped page ${pfn} is not indexed to its mapping`);
      if (m.swapBacked) {
        shmemPages++;
        if (pages.memcgId[pfn]) shmemCharged += ps;
      } else {
        const owner = pageLruOwner(k, pfn);
        mappedOnLru.set(owner, (mappedOnLru.get(owner) ?? 0) + 1);
      }
    }
  }
  if (mappedPages !== k.pageMapping.size) bad.push(`${k.pageMapping.size} pages indexed to mappings, mappings hold ${mappedPages}`);
  for (const cg of cgs) if ((mappedOnLru.get(cg) ?? 0) !== cg.nrFileLruMapped) bad.push(`${cgroupPath(cg)}: ${mappedOnLru.get(cg) ?? 0} named-file pages on its LRU, counted ${cg.nrFileLruMapped}`);
  if (lruPages + shmemPages !== pages.count(PageKind.File)) bad.push(`file pages: ${lruPages} on LRUs + ${shmemPages} shmem != ${pages.count(PageKind.File)}`);
  let nodeShmem = 0;
  for (let nid = 0; nid < k.config.nrNodes; nid++) nodeShmem += k.vm.shmemPages[nid];
  if (nodeShmem !== shmemPages) bad.push(`NR_SHMEM ${nodeShmem} != shmem pages ${shmemPages}`);
  if (rootStat[Stat.Shmem] !== shmemCharged) bad.push(`root shmem stat ${rootStat[Stat.Shmem]} != charged shmem ${shmemCharged}`);
  for (const pfn of k.pageBuffers.keys()) if (pages.kind[pfn] !== PageKind.File) bad.push(`page ${pfn} with buffers is not a file page`);
  let cachedFiles = 0;
  for (const f of k.diskFiles.values()) {
    if (f.dentry < 0) continue;
    cachedFiles++;
    if (!d.live[f.dentry] || d.inode[f.dentry] !== f.inode) bad.push(`file ${f.ino}: its dentry does not hold its inode`);
    if (k.inodeFiles.get(f.inode) !== f) bad.push(`file ${f.ino}: its inode is not indexed`);
  }
  if (cachedFiles !== k.inodeFiles.size) bad.push(`${k.inodeFiles.size} inodes indexed to files, ${cachedFiles} files cached`);

  // 7. cgroup bookkeeping
  for (const cg of cgs) {
    if (cg.released) bad.push(`${cgroupPath(cg)}: released but still in the tree`);
    for (const task of cg.tasks) if (task.memcg !== cg || task.exited) bad.push(`${cgroupPath(cg)}: stale task ${task.pid}`);
  }
  return bad;
}

export type { MemCgroup };
