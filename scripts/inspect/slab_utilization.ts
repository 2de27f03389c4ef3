/**
 * slab_utilization [--by-root] [--all]: how much of the slab memory holds live objects — the
 * estimate behind the patchset's "45-65 %" (its drgn script was never published; this is the
 * formula of tools/mm/slabinfo.c's %Ef column):
 *
 *   utilization = sum(active objects x object size) / sum(slabs x (PAGE_SIZE << order))
 *
 * under two definitions of object size: the payload (object_size) and the slot (size, what
 * /proc/slabinfo's objsize column shows). Active objects are counted exactly: an object is free
 * when it is on its slab's freelist, including the freelists of per-CPU slabs and per-CPU
 * partial slabs, which /proc/slabinfo counts as in use (its active_objs is also reported).
 * Every kmem_cache is a row — legacy per-memcg child caches and objcg "-memcg" clones included —
 * unless --by-root folds them into their root cache.
 */
import type { InspectScript } from '../../src/inspect/script.js';
import { ScriptError, parseScriptArgs } from '../../src/inspect/script.js';
import type { Program } from '../../src/inspect/program.js';
import { forEachSlabCache, slabCacheUsage, slubGetSlabinfo } from '../../src/inspect/helpers/slab.js';

export interface UtilizationRow {
  name: string;
  /** kmem_caches folded into this row */
  caches: number;
  objectSize: number;
  size: number;
  order: number;
  objPerSlab: number;
  slabs: number;
  slabBytes: number;
  numObjs: number;
  /** exact allocated objects */
  activeObjs: number;
  /** /proc/slabinfo's active_objs (per-CPU free objects counted as active) */
  procActiveObjs: number;
  /** free objects on per-CPU slabs and per-CPU partial lists */
  cpuFreeObjs: number;
  usedBytesObject: number;
  usedBytesSlot: number;
  /** usedBytes / slabBytes, 0..1 (0 when no slabs) */
  utilObject: number;
  utilSlot: number;
}

export interface UtilizationData {
  controller: string;
  pageSize: number;
  byRoot: boolean;
  rows: UtilizationRow[];
  total: Omit<UtilizationRow, 'name' | 'objectSize' | 'size' | 'order' | 'objPerSlab'> & { procUtilSlot: number };
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

/** Per-cache (or per-root-cache) utilization rows and the total. */
export function slabUtilization(prog: Program, opts: { byRoot?: boolean; all?: boolean } = {}): UtilizationData {
  const rows = new Map<string, UtilizationRow>();
  const order: string[] = [];
  for (const cache of forEachSlabCache(prog)) {
    const root = opts.byRoot ? (cache.rootCache ?? cache) : cache;
    const key = opts.byRoot ? `root:${root.id}` : `cache:${cache.id}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        name: root.name,
        caches: 0,
        objectSize: root.objectSize,
        size: root.size,
        order: root.order,
        objPerSlab: root.objects,
        slabs: 0,
        slabBytes: 0,
        numObjs: 0,
        activeObjs: 0,
        procActiveObjs: 0,
        cpuFreeObjs: 0,
        usedBytesObject: 0,
        usedBytesSlot: 0,
        utilObject: 0,
        utilSlot: 0,
      };
      rows.set(key, row);
      order.push(key);
    }
    const u = slabCacheUsage(cache);
    row.caches++;
    row.slabs += u.numSlabs;
    row.slabBytes += u.slabBytes;
    row.numObjs += u.numObjs;
    row.activeObjs += u.activeObjs;
    row.procActiveObjs += slubGetSlabinfo(cache).activeObjs;
    row.cpuFreeObjs += u.cpuSlabFree + u.cpuPartialFree;
    row.usedBytesObject += u.activeObjs * cache.objectSize;
    row.usedBytesSlot += u.activeObjs * cache.size;
  }
  const out: UtilizationRow[] = [];
  for (const key of order) {
    const r = rows.get(key)!;
    if (!opts.all && r.slabs === 0) continue;
    r.utilObject = ratio(r.usedBytesObject, r.slabBytes);
    r.utilSlot = ratio(r.usedBytesSlot, r.slabBytes);
    out.push(r);
  }
  out.sort((a, b) => b.slabBytes - a.slabBytes || a.name.localeCompare(b.name));
  const total = {
    caches: 0,
    slabs: 0,
    slabBytes: 0,
    numObjs: 0,
    activeObjs: 0,
    procActiveObjs: 0,
    cpuFreeObjs: 0,
    usedBytesObject: 0,
    usedBytesSlot: 0,
    utilObject: 0,
    utilSlot: 0,
    procUtilSlot: 0,
  };
  let procUsedSlot = 0;
  for (const r of rows.values()) {
    total.caches += r.caches;
    total.slabs += r.slabs;
    total.slabBytes += r.slabBytes;
    total.numObjs += r.numObjs;
    total.activeObjs += r.activeObjs;
    total.procActiveObjs += r.procActiveObjs;
    total.cpuFreeObjs += r.cpuFreeObjs;
    total.usedBytesObject += r.usedBytesObject;
    total.usedBytesSlot += r.usedBytesSlot;
    procUsedSlot += r.procActiveObjs * r.size;
  }
  total.utilObject = ratio(total.usedBytesObject, total.slabBytes);
  total.utilSlot = ratio(total.usedBytesSlot, total.slabBytes);
  total.procUtilSlot = ratio(procUsedSlot, total.slabBytes);
  return { controller: prog.controller, pageSize: prog.pageSize, byRoot: !!opts.byRoot, rows: out, total };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export const script: InspectScript<UtilizationData> = {
  name: 'slab_utilization',
  summary: 'slab memory utilization per cache and in total (object-size and slot-size definitions)',
  usage: '[--by-root] [--all]',
  collect(prog, args) {
    const { flags, positional } = parseScriptArgs(args, { 'by-root': 'flag', all: 'flag' });
    if (positional.length) throw new ScriptError('usage: slab_utilization [--by-root] [--all]', 2);
    return slabUtilization(prog, { byRoot: !!flags['by-root'], all: !!flags.all });
  },
  format(d) {
    const lines: string[] = [];
    lines.push(`# slab utilization: controller ${d.controller}, ${d.total.caches} kmem_caches, page size ${d.pageSize}${d.byRoot ? ', child caches folded into their root' : ''}`);
    const head = ['# name'.padEnd(26), 'caches', ' objsize', '  slot', '    active', '     total', ' cpu_free', '   slabs', '     kbytes', ' util_obj', ' util_slot'];
    lines.push(head.join(' '));
    const fmt = (name: string, r: { caches: number; activeObjs: number; numObjs: number; cpuFreeObjs: number; slabs: number; slabBytes: number; utilObject: number; utilSlot: number }, objectSize: string, size: string) =>
      [
        name.padEnd(26),
        String(r.caches).padStart(6),
        objectSize.padStart(8),
        size.padStart(6),
        String(r.activeObjs).padStart(10),
        String(r.numObjs).padStart(10),
        String(r.cpuFreeObjs).padStart(9),
        String(r.slabs).padStart(8),
        String(Math.round(r.slabBytes / 1024)).padStart(11),
        pct(r.utilObject).padStart(9),
        pct(r.utilSlot).padStart(10),
      ].join(' ');
    for (const r of d.rows) lines.push(fmt(r.name, r, String(r.objectSize), String(r.size)));
    lines.push(fmt('TOTAL', d.total, '-', '-'));
    const t = d.total;
    lines.push(
      `# utilization ${pct(t.utilObject)} (object size) / ${pct(t.utilSlot)} (slot size) of ${(t.slabBytes / 1048576).toFixed(1)} MiB in ${t.slabs} slabs;` +
        ` ${t.cpuFreeObjs} free objects sit on per-CPU slabs (/proc/slabinfo counts them active: ${pct(t.procUtilSlot)})`,
    );
    return lines.join('\n') + '\n';
  },
};
