/**
 * What a workload is: a named scenario that drives a booted kernel through the public API as
 * userspace would, step by step, so that a runner can move the clock and sample in between.
 */
import type { Kernel } from '../kernel/index.js';
import type { WorkloadRng } from './rng.js';
import type { EventLoop } from './sim.js';

export interface WorkloadContext {
  readonly k: Kernel;
  /** the workload's seeded generator (never the kernel's) */
  readonly rng: WorkloadRng;
  /** volume factor: 1 is the documented workload, smaller values make quick test runs */
  readonly scale: number;
  readonly loop: EventLoop;
  /** the workload's parameters: its declared defaults merged with the user's values */
  readonly params: Readonly<Record<string, string>>;
}

/** A parameter a user may set (`memcgfs compare --param NAME=VALUE`). */
export interface WorkloadParam {
  /** what the parameter changes, for --help */
  readonly description: string;
  /** the allowed values (any value if absent) */
  readonly values?: readonly string[];
  readonly default: string;
}

export interface WorkloadSpec {
  readonly name: string;
  /** one line for listings */
  readonly description: string;
  /** the machine profile the workload describes (compare's default --machine) */
  readonly defaultMachine: string;
  /** path of the cgroup whose counters a comparison reports ('/' = everything) */
  readonly cgroup: string;
  /** name -> the parameters a user may set; the scenario reads them from ctx.params */
  readonly params?: Readonly<Record<string, WorkloadParam>>;
  /** The scenario: yields the nanoseconds of virtual time that pass between its steps. */
  steps(ctx: WorkloadContext): Generator<number, void, void>;
}

/** `n` scaled by the context's volume factor, rounded, at least `min`. */
export function scaled(ctx: WorkloadContext, n: number, min = 1): number {
  return Math.max(min, Math.round(n * ctx.scale));
}
