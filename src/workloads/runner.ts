/**
 * Drives a workload's steps against a kernel: every step's virtual time is handed to
 * clockAdvance (which runs timers and deferred work), cut at every sampling boundary so that a
 * sampler sees the kernel every `sampleEveryNs` of virtual time, as the thread's report sampled
 * every 5 s. The kernel's clock also moves by itself while a step runs (each system call takes
 * a microsecond), so virtual time is the steps' time plus the system calls'; a sample falls at
 * the first step boundary at or after its time. The run is synchronous and deterministic.
 */
import { clockAdvance } from '../kernel/index.js';
import type { Kernel } from '../kernel/index.js';
import type { WorkloadSpec } from './types.js';
import { WorkloadRng } from './rng.js';
import { EventLoop } from './sim.js';

export interface RunOptions {
  seed?: number;
  scale?: number;
  /** values of the workload's declared parameters (spec.params); the others keep their defaults */
  params?: Readonly<Record<string, string>>;
  /** called at t = every, 2·every, ... and once more at the end (virtual ns since the start) */
  onSample?: (k: Kernel, tNs: number) => void;
  sampleEveryNs?: number;
  /** called after every step with the virtual time reached (progress bars) */
  onProgress?: (tNs: number) => void;
}

export interface WorkloadResult {
  name: string;
  seed: number;
  scale: number;
  /** every declared parameter with the value the run used */
  params: Readonly<Record<string, string>>;
  /** virtual time the workload covered, ns */
  virtualNs: number;
  steps: number;
  samples: number;
  /** actors ended early by a kernel error (OOM kill, ENOMEM) */
  aborted: number;
  wallMs: number;
  /** the cgroup a comparison reports */
  cgroup: string;
}

export const SAMPLE_EVERY_NS = 5_000_000_000;

/**
 * The workload's declared parameters with `values` applied over their defaults; a RangeError
 * for a name the workload does not declare or a value outside the parameter's allowed values.
 */
export function resolveParams(w: WorkloadSpec, values: Readonly<Record<string, string>> = {}): Record<string, string> {
  const declared = w.params ?? {};
  const out: Record<string, string> = Object.fromEntries(Object.entries(declared).map(([name, p]) => [name, p.default]));
  for (const [name, value] of Object.entries(values)) {
    const p = Object.hasOwn(declared, name) ? declared[name] : undefined;
    if (!p) {
      const known = Object.keys(declared);
      throw new RangeError(`unknown parameter '${name}' for workload ${w.name} (known: ${known.length ? known.join(', ') : 'none'})`);
    }
    if (p.values && !p.values.includes(value)) throw new RangeError(`bad value '${value}' for ${w.name}'s ${name} (allowed: ${p.values.join(', ')})`);
    out[name] = value;
  }
  return out;
}

export function runSteps(k: Kernel, w: WorkloadSpec, opts: RunOptions = {}): WorkloadResult {
  const seed = opts.seed ?? k.config.seed;
  const scale = opts.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError('scale must be a positive number');
  const params = resolveParams(w, opts.params);
  const every = opts.sampleEveryNs ?? SAMPLE_EVERY_NS;
  const loop = new EventLoop();
  const ctx = { k, rng: new WorkloadRng(seed), scale, loop, params };
  const t0 = performance.now();
  const startNs = k.nowNs();
  let nextSample = every;
  let steps = 0;
  let samples = 0;
  for (const dt of w.steps(ctx)) {
    steps++;
    let left = Math.max(0, dt);
    while (opts.onSample && k.nowNs() - startNs + left >= nextSample) {
      // system calls advance the clock too, so the sample point may already be behind us
      const part = Math.max(0, nextSample - (k.nowNs() - startNs));
      clockAdvance(k, part);
      left = Math.max(0, left - part);
      opts.onSample(k, nextSample);
      samples++;
      nextSample += every;
    }
    if (left > 0) clockAdvance(k, left);
    opts.onProgress?.(k.nowNs() - startNs);
  }
  const virtualNs = k.nowNs() - startNs;
  if (opts.onSample) {
    opts.onSample(k, virtualNs);
    samples++;
  }
  return { name: w.name, seed, scale, params, virtualNs, steps, samples, aborted: loop.nrAborted, wallMs: performance.now() - t0, cgroup: w.cgroup };
}
