/**
 * The comparison as text, in the shape of Bharata B Rao's tables in the seed thread: one row per
 * measure, the old controller, the new one, and the change — here a signed % change of objcg
 * against legacy (the thread's "%reduction" is its negation) — with kmem accounting off as a
 * reference column.
 */
import type { Comparison, ControllerResult } from './run.js';
import { percentChange } from './run.js';

interface Row {
  label: string;
  value: (r: ControllerResult) => number;
  format: (v: number) => string;
}

const int = (v: number) => String(Math.round(v));
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

const ROWS: Row[] = [
  { label: 'memory.kmem.usage_in_bytes (peak)', value: (r) => r.kmemUsagePeakBytes, format: int },
  { label: 'memory.usage_in_bytes (peak)', value: (r) => r.memoryUsagePeakBytes, format: int },
  { label: 'Slab: (kB) (peak)', value: (r) => r.slabKb, format: int },
  { label: 'Slab: (kB) (end)', value: (r) => r.slabKbEnd, format: int },
  { label: 'slab utilization (end, s->size)', value: (r) => r.slabUtilization, format: pct },
  { label: 'slab utilization (end, object_size)', value: (r) => r.slabUtilizationObjectSize, format: pct },
  { label: 'slab pages (end)', value: (r) => r.slabPages, format: int },
  { label: 'kmem_caches (end)', value: (r) => r.nrCaches, format: int },
  { label: 'nr_dying_descendants (end)', value: (r) => r.nrDyingAtEnd, format: int },
  { label: 'nr_dying_descendants (deferred work done)', value: (r) => r.nrDying, format: int },
];

function change(legacy: number, objcg: number): string {
  const c = percentChange(legacy, objcg);
  if (!Number.isFinite(c)) return 'n/a';
  return `${c >= 0 ? '+' : ''}${c.toFixed(1)} %`;
}

/** The table compare prints. */
export function formatComparison(c: Comparison): string {
  const m = c.machine;
  const seconds = c.legacy.virtualNs / 1e9;
  const lines: string[] = [];
  const width = 100;
  const changed = Object.entries(c.params).filter(([name, v]) => v !== c.defaultParams[name]);
  const params = changed.map(([name, v]) => `, ${name}=${v}`).join('');
  lines.push(`memcgfs compare: workload ${c.workload}, machine ${m.name} (${m.nrCpus} CPUs, ${m.pageSize / 1024} KiB pages, ${m.nrNodes} node${m.nrNodes > 1 ? 's' : ''}), seed ${c.seed}, scale ${c.scale}${params}`);
  lines.push(`cgroup ${c.cgroup} (cgroup v1), sampled every ${c.sampleEveryNs / 1e9} s over ${seconds.toFixed(0)} s of virtual time (${c.legacy.samples.length} samples)`);
  lines.push('-'.repeat(width));
  const head = (a: string, b: string, d: string, e: string, f: string) => a.padEnd(42) + b.padStart(14) + d.padStart(14) + e.padStart(16) + f.padStart(14);
  lines.push(head('', 'legacy', 'objcg', 'objcg/legacy', 'none'));
  lines.push('-'.repeat(width));
  for (const row of ROWS) {
    const l = row.value(c.legacy);
    const o = row.value(c.objcg);
    const n = row.value(c.none);
    lines.push(head(row.label, row.format(l), row.format(o), change(l, o), row.format(n)));
  }
  lines.push('-'.repeat(width));
  lines.push('utilization = live objects x s->size (or object_size) / slab bytes; free slots of per-CPU slabs count as free');
  lines.push(`wall time: legacy ${(c.legacy.wallMs / 1000).toFixed(1)} s, objcg ${(c.objcg.wallMs / 1000).toFixed(1)} s, none ${(c.none.wallMs / 1000).toFixed(1)} s`);
  return lines.join('\n') + '\n';
}

/** The --json document: one object per controller under its name (samples and per-cache rows included). */
export function comparisonJson(c: Comparison): unknown {
  const strip = (r: ControllerResult) => ({ ...r });
  return {
    workload: c.workload,
    machine: c.machine,
    seed: c.seed,
    scale: c.scale,
    params: c.params,
    cgroup: c.cgroup,
    cgroupVersion: c.cgroupVersion,
    sampleEveryNs: c.sampleEveryNs,
    legacy: strip(c.legacy),
    objcg: strip(c.objcg),
    none: strip(c.none),
    objcgVsLegacyPercent: {
      kmemUsagePeakBytes: percentChange(c.legacy.kmemUsagePeakBytes, c.objcg.kmemUsagePeakBytes),
      memoryUsagePeakBytes: percentChange(c.legacy.memoryUsagePeakBytes, c.objcg.memoryUsagePeakBytes),
      slabKb: percentChange(c.legacy.slabKb, c.objcg.slabKb),
      slabKbEnd: percentChange(c.legacy.slabKbEnd, c.objcg.slabKbEnd),
      slabPages: percentChange(c.legacy.slabPages, c.objcg.slabPages),
      nrCaches: percentChange(c.legacy.nrCaches, c.objcg.nrCaches),
    },
  };
}
