/**
 * Runs one workload with one seed under the three slab controllers — legacy (5.5–5.8 per-memcg
 * caches), objcg (the seed's obj_cgroup controller) and none (kmem accounting off) — each on a
 * freshly booted kernel of the same machine, cgroup v1 (memory.kmem.usage_in_bytes exists only
 * there), sampling every 5 s of virtual time. Gathers facts only; table.ts and plot.ts format.
 */
import { bootKernel, cgroupStat, flushDeferredWork, machineProfile } from '../kernel/index.js';
import type { ControllerName, MachineConfig } from '../kernel/index.js';
import { findWorkload, resolveParams, SAMPLE_EVERY_NS, runWorkload } from '../workloads/index.js';
import { takeSample } from './sample.js';
import type { Sample } from './sample.js';
import { slabUtilization } from './utilization.js';
import type { CacheUtilization } from './utilization.js';

export const CONTROLLERS: readonly ControllerName[] = ['legacy', 'objcg', 'none'];

export interface CompareOptions {
  workload: string;
  /** profile name; default: the workload's own machine */
  machine?: string;
  machineOverrides?: Partial<MachineConfig>;
  seed?: number;
  scale?: number;
  /** values of the workload's declared parameters (the same for all three runs) */
  params?: Record<string, string>;
  /** progress: controller, virtual ns reached */
  onProgress?: (controller: ControllerName, tNs: number) => void;
  onControllerDone?: (controller: ControllerName, result: ControllerResult) => void;
}

export interface ControllerResult {
  controller: ControllerName;
  kmemUsagePeakBytes: number;
  memoryUsagePeakBytes: number;
  /** peak /proc/meminfo Slab over the samples, kB */
  slabKb: number;
  /** Slab at the end of the run, kB */
  slabKbEnd: number;
  /** live s->size bytes / slab bytes at the end of the run */
  slabUtilization: number;
  /** the same with s->object_size */
  slabUtilizationObjectSize: number;
  /** slab pages at the end of the run */
  slabPages: number;
  /** kmem_caches at the end of the run (legacy children and objcg clones included) */
  nrCaches: number;
  /** nr_dying_descendants of the root after deferred work (workqueues, RCU) has run */
  nrDying: number;
  /** the same right at the end of the run, before deferred work */
  nrDyingAtEnd: number;
  virtualNs: number;
  wallMs: number;
  samples: Sample[];
  perCache: CacheUtilization[];
}

export interface Comparison {
  workload: string;
  machine: MachineConfig;
  seed: number;
  scale: number;
  /** every declared parameter of the workload with the value the runs used */
  params: Record<string, string>;
  /** the same parameters' defaults */
  defaultParams: Record<string, string>;
  cgroup: string;
  cgroupVersion: 'v1';
  sampleEveryNs: number;
  legacy: ControllerResult;
  objcg: ControllerResult;
  none: ControllerResult;
}

/** Runs the workload under one controller. */
export function runOne(opts: CompareOptions, controller: ControllerName): ControllerResult {
  const spec = findWorkload(opts.workload);
  const seed = opts.seed ?? 1;
  const k = bootKernel({
    machine: opts.machine ?? spec.defaultMachine,
    machineOverrides: opts.machineOverrides,
    controller,
    cgroupVersion: 'v1',
    seed,
  });
  const samples: Sample[] = [];
  const r = runWorkload(k, opts.workload, {
    seed,
    scale: opts.scale ?? 1,
    params: opts.params,
    sampleEveryNs: SAMPLE_EVERY_NS,
    onSample: (kk, tNs) => samples.push(takeSample(kk, spec.cgroup, tNs)),
    onProgress: opts.onProgress ? (tNs) => opts.onProgress!(controller, tNs) : undefined,
  });
  const nrDyingAtEnd = cgroupStat(k, k.rootMemcg).nrDyingDescendants;
  flushDeferredWork(k);
  const u = slabUtilization(k);
  const last = samples[samples.length - 1];
  const peak = (f: (s: Sample) => number) => samples.reduce((m, s) => Math.max(m, f(s)), 0);
  return {
    controller,
    kmemUsagePeakBytes: peak((s) => s.kmemBytes),
    memoryUsagePeakBytes: peak((s) => s.memoryBytes),
    slabKb: peak((s) => s.slabKb),
    slabKbEnd: last.slabKb,
    slabUtilization: u.utilization,
    slabUtilizationObjectSize: u.utilizationObjectSize,
    slabPages: u.slabPages,
    nrCaches: u.nrCaches,
    nrDying: cgroupStat(k, k.rootMemcg).nrDyingDescendants,
    nrDyingAtEnd,
    virtualNs: r.virtualNs,
    wallMs: r.wallMs,
    samples,
    perCache: u.perCache,
  };
}

/** The full comparison: the same workload and seed under legacy, objcg and none. */
export function runComparison(opts: CompareOptions): Comparison {
  const spec = findWorkload(opts.workload);
  // rejects an unknown parameter or value before the first run
  const params = resolveParams(spec, opts.params);
  const results = {} as Record<ControllerName, ControllerResult>;
  for (const c of CONTROLLERS) {
    results[c] = runOne(opts, c);
    opts.onControllerDone?.(c, results[c]);
  }
  return {
    workload: spec.name,
    machine: machineProfile(opts.machine ?? spec.defaultMachine, { ...(opts.machineOverrides ?? {}), seed: opts.seed ?? 1 }),
    seed: opts.seed ?? 1,
    scale: opts.scale ?? 1,
    params,
    defaultParams: resolveParams(spec),
    cgroup: spec.cgroup,
    cgroupVersion: 'v1',
    sampleEveryNs: SAMPLE_EVERY_NS,
    legacy: results.legacy,
    objcg: results.objcg,
    none: results.none,
  };
}

/** Signed % change of objcg against legacy (the thread's "%reduction" is its negation). */
export function percentChange(legacy: number, objcg: number): number {
  if (legacy === 0) return objcg === 0 ? 0 : Infinity;
  return ((objcg - legacy) / legacy) * 100;
}
