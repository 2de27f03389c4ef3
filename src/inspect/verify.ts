/**
 * Consistency checks on a snapshot alone — the snapshot-side counterpart of the kernel's
 * checkInvariants(): a snapshot taken between two kernel operations must pass them all, so a
 * torn or inconsistent snapshot shows up here. Returns the violations found ([] when none).
 */
import { memcgCssRefs, objcgObjectCounts } from './helpers/memcg.js';
import { NR_PAGE_KINDS, PageKind, SLAB_CPU, SLAB_CPU_PARTIAL, SLAB_FULL, SLAB_NODE_PARTIAL, Stat } from './kernel_internals.js';
import { Program } from './program.js';
import { STAT_NAMES, type Snapshot } from './snapshot.js';

const OBJCG_POINTER_SIZE = 8;

export function verifySnapshot(snap: Snapshot): string[] {
  const bad: string[] = [];
  const prog = new Program(snap);
  const nrCpus = snap.machine.nrCpus;
  const nrNodes = snap.machine.nrNodes;

  // 1. pages: node sizes, block kinds against the per-node counts, no overlapping blocks
  const kindPages = new Float64Array(nrNodes * NR_PAGE_KINDS);
  const bl = snap.blocks;
  let lastEnd = 0;
  for (let i = 0; i < bl.count; i++) {
    if (bl.pfn[i] < lastEnd) bad.push(`page block at pfn ${bl.pfn[i]} overlaps the previous one`);
    lastEnd = bl.pfn[i] + (1 << bl.order[i]);
    const nid = snap.nodes.findIndex((n) => bl.pfn[i] >= n.startPfn && bl.pfn[i] < n.endPfn);
    kindPages[nid * NR_PAGE_KINDS + bl.kind[i]] += 1 << bl.order[i];
  }
  for (const node of snap.nodes) {
    let sum = 0;
    for (let kind = 0; kind < NR_PAGE_KINDS; kind++) {
      const c = snap.pageCounts[node.nid * NR_PAGE_KINDS + kind];
      sum += c;
      if (kind !== PageKind.Free && c !== kindPages[node.nid * NR_PAGE_KINDS + kind]) {
        bad.push(`node ${node.nid}: ${c} pages of kind ${kind} counted, blocks hold ${kindPages[node.nid * NR_PAGE_KINDS + kind]}`);
      }
    }
    if (sum !== node.endPfn - node.startPfn) bad.push(`node ${node.nid}: page kinds sum to ${sum}`);
  }

  // 2. slabs: freelists, blocks, vectors
  const s = snap.slabs;
  const c = snap.caches;
  const perCache = new Map<number, { slabs: Float64Array; inuse: number }>();
  for (let row = 0; row < s.count; row++) {
    const cr = prog.cacheRow.get(s.cache[row]);
    if (cr === undefined) {
      bad.push(`slab at pfn ${s.pfn[row]} belongs to unknown cache ${s.cache[row]}`);
      continue;
    }
    const objects = c.objects[cr];
    const name = c.name[cr];
    const nfree = objects - s.inuse[row];
    if (nfree < 0) bad.push(`slab at pfn ${s.pfn[row]} (${name}): inuse ${s.inuse[row]} > ${objects} objects`);
    const seen = new Uint8Array(objects);
    for (let j = 0; j < nfree; j++) {
      const idx = s.freeIdx[s.freeStart[row] + j];
      if (idx < 0 || idx >= objects || seen[idx]) bad.push(`slab at pfn ${s.pfn[row]} (${name}): bad freelist entry ${idx}`);
      else seen[idx] = 1;
    }
    const blk = blockAt(snap, s.pfn[row]);
    if (blk < 0 || bl.order[blk] !== c.order[cr] || (bl.kind[blk] !== PageKind.SlabReclaimable && bl.kind[blk] !== PageKind.SlabUnreclaimable)) {
      bad.push(`slab at pfn ${s.pfn[row]} (${name}): no matching slab page block`);
    }
    const vs = s.vecStart[row];
    if (vs >= 0) {
      for (let i = 0; i < objects; i++) {
        const id = s.vec[vs + i];
        if (!id) continue;
        if (seen[i]) bad.push(`slab at pfn ${s.pfn[row]} (${name}): free slot ${i} has obj_cgroup ${id}`);
        if (!prog.objcgRow.has(id)) bad.push(`slab at pfn ${s.pfn[row]} (${name}): slot ${i} points at unknown obj_cgroup ${id}`);
      }
    }
    const e = perCache.get(s.cache[row]) ?? { slabs: new Float64Array(nrNodes), inuse: 0 };
    e.slabs[s.node[row]]++;
    e.inuse += s.inuse[row];
    perCache.set(s.cache[row], e);
  }

  // 3. caches: node counters, lists and per-CPU slabs against the slabs
  const listed = new Uint8Array(s.count);
  for (let cr = 0; cr < c.count; cr++) {
    const name = c.name[cr];
    const e = perCache.get(c.id[cr]) ?? { slabs: new Float64Array(nrNodes), inuse: 0 };
    for (let nid = 0; nid < nrNodes; nid++) {
      const i = cr * nrNodes + nid;
      if (c.nrSlabs[i] !== e.slabs[nid]) bad.push(`${name}: node ${nid} counts ${c.nrSlabs[i]} slabs, ${e.slabs[nid]} exist`);
      if (c.totalObjects[i] !== c.nrSlabs[i] * c.objects[cr]) bad.push(`${name}: node ${nid} total_objects inconsistent`);
      let n = 0;
      for (let r = c.nodePartialHead[i]; r >= 0 && n <= s.count; r = s.next[r], n++) {
        if (s.state[r] !== SLAB_NODE_PARTIAL || s.cache[r] !== c.id[cr] || s.node[r] !== nid) bad.push(`${name}: node ${nid} partial list holds a foreign slab (pfn ${s.pfn[r]})`);
        if (listed[r]++) bad.push(`${name}: slab at pfn ${s.pfn[r]} on two lists`);
      }
      if (n !== c.nrPartial[i]) bad.push(`${name}: node ${nid} nr_partial ${c.nrPartial[i]}, list holds ${n}`);
    }
    if (e.inuse !== c.nrAllocated[cr]) bad.push(`${name}: ${e.inuse} objects in use, cache counts ${c.nrAllocated[cr]}`);
    for (let cpu = 0; cpu < nrCpus; cpu++) {
      const a = c.cpuSlab[cr * nrCpus + cpu];
      if (a >= 0) {
        if (s.state[a] !== SLAB_CPU || s.cpu[a] !== cpu || s.cache[a] !== c.id[cr]) bad.push(`${name}: CPU ${cpu}'s active slab is not in CPU state`);
        if (listed[a]++) bad.push(`${name}: slab at pfn ${s.pfn[a]} on two lists`);
      }
      let n = 0;
      for (let r = c.cpuPartialHead[cr * nrCpus + cpu]; r >= 0 && n <= s.count; r = s.next[r], n++) {
        if (s.state[r] !== SLAB_CPU_PARTIAL || s.cpu[r] !== cpu || s.cache[r] !== c.id[cr]) bad.push(`${name}: CPU ${cpu} partial list holds a foreign slab`);
        if (listed[r]++) bad.push(`${name}: slab at pfn ${s.pfn[r]} on two lists`);
      }
    }
  }
  for (let row = 0; row < s.count; row++) {
    const st = s.state[row];
    if (st === SLAB_FULL) {
      if (listed[row]) bad.push(`full slab at pfn ${s.pfn[row]} is on a list`);
      const cr = prog.cacheRow.get(s.cache[row]);
      if (cr !== undefined && s.inuse[row] !== c.objects[cr]) bad.push(`full slab at pfn ${s.pfn[row]} has free objects`);
    } else if (!listed[row]) bad.push(`slab at pfn ${s.pfn[row]} (state ${st}) is on no list`);
  }

  // 4. obj_cgroups: references and charged bytes
  const objCounts = objcgObjectCounts(prog);
  const o = snap.objcgs;
  const g = snap.cgroups;
  for (let i = 0; i < o.count; i++) {
    const id = o.id[i];
    let refs = 0;
    for (const n of (objCounts.get(id) ?? new Map<number, number>()).values()) refs += n;
    for (let cpu = 0; cpu < nrCpus; cpu++) if (snap.stock.objcg[cpu] === id) refs++;
    for (let j = 0; j < g.count; j++) if (g.percpuObjcg[j] === id) refs++;
    if (!o.killed[i]) refs++;
    if (o.refcnt[i] !== refs) bad.push(`obj_cgroup ${id}: refcnt ${o.refcnt[i]}, references found ${refs}`);
    if (!prog.cgroupRow.has(o.memcg[i])) bad.push(`obj_cgroup ${id} charges a memcg that does not exist`);
  }
  if (snap.controller === 'objcg') {
    let accounted = 0;
    for (const [, per] of objCounts) for (const [cacheId, n] of per) accounted += n * (c.size[prog.cacheRow.get(cacheId)!] + OBJCG_POINTER_SIZE);
    let large = 0;
    for (let i = 0; i < bl.count; i++) if (bl.memcg[i] && bl.kind[i] === PageKind.KmallocLarge) large += (1 << bl.order[i]) * snap.pageSize;
    let slab = 0;
    const nStat = STAT_NAMES.length;
    for (let j = 0; j < g.count; j++) slab += g.stat[j * nStat + Stat.SlabReclaimable] + g.stat[j * nStat + Stat.SlabUnreclaimable];
    if (slab !== accounted + large) bad.push(`slab statistics ${slab} != accounted object bytes ${accounted + large}`);
  }

  // 5. cgroups: tree shape, counters, references
  for (let j = 0; j < g.count; j++) {
    const path = `cgroup ${g.id[j]}`;
    if (j > 0) {
      const pr = prog.cgroupRow.get(g.parent[j]);
      if (pr === undefined) bad.push(`${path}: parent ${g.parent[j]} missing`);
      else {
        if (g.depth[j] !== g.depth[pr] + 1) bad.push(`${path}: depth ${g.depth[j]} under depth ${g.depth[pr]}`);
        if (g.online[j] && !g.online[pr]) bad.push(`${path}: online under a dying parent`);
      }
    }
    if (g.usage[j * 4] < 0) bad.push(`${path}: negative usage`);
    if (g.online[j]) {
      let kids = 0;
      for (const k of prog.children.get(g.id[j]) ?? []) {
        const kr = prog.cgroupRow.get(k)!;
        if (g.online[kr]) kids += g.usage[kr * 4];
      }
      if (j > 0 && g.usage[j * 4] < kids) bad.push(`${path}: usage ${g.usage[j * 4]} below its children's ${kids}`);
    }
  }
  // every css reference has a holder in the snapshot (queued work items may hold more)
  for (let j = 0; j < g.count; j++) {
    const other = memcgCssRefs(prog.memcgAt(j)).other;
    if (other < 0 || (other > 0 && snap.misc.pendingWork === 0)) bad.push(`cgroup ${g.id[j]}: refcnt ${g.refcnt[j]} but ${other} references unaccounted for`);
  }
  for (let i = 0; i < snap.tasks.count; i++) if (!prog.cgroupRow.has(snap.tasks.memcg[i])) bad.push(`task ${snap.tasks.pid[i]} in a missing cgroup`);
  return bad;
}

function blockAt(snap: Snapshot, pfn: number): number {
  const b = snap.blocks;
  let lo = 0;
  let hi = b.count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (b.pfn[mid] === pfn) return mid;
    if (b.pfn[mid] < pfn) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
