/**
 * The drgn image of a snapshot: the simulated kernel's memory laid out with the profile's struct
 * layouts (layouts.ts) at the addresses of addresses.ts, written as an ELF core, plus a JSON
 * side file with the type table, symbols and constants the Python adapter
 * (scripts/drgn/memcgfs_drgn.py) serves through drgn's type and object finders.
 *
 * What memory holds (like a vmcore filtered of user and free pages): kernel data (globals), the
 * struct page array for every pfn (free pages read as zeros), every kernel page of the direct
 * map (slab pages with real SLUB freelists inside free objects, obj_cgroup vectors, and the
 * structs the simulator backs with slab objects), and the synthetic heap (kmem_cache,
 * kmem_cache_node, obj_cgroup, cgroup, kernfs and pid structures), plus per-CPU areas holding
 * kmem_cache_cpu. SLUB state is written as the kernel keeps it: a CPU's active slab is frozen
 * with its free objects on kmem_cache_cpu.freelist (page.freelist NULL, page.inuse = objects);
 * CPU partial slabs are frozen and chained through page.next; node partial slabs are on
 * kmem_cache_node.partial through page.lru.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  KDATA_BASE,
  PAGE_OFFSET,
  STRUCT_PAGE_SIZE,
  Synth,
  VMEMMAP_START,
  cpuSlabPercpuPointer,
  directAddress,
  perCpuOffset,
  pfnToPageAddress,
  synthAddress,
  synthStride,
  synthWindow,
} from './addresses.js';
import { Region, SparseMemory, writeElfCore, type CoreStats } from './elf_core.js';
import {
  CSS_FLAGS,
  KERNFS_TYPE,
  MEMCG_DATA,
  NR_CPUS,
  PERCPU_REF_ATOMIC_DEAD,
  PF_KTHREAD,
  PIDTYPE,
  XA_CHUNK_SHIFT,
  XA_CHUNK_SIZE,
  isLegacyProfile,
  layoutRegistry,
  type LayoutRegistry,
  type Profile,
} from './layouts.js';
import { kdataSymbolAddress, kdataSymbols } from './symbols.js';
import { Program } from './program.js';
import { pageFlagsOfKind } from './helpers/mm.js';
import { cgroupPath } from './helpers/cgroup.js';
import { PageKind, SLAB_CPU, SLAB_CPU_PARTIAL, SLAB_HAS_CTOR, SLAB_TYPESAFE_BY_RCU } from './kernel_internals.js';
import type { Snapshot } from './snapshot.js';

export const IMAGE_FORMAT = 'memcgfs-drgn-image';
export const IMAGE_VERSION = 1;
export const CORE_FILE = 'memcgfs.core';
export const META_FILE = 'memcgfs.json';

/** Where SLUB keeps the free pointer inside a free object (5.7+: the middle of the object). */
export function freePointerOffset(objectSize: number, flags: number): number {
  if (flags & (SLAB_TYPESAFE_BY_RCU | SLAB_HAS_CTOR)) return Math.ceil(objectSize / 8) * 8;
  return Math.floor(objectSize / 2 / 8) * 8;
}

/** Flags the simulator uses that are not kernel flags (SLAB_HAS_CTOR, SLAB_KMALLOC). */
const PSEUDO_SLAB_FLAGS = 0x3;

const hex = (v: bigint) => `0x${v.toString(16)}`;

export interface ImageMeta {
  format: typeof IMAGE_FORMAT;
  version: number;
  profile: Profile;
  layout: ReturnType<LayoutRegistry['toJson']>;
  symbols: Array<{ name: string; type: string; address: string }>;
  constants: Array<{ name: string; type: string; value: string }>;
  pageSize: number;
  pageOffset: string;
  vmemmap: string;
  cgroupVersion: string;
  controller: string;
  /** cgroup directories, for the adapter's os.stat shim (st_ino = kernfs id) */
  cgroups: Array<{ path: string; ino: number; online: boolean }>;
  generation: number;
}

export interface ImageResult {
  dir: string;
  core: string;
  meta: string;
  stats: CoreStats & { buildMs: number; writeMs: number };
}

/** Builds the image of `snap` in `dir` (created if missing). */
export function writeDrgnImage(snap: Snapshot, dir: string, opts: { profile?: Profile } = {}): ImageResult {
  const t0 = performance.now();
  const prog = new Program(snap, opts.profile);
  const b = new ImageBuilder(prog);
  b.build();
  const t1 = performance.now();
  mkdirSync(dir, { recursive: true });
  const core = path.join(dir, CORE_FILE);
  const meta = path.join(dir, META_FILE);
  const stats = writeElfCore(b.mem, core);
  writeFileSync(meta, JSON.stringify(b.meta()));
  return { dir, core, meta, stats: { ...stats, buildMs: t1 - t0, writeMs: performance.now() - t1 } };
}

/** Fills a SparseMemory with the structures of one program. */
export class ImageBuilder {
  readonly prog: Program;
  readonly snap: Snapshot;
  readonly reg: LayoutRegistry;
  readonly mem = new SparseMemory();
  readonly legacy: boolean;
  private readonly direct: Region;
  private readonly vmemmap: Region;
  private readonly ps: number;

  constructor(prog: Program) {
    this.prog = prog;
    this.snap = prog.snap;
    this.reg = layoutRegistry(prog.profile);
    this.legacy = isLegacyProfile(prog.profile);
    this.ps = prog.pageSize;
    this.direct = this.mem.add(new Region('direct map', PAGE_OFFSET, this.snap.totalPages * this.ps));
    this.vmemmap = this.mem.add(new Region('vmemmap', VMEMMAP_START, this.snap.totalPages * STRUCT_PAGE_SIZE, true));
    this.mem.add(new Region('kernel data', KDATA_BASE, 0x10000 * 64));
    for (let kind = 0; kind <= Synth.MmStruct; kind++) this.mem.add(new Region(`synthetic ${kind}`, synthWindow(kind as Synth), 2 ** 40));
  }

  // --- typed field writes -------------------------------------------------------------------

  /** Writes fields of a struct at `addr`: numbers/bigints by their C size, strings into char arrays. */
  put(type: string, addr: bigint, fields: Record<string, number | bigint | string | boolean>): void {
    for (const [p, v] of Object.entries(fields)) this.set(type, addr, p, v);
  }

  set(type: string, addr: bigint, fieldPath: string, v: number | bigint | string | boolean): void {
    const f = this.reg.field(type, fieldPath);
    const a = addr + BigInt(f.offset);
    if (typeof v === 'string') {
      const bytes = Buffer.from(v, 'utf8');
      const out = new Uint8Array(f.size);
      out.set(bytes.subarray(0, f.size - 1));
      this.mem.bytes(a, out);
      return;
    }
    if (typeof v === 'boolean') v = v ? 1 : 0;
    if (f.bits) {
      const unit = this.mem.read32(a);
      const mask = ((1 << f.bits) - 1) << f.bitShift!;
      this.mem.u32(a, ((unit & ~mask) | ((Number(v) << f.bitShift!) & mask)) >>> 0);
      return;
    }
    switch (f.size) {
      case 1:
        this.mem.u8(a, Number(v) & 0xff);
        break;
      case 2:
        this.mem.u16(a, Number(v) & 0xffff);
        break;
      case 4:
        this.mem.u32(a, Number(v));
        break;
      case 8:
        this.mem.u64(a, v);
        break;
      default:
        throw new Error(`image: cannot write ${type}.${fieldPath} of size ${f.size}`);
    }
  }

  off(type: string, fieldPath: string): bigint {
    return BigInt(this.reg.offsetof(type, fieldPath));
  }

  /** A NUL-terminated string in a synthetic window. */
  string(kind: Synth, id: number, s: string): bigint {
    const addr = synthAddress(kind, id);
    const bytes = Buffer.from(s, 'utf8');
    const max = synthStride(kind) - 1;
    const out = new Uint8Array(Math.min(bytes.length, max) + 1);
    out.set(bytes.subarray(0, max));
    this.mem.bytes(addr, out);
    return addr;
  }

  /** Circular doubly linked list: `head` and the embedded list_heads of `nodes`, in order. */
  list(head: bigint, nodes: bigint[]): void {
    const all = [head, ...nodes];
    for (let i = 0; i < all.length; i++) {
      this.mem.u64(all[i], all[(i + 1) % all.length]);
      this.mem.u64(all[i] + 8n, all[(i + all.length - 1) % all.length]);
    }
  }

  /** hlist: head.first, then next / pprev. */
  hlist(head: bigint, nodes: bigint[]): void {
    this.mem.u64(head, nodes[0] ?? 0n);
    nodes.forEach((n, i) => {
      this.mem.u64(n, nodes[i + 1] ?? 0n);
      this.mem.u64(n + 8n, i === 0 ? head : nodes[i - 1]);
    });
  }

  /** A balanced rbtree of embedded rb_nodes (in-order = array order) under rb_root `root`. */
  rbtree(root: bigint, nodes: bigint[]): void {
    const RB_BLACK = 1n;
    const build = (lo: number, hi: number, parent: bigint): bigint => {
      if (lo > hi) return 0n;
      const mid = (lo + hi) >> 1;
      const n = nodes[mid];
      this.mem.u64(n, parent | RB_BLACK);
      this.mem.u64(n + 8n, build(mid + 1, hi, n)); // rb_right
      this.mem.u64(n + 16n, build(lo, mid - 1, n)); // rb_left
      return n;
    };
    this.mem.u64(root, build(0, nodes.length - 1, 0n));
  }

  // --- the image ------------------------------------------------------------------------------

  build(): void {
    this.markKernelPages();
    this.buildSlabCaches();
    this.buildSlabs();
    this.buildOtherPages();
    this.buildCgroups();
    this.buildObjcgs();
    this.buildTasks();
    this.buildGlobals();
  }

  /** Kernel pages of the direct map are readable (user and free pages are filtered out, as makedumpfile does). */
  private markKernelPages(): void {
    const bl = this.snap.blocks;
    for (let i = 0; i < bl.count; i++) {
      const kind = bl.kind[i];
      if (kind === PageKind.Anon || kind === PageKind.File || kind === PageKind.Free) continue;
      this.direct.markPresent(bl.pfn[i] * this.ps, (1 << bl.order[i]) * this.ps);
    }
  }

  private cacheAddr(id: number): bigint {
    return this.prog.addresses.kmemCache(id);
  }

  private buildSlabCaches(): void {
    const c = this.snap.caches;
    const nrCpus = this.prog.nrCpus;
    const nrNodes = this.prog.nrNodes;
    const KC = 'struct kmem_cache';
    const listOff = this.off(KC, 'list');
    // slab_caches: newest first
    const order: bigint[] = [];
    for (let row = c.count - 1; row >= 0; row--) order.push(this.cacheAddr(c.id[row]) + listOff);
    this.list(kdataSymbolAddress('slab_caches'), order);
    for (let row = 0; row < c.count; row++) {
      const id = c.id[row];
      const addr = this.cacheAddr(id);
      const oo = (c.order[row] << 16) | c.objects[row];
      this.put(KC, addr, {
        cpu_slab: cpuSlabPercpuPointer(id),
        flags: (c.flags[row] & ~PSEUDO_SLAB_FLAGS) >>> 0,
        min_partial: c.minPartial[row],
        size: c.size[row],
        object_size: c.objectSize[row],
        offset: freePointerOffset(c.objectSize[row], c.flags[row]),
        cpu_partial: c.cpuPartial[row],
        'oo.x': oo,
        'max.x': oo,
        'min.x': oo,
        refcount: 1,
        ctor: c.flags[row] & SLAB_HAS_CTOR ? 0xffffffff81000000n : 0n,
        inuse: Math.ceil(c.objectSize[row] / 8) * 8,
        align: c.align[row],
        red_left_pad: 0,
        name: this.string(Synth.CacheName, id, c.name[row]),
      });
      for (let nid = 0; nid < nrNodes; nid++) {
        const n = this.prog.addresses.kmemCacheNode(id, nid);
        this.set(KC, addr, `node[${nid}]`, n);
        const i = row * nrNodes + nid;
        this.put('struct kmem_cache_node', n, {
          nr_partial: c.nrPartial[i],
          'nr_slabs.counter': c.nrSlabs[i],
          'total_objects.counter': c.totalObjects[i],
        });
        const partial: bigint[] = [];
        for (let s = c.nodePartialHead[i]; s >= 0; s = this.snap.slabs.next[s]) partial.push(pfnToPageAddress(this.snap.slabs.pfn[s]) + this.off('struct page', 'lru'));
        this.list(n + this.off('struct kmem_cache_node', 'partial'), partial);
        this.list(n + this.off('struct kmem_cache_node', 'full'), []);
      }
      for (let cpu = 0; cpu < nrCpus; cpu++) this.set('struct kmem_cache_cpu', perCpuOffset(cpu) + cpuSlabPercpuPointer(id), 'tid', cpu);
    }
    if (this.legacy) this.buildLegacyParams();
  }

  /** memcg_params of legacy root and child caches, slab_root_caches, memcg_nr_cache_ids. */
  private buildLegacyParams(): void {
    const c = this.snap.caches;
    const KC = 'struct kmem_cache';
    let nrIds = 4;
    for (let i = 0; i < this.snap.cgroups.count; i++) nrIds = Math.max(nrIds, this.snap.cgroups.kmemcgId[i] + 1);
    this.mem.u32(kdataSymbolAddress('memcg_nr_cache_ids'), nrIds);
    const roots: number[] = [];
    for (let row = c.count - 1; row >= 0; row--) if (c.rootCache[row] < 0) roots.push(row);
    this.list(
      kdataSymbolAddress('slab_root_caches'),
      roots.map((row) => this.cacheAddr(c.id[row]) + this.off(KC, 'memcg_params.__root_caches_node')),
    );
    const cgRow = this.prog.cgroupRow;
    for (const row of roots) {
      const id = c.id[row];
      const addr = this.cacheAddr(id);
      const arr = synthAddress(Synth.MemcgCacheArray, id);
      this.set(KC, addr, 'memcg_params.memcg_caches', arr);
      const entries = arr + this.off('struct memcg_cache_array', 'entries');
      const children: bigint[] = [];
      for (let ch = 0; ch < c.count; ch++) {
        if (c.rootCache[ch] !== id || !c.memcg[ch]) continue;
        children.push(this.cacheAddr(c.id[ch]) + this.off(KC, 'memcg_params.children_node'));
        if (!c.deactivated[ch]) {
          const owner = cgRow.get(c.memcg[ch]);
          const kmemcgId = owner === undefined ? -1 : this.snap.cgroups.kmemcgId[owner];
          if (kmemcgId >= 0) this.mem.u64(entries + BigInt(kmemcgId * 8), this.cacheAddr(c.id[ch]));
        }
      }
      this.list(addr + this.off(KC, 'memcg_params.children'), children);
    }
    for (let row = 0; row < c.count; row++) {
      if (c.rootCache[row] < 0 || !c.memcg[row]) continue;
      const addr = this.cacheAddr(c.id[row]);
      this.put(KC, addr, {
        'memcg_params.root_cache': this.cacheAddr(c.rootCache[row]),
        'memcg_params.memcg': this.prog.addresses.memCgroup(c.memcg[row]),
        'memcg_params.refcnt.count.counter': c.refcnt[row],
        'memcg_params.refcnt.percpu_count_ptr': c.deactivated[row] ? PERCPU_REF_ATOMIC_DEAD : 0,
      });
    }
  }

  private buildSlabs(): void {
    const s = this.snap.slabs;
    const c = this.snap.caches;
    const P = 'struct page';
    const reg = this.reg;
    const F = {
      flags: reg.offsetof(P, 'flags'),
      slabCache: reg.offsetof(P, 'slab_cache'),
      freelist: reg.offsetof(P, 'freelist'),
      counters: reg.offsetof(P, 'counters'),
      next: reg.offsetof(P, 'next'),
      pages: reg.offsetof(P, 'pages'),
      pobjects: reg.offsetof(P, 'pobjects'),
      compoundHead: reg.offsetof(P, 'compound_head'),
      compoundDtor: reg.offsetof(P, 'compound_dtor'),
      compoundOrder: reg.offsetof(P, 'compound_order'),
      mapcount: reg.offsetof(P, '_mapcount'),
      refcount: reg.offsetof(P, '_refcount'),
      memcg: this.memcgSlotOffset(),
    };
    const inuseF = reg.field(P, 'inuse');
    const objectsF = reg.field(P, 'objects');
    const frozenF = reg.field(P, 'frozen');
    const vm = this.vmemmap;
    const ps = this.ps;
    const nrCpus = this.prog.nrCpus;
    for (let row = 0; row < s.count; row++) {
      const cr = this.prog.cacheRow.get(s.cache[row])!;
      const cacheId = s.cache[row];
      const objects = c.objects[cr];
      const size = c.size[cr];
      const order = c.order[cr];
      const pfn = s.pfn[row];
      const pageOff = pfn * STRUCT_PAGE_SIZE;
      const head = VMEMMAP_START + BigInt(pageOff);
      const state = s.state[row];
      const nfree = objects - s.inuse[row];
      const fstart = s.freeStart[row];
      const base = pfn * ps;
      const fpOff = freePointerOffset(c.objectSize[cr], c.flags[cr]);
      // the freelist, inside the free objects
      let first = 0n;
      for (let j = 0; j < nfree; j++) {
        const obj = base + s.freeIdx[fstart + j] * size;
        const next = j + 1 < nfree ? PAGE_OFFSET + BigInt(base + s.freeIdx[fstart + j + 1] * size) : 0n;
        this.direct.u64(obj + fpOff, next);
        if (j === 0) first = PAGE_OFFSET + BigInt(obj);
      }
      let inuse = s.inuse[row];
      let frozen = 0;
      let pageFreelist = first;
      if (state === SLAB_CPU) {
        const kcc = perCpuOffset(s.cpu[row]) + cpuSlabPercpuPointer(cacheId);
        this.set('struct kmem_cache_cpu', kcc, 'freelist', first);
        this.set('struct kmem_cache_cpu', kcc, 'page', head);
        pageFreelist = 0n;
        inuse = objects;
        frozen = 1;
      } else if (state === SLAB_CPU_PARTIAL) {
        frozen = 1;
      }
      vm.u64(pageOff + F.flags, pageFlagsOfKind(PageKind.SlabUnreclaimable, order));
      vm.u64(pageOff + F.slabCache, this.cacheAddr(cacheId));
      vm.u64(pageOff + F.freelist, pageFreelist);
      const counters = ((inuse & 0xffff) << inuseF.bitShift!) | ((objects & 0x7fff) << objectsF.bitShift!) | (frozen << frozenF.bitShift!);
      vm.u32(pageOff + F.counters, counters >>> 0);
      vm.u32(pageOff + F.mapcount, 0xffffffff);
      vm.u32(pageOff + F.refcount, 1);
      if (s.vecStart[row] >= 0) {
        const vaddr = this.prog.addresses.objcgVector(row);
        if (F.memcg !== null) vm.u64(pageOff + F.memcg, vaddr | BigInt(MEMCG_DATA.MEMCG_DATA_OBJCGS));
        const vs = s.vecStart[row];
        const { r, off } = this.mem.at(vaddr);
        for (let i = 0; i < objects; i++) {
          const id = s.vec[vs + i];
          if (id) r.u64(off + i * 8, this.prog.addresses.objCgroup(id));
        }
      }
      for (let t = 1; t < 1 << order; t++) {
        const to = pageOff + t * STRUCT_PAGE_SIZE;
        vm.u64(to + F.compoundHead, head | 1n);
        if (t === 1) {
          vm.u8(to + F.compoundDtor, 1);
          vm.u8(to + F.compoundOrder, order);
        }
        vm.u32(to + F.mapcount, 0xffffffff);
      }
    }
    // CPU partial lists: page.next chains, with pages/pobjects in the first page
    for (let cr = 0; cr < c.count; cr++) {
      for (let cpu = 0; cpu < nrCpus; cpu++) {
        const headRow = c.cpuPartialHead[cr * nrCpus + cpu];
        if (headRow < 0) continue;
        const kcc = perCpuOffset(cpu) + cpuSlabPercpuPointer(c.id[cr]);
        this.set('struct kmem_cache_cpu', kcc, 'partial', pfnToPageAddress(s.pfn[headRow]));
        let count = 0;
        for (let r = headRow; r >= 0; r = s.next[r]) {
          const nxt = s.next[r];
          vm.u64(s.pfn[r] * STRUCT_PAGE_SIZE + F.next, nxt >= 0 ? pfnToPageAddress(s.pfn[nxt]) : 0n);
          count++;
        }
        vm.u32(s.pfn[headRow] * STRUCT_PAGE_SIZE + F.pages, count);
        vm.u32(s.pfn[headRow] * STRUCT_PAGE_SIZE + F.pobjects, c.cpuPartialObjects[cr * nrCpus + cpu]);
      }
    }
  }

  /** Offset of the memcg slot in struct page (mem_cgroup / obj_cgroups / memcg_data). */
  private memcgSlotOffset(): number | null {
    const P = 'struct page';
    if (this.prog.profile === 'objcg-v5.11') return this.reg.offsetof(P, 'memcg_data');
    if (this.prog.profile === 'objcg-v5.9') return this.reg.offsetof(P, 'obj_cgroups');
    return null; // legacy 5.3+: slab pages do not set page->mem_cgroup
  }

  /** struct page of every non-slab allocation: flags, compound tails, the memcg it is charged to. */
  private buildOtherPages(): void {
    const bl = this.snap.blocks;
    const P = 'struct page';
    const flagsOff = this.reg.offsetof(P, 'flags');
    const refOff = this.reg.offsetof(P, '_refcount');
    const mapOff = this.reg.offsetof(P, '_mapcount');
    const headOff = this.reg.offsetof(P, 'compound_head');
    const orderOff = this.reg.offsetof(P, 'compound_order');
    const memcgOff = this.prog.profile === 'objcg-v5.11' ? this.reg.offsetof(P, 'memcg_data') : this.reg.offsetof(P, 'mem_cgroup');
    const vm = this.vmemmap;
    for (let i = 0; i < bl.count; i++) {
      const kind = bl.kind[i];
      if (kind === PageKind.SlabReclaimable || kind === PageKind.SlabUnreclaimable || kind === PageKind.Free) continue;
      const order = bl.order[i];
      const po = bl.pfn[i] * STRUCT_PAGE_SIZE;
      vm.u64(po + flagsOff, pageFlagsOfKind(kind, order));
      vm.u32(po + refOff, 1);
      vm.u32(po + mapOff, kind === PageKind.Anon || kind === PageKind.File ? 0 : 0xffffffff);
      if (bl.memcg[i]) {
        let v = this.prog.addresses.memCgroup(bl.memcg[i]);
        const kmem = kind === PageKind.KernelStack || kind === PageKind.PageTable || kind === PageKind.KmallocLarge;
        if (this.prog.profile === 'objcg-v5.11' && kmem) v |= BigInt(MEMCG_DATA.MEMCG_DATA_KMEM);
        vm.u64(po + memcgOff, v);
      }
      const head = VMEMMAP_START + BigInt(po);
      for (let t = 1; t < 1 << order; t++) {
        const to = po + t * STRUCT_PAGE_SIZE;
        vm.u64(to + headOff, head | 1n);
        if (t === 1) vm.u8(to + orderOff, order);
      }
    }
  }

  private cgroupAddr(cssId: number): bigint {
    return this.prog.addresses.cgroup(cssId, this.prog.rootCgroupAddress());
  }

  private buildCgroups(): void {
    const g = this.snap.cgroups;
    const A = this.prog.addresses;
    const M = 'struct mem_cgroup';
    const CG = 'struct cgroup';
    const CSS = 'struct cgroup_subsys_state';
    const KN = 'struct kernfs_node';
    const siblingOff = this.off(CSS, 'sibling');
    const childrenOff = this.off(CSS, 'children');
    const knRbOff = this.off(KN, 'rb');
    const cssOff = this.off(M, 'css');
    const selfOff = this.off(CG, 'self');
    const pcMax = (0x7fffffffffffffffn / BigInt(this.ps));
    const kfRoot = kdataSymbolAddress('cgroup_kf_root');
    this.set('struct kernfs_root', kfRoot, 'kn', A.kernfs(g.id[0]));
    for (let i = 0; i < g.count; i++) {
      const id = g.id[i];
      const memcg = A.memCgroup(id);
      const cgrp = this.cgroupAddr(id);
      const kn = A.kernfs(id);
      const online = g.online[i] === 1;
      const root = i === 0;
      const parentId = g.parent[i];
      const kids = this.prog.children.get(id) ?? [];
      const flags = root ? CSS_FLAGS.CSS_NO_REF | CSS_FLAGS.CSS_ONLINE | CSS_FLAGS.CSS_VISIBLE : online ? CSS_FLAGS.CSS_ONLINE | CSS_FLAGS.CSS_VISIBLE : CSS_FLAGS.CSS_DYING;
      // both css trees: the memcg css (root_mem_cgroup.css) and the cgroup's own css (cgroup.self)
      for (const [cssAddr, parentCss, kidCss] of [
        [memcg + cssOff, parentId ? A.memCgroup(parentId) + cssOff : 0n, kids.map((k) => A.memCgroup(k) + cssOff)],
        [cgrp + selfOff, parentId ? this.cgroupAddr(parentId) + selfOff : 0n, kids.map((k) => this.cgroupAddr(k) + selfOff)],
      ] as const) {
        this.put(CSS, cssAddr, {
          cgroup: cgrp,
          'refcnt.count.counter': g.refcnt[i] + (online ? 1 : 0),
          'refcnt.percpu_count_ptr': online ? 0 : PERCPU_REF_ATOMIC_DEAD,
          id,
          flags,
          serial_nr: g.serial[i],
          'online_cnt.counter': online ? 1 : 0,
          parent: parentCss,
        });
        this.list(cssAddr + childrenOff, kidCss.map((k) => k + siblingOff));
        if (root) this.list(cssAddr + siblingOff, []);
      }
      let nrDesc = 0;
      let nrDying = 0;
      const stack = [...kids];
      while (stack.length) {
        const k = stack.pop()!;
        const r = this.prog.cgroupRow.get(k)!;
        if (g.online[r]) nrDesc++;
        else nrDying++;
        stack.push(...(this.prog.children.get(k) ?? []));
      }
      this.put(CG, cgrp, {
        level: g.depth[i],
        max_depth: 0x7fffffff,
        nr_descendants: nrDesc,
        nr_dying_descendants: nrDying,
        max_descendants: 0x7fffffff,
        kn,
        'subsys[0]': memcg + cssOff,
        root: kdataSymbolAddress('cgrp_dfl_root'),
      });
      const onlineKids = kids.filter((k) => g.online[this.prog.cgroupRow.get(k)!]);
      this.put(KN, kn, {
        'count.counter': 1,
        'active.counter': online ? 1 : 0,
        parent: parentId ? A.kernfs(parentId) : 0n,
        name: this.string(Synth.KernfsName, id, g.name[i]),
        hash: fnv(g.name[i]),
        'dir.subdirs': onlineKids.length,
        'dir.root': kfRoot,
        priv: cgrp,
        id: g.ino[i],
        flags: KERNFS_TYPE.KERNFS_DIR,
        mode: 0o40755,
      });
      this.rbtree(kn + this.off(KN, 'dir.children'), onlineKids.map((k) => A.kernfs(k) + knRbOff));
      // struct mem_cgroup
      const fields: Record<string, number | bigint | boolean> = {
        'id.id': id,
        'id.ref.refs.counter': 1,
        soft_limit: pcMax,
        use_hierarchy: true,
        swappiness: 60,
        kmemcg_id: g.kmemcgId[i],
        kmem_state: root ? 0 : online ? 2 : 1,
      };
      ['memory', this.snap.cgroupVersion === 'v1' ? 'memsw' : 'swap', 'kmem', 'tcpmem'].forEach((name, ci) => {
        const j = i * 4 + ci;
        const lim = (x: number) => (x === Infinity ? pcMax : BigInt(Math.floor(x)));
        fields[`${name}.usage.counter`] = g.usage[j];
        fields[`${name}.min`] = lim(g.min[j]);
        fields[`${name}.low`] = lim(g.low[j]);
        fields[`${name}.high`] = lim(g.high[j]);
        fields[`${name}.max`] = lim(g.max[j]);
        fields[`${name}.watermark`] = g.watermark[j];
        fields[`${name}.failcnt`] = g.failcnt[j];
        fields[`${name}.parent`] = parentId ? A.memCgroup(parentId) + this.off(M, name) : 0n;
      });
      this.put(M, memcg, fields);
      if (this.legacy) {
        const start = g.kmemCachesStart[i];
        const nodes: bigint[] = [];
        for (let q = 0; q < g.kmemCachesLen[i]; q++) nodes.push(this.cacheAddr(g.kmemCaches[start + q]) + this.off('struct kmem_cache', 'memcg_params.kmem_caches_node'));
        this.list(memcg + this.off(M, 'kmem_caches'), nodes);
      } else {
        this.set(M, memcg, 'objcg', g.objcg[i] ? A.objCgroup(g.objcg[i]) : 0n);
        const start = g.objcgListStart[i];
        const nodes: bigint[] = [];
        for (let q = 0; q < g.objcgListLen[i]; q++) nodes.push(A.objCgroup(g.objcgList[start + q]) + this.off('struct obj_cgroup', 'list'));
        this.list(memcg + this.off(M, 'objcg_list'), nodes);
      }
      // the css_set of the cgroup's tasks
      const cset = root ? kdataSymbolAddress('init_css_set') : synthAddress(Synth.CssSet, id);
      this.put('struct css_set', cset, { 'subsys[0]': memcg + cssOff, 'refcount.refs.counter': g.nrTasks[i], dfl_cgrp: cgrp });
    }
  }

  private cssSetOf(cssId: number): bigint {
    return cssId === this.snap.cgroups.id[0] ? kdataSymbolAddress('init_css_set') : synthAddress(Synth.CssSet, cssId);
  }

  private buildObjcgs(): void {
    if (this.legacy) return;
    const o = this.snap.objcgs;
    const OC = 'struct obj_cgroup';
    const onList = new Set<number>();
    const g = this.snap.cgroups;
    for (let i = 0; i < g.objcgList.length; i++) onList.add(g.objcgList[i]);
    for (let i = 0; i < o.count; i++) {
      const addr = this.prog.addresses.objCgroup(o.id[i]);
      this.put(OC, addr, {
        'refcnt.count.counter': o.refcnt[i],
        'refcnt.percpu_count_ptr': o.killed[i] ? PERCPU_REF_ATOMIC_DEAD : 0,
        memcg: this.prog.addresses.memCgroup(o.memcg[i]),
        'nr_charged_bytes.counter': o.nrChargedBytes[i],
      });
      if (!onList.has(o.id[i])) this.list(addr + this.off(OC, 'list'), []);
    }
  }

  private buildTasks(): void {
    const t = this.snap.tasks;
    const A = this.prog.addresses;
    const TS = 'struct task_struct';
    const initTask = kdataSymbolAddress('init_task');
    const initNs = kdataSymbolAddress('init_pid_ns');
    const tasksOff = this.off(TS, 'tasks');
    const tgOff = this.off(TS, 'thread_group');
    const cgListOff = this.off(TS, 'cg_list');
    const linkOff = (type: number) => this.off(TS, `pid_links[${type}]`);
    const stateOf: Record<string, number> = { R: 0, S: 1, D: 2, Z: 16, X: 32 };
    const leaders: bigint[] = [];
    const threadsOf = new Map<number, bigint[]>();
    const tasksOfCset = new Map<bigint, bigint[]>();
    for (let i = 0; i < t.count; i++) {
      const pid = t.pid[i];
      const addr = A.taskStruct(pid);
      const leaderAddr = this.prog.taskRow.has(t.tgid[i]) ? A.taskStruct(t.tgid[i]) : addr;
      const parentAddr = this.prog.taskRow.has(t.ppid[i]) ? A.taskStruct(t.ppid[i]) : initTask;
      const mm = t.mm[i] > 0 && !t.kthread[i] ? directAddress(t.mm[i]) : 0n;
      const cset = this.cssSetOf(t.memcg[i]);
      this.put(TS, addr, {
        state: stateOf[String.fromCharCode(t.state[i])] ?? 1,
        'usage.refs.counter': 1,
        flags: t.kthread[i] ? PF_KTHREAD : 0,
        cpu: t.cpu[i],
        mm,
        active_mm: mm,
        pid,
        tgid: t.tgid[i],
        real_parent: parentAddr,
        parent: parentAddr,
        group_leader: leaderAddr,
        thread_pid: A.pidStruct(pid),
        start_time: BigInt(Math.round(t.startNs[i])),
        comm: t.comm[i],
        cgroups: cset,
      });
      if (pid === t.tgid[i]) leaders.push(addr + tasksOff);
      const tg = threadsOf.get(t.tgid[i]) ?? [];
      tg.push(addr + tgOff);
      threadsOf.set(t.tgid[i], tg);
      const cl = tasksOfCset.get(cset) ?? [];
      cl.push(addr + cgListOff);
      tasksOfCset.set(cset, cl);
      // struct pid
      const pa = A.pidStruct(pid);
      this.put('struct pid', pa, { 'count.refs.counter': 1, level: 0, 'numbers[0].nr': pid, 'numbers[0].ns': initNs });
      this.hlist(pa + this.off('struct pid', `tasks[${PIDTYPE.PIDTYPE_PID}]`), [addr + linkOff(PIDTYPE.PIDTYPE_PID)]);
      this.hlist(pa + this.off('struct pid', `tasks[${PIDTYPE.PIDTYPE_TGID}]`), pid === t.tgid[i] ? [addr + linkOff(PIDTYPE.PIDTYPE_TGID)] : []);
    }
    // init_task (swapper, pid 0): head of the list of thread-group leaders
    this.put(TS, initTask, { 'usage.refs.counter': 1, flags: PF_KTHREAD, pid: 0, tgid: 0, real_parent: initTask, parent: initTask, group_leader: initTask, comm: 'swapper/0', cgroups: kdataSymbolAddress('init_css_set') });
    this.list(initTask + tasksOff, leaders);
    this.list(initTask + tgOff, []);
    for (const ring of threadsOf.values()) {
      // thread_group is a ring with no separate head
      ring.forEach((n, i) => {
        this.mem.u64(n, ring[(i + 1) % ring.length]);
        this.mem.u64(n + 8n, ring[(i + ring.length - 1) % ring.length]);
      });
    }
    const csTasks = this.off('struct css_set', 'tasks');
    for (const [cset, nodes] of tasksOfCset) this.list(cset + csTasks, nodes);
    // init_pid_ns.idr: an xarray from pid number to struct pid
    const entries: Array<[number, bigint]> = [];
    for (let i = 0; i < t.count; i++) entries.push([t.pid[i], A.pidStruct(t.pid[i])]);
    const xa = initNs + this.off('struct pid_namespace', 'idr.idr_rt');
    this.set('struct xarray', xa, 'xa_head', this.xarray(xa, entries));
    this.put('struct pid_namespace', initNs, {
      'idr.idr_next': t.count ? t.pid[t.count - 1] + 1 : 1,
      pid_allocated: t.count,
      child_reaper: this.prog.taskRow.has(1) ? A.taskStruct(1) : 0n,
      level: 0,
    });
  }

  private xaNodeSeq = 0;

  /** Builds xa_nodes for sorted (index, pointer) entries; returns the xa_head value. */
  private xarray(xa: bigint, entries: Array<[number, bigint]>): bigint {
    if (entries.length === 0) return 0n;
    const maxIndex = entries[entries.length - 1][0];
    let shift = 0;
    while (maxIndex >= 2 ** (shift + XA_CHUNK_SHIFT)) shift += XA_CHUNK_SHIFT;
    const XN = 'struct xa_node';
    const slotsOff = this.off(XN, 'slots');
    const make = (sh: number, offset: number, parent: bigint, items: Array<[number, bigint]>, base: number): bigint => {
      const node = synthAddress(Synth.XaNode, this.xaNodeSeq++);
      const buckets = new Map<number, Array<[number, bigint]>>();
      for (const e of items) {
        const slot = Math.floor((e[0] - base) / 2 ** sh) % XA_CHUNK_SIZE;
        const list = buckets.get(slot) ?? [];
        list.push(e);
        buckets.set(slot, list);
      }
      this.put(XN, node, { shift: sh, offset, count: buckets.size, parent, array: xa });
      for (const [slot, list] of buckets) {
        const v = sh === 0 ? list[0][1] : make(sh - XA_CHUNK_SHIFT, slot, node, list, base + slot * 2 ** sh) | 2n;
        this.mem.u64(node + slotsOff + BigInt(slot * 8), v);
      }
      return node;
    };
    return make(shift, 0, 0n, entries, 0) | 2n;
  }

  private buildGlobals(): void {
    const A = this.prog.addresses;
    const snap = this.snap;
    this.mem.u64(kdataSymbolAddress('root_mem_cgroup'), A.memCgroup(snap.cgroups.id[0]));
    this.mem.u32(kdataSymbolAddress('nr_online_nodes'), snap.machine.nrNodes);
    this.mem.u64(kdataSymbolAddress('min_low_pfn'), 0);
    this.mem.u64(kdataSymbolAddress('max_pfn'), snap.totalPages);
    this.mem.u64(kdataSymbolAddress('totalram_pages'), snap.totalPages);
    this.mem.u32(kdataSymbolAddress('nr_cpu_ids'), snap.machine.nrCpus);
    for (const mask of ['__cpu_online_mask', '__cpu_possible_mask', '__cpu_present_mask']) {
      const a = kdataSymbolAddress(mask);
      for (let cpu = 0; cpu < snap.machine.nrCpus; cpu++) {
        const w = a + BigInt(Math.floor(cpu / 32) * 4);
        this.mem.u32(w, (this.mem.read32(w) | (1 << (cpu % 32))) >>> 0);
      }
    }
    const pco = kdataSymbolAddress('__per_cpu_offset');
    for (let cpu = 0; cpu < Math.min(NR_CPUS, snap.machine.nrCpus); cpu++) this.mem.u64(pco + BigInt(cpu * 8), perCpuOffset(cpu));
    const root = kdataSymbolAddress('cgrp_dfl_root');
    this.put('struct cgroup_root', root, {
      kf_root: kdataSymbolAddress('cgroup_kf_root'),
      subsys_mask: 1,
      hierarchy_id: snap.cgroupVersion === 'v2' ? 0 : 1,
      'nr_cgrps.counter': snap.cgroups.count,
      name: snap.cgroupVersion === 'v2' ? '' : 'memory',
    });
  }

  /** The side file: types, symbols, constants, cgroup directories. */
  meta(): ImageMeta {
    const snap = this.snap;
    const constants: ImageMeta['constants'] = [
      { name: 'vmemmap', type: 'struct page *', value: hex(VMEMMAP_START) },
      { name: 'PAGE_SIZE', type: 'unsigned long', value: String(snap.pageSize) },
      { name: 'PAGE_SHIFT', type: 'int', value: String(Math.log2(snap.pageSize)) },
      { name: 'PAGE_MASK', type: 'unsigned long', value: hex(BigInt.asUintN(64, ~BigInt(snap.pageSize - 1))) },
      { name: 'PAGE_OFFSET', type: 'unsigned long', value: hex(PAGE_OFFSET) },
      ...this.reg.enumerators().map((e) => ({ name: e.name, type: e.type, value: String(e.value) })),
    ];
    const cgroups: ImageMeta['cgroups'] = [];
    for (let i = 0; i < snap.cgroups.count; i++) {
      const v = this.prog.memcgAt(i);
      cgroups.push({ path: cgroupPath(v), ino: v.ino, online: v.online });
    }
    return {
      format: IMAGE_FORMAT,
      version: IMAGE_VERSION,
      profile: this.prog.profile,
      layout: this.reg.toJson(),
      symbols: kdataSymbols(this.prog.profile).map((s) => ({ name: s.name, type: s.type, address: hex(s.address) })),
      constants,
      pageSize: snap.pageSize,
      pageOffset: hex(PAGE_OFFSET),
      vmemmap: hex(VMEMMAP_START),
      cgroupVersion: snap.cgroupVersion,
      controller: snap.controller,
      cgroups,
      generation: snap.generation,
    };
  }
}

/** A stable 31-bit name hash (kernfs only needs one to exist). */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 1) & 0x7fffffff;
}

