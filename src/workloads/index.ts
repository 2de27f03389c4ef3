/**
 * The workload registry: named scenarios (one per file) that drive a booted kernel as userspace
 * would. runWorkload() runs one to completion — the mount's default is `boot` — optionally
 * sampling every 5 s of virtual time.
 */
import { fail } from '../kernel/index.js';
import type { Kernel } from '../kernel/index.js';
import type { WorkloadParam, WorkloadSpec } from './types.js';
import { resolveParams, runSteps } from './runner.js';
import type { RunOptions, WorkloadResult } from './runner.js';
import { boot } from './boot.js';
import { sysbenchOltp } from './sysbench_oltp.js';
import { kernelBuild } from './kernel_build.js';
import { cgroupChurn } from './cgroup_churn.js';
import { fleet } from './fleet.js';

export type { WorkloadSpec, WorkloadContext, WorkloadParam } from './types.js';
export type { RunOptions, WorkloadResult } from './runner.js';
export { SAMPLE_EVERY_NS, resolveParams } from './runner.js';

const SPECS: readonly WorkloadSpec[] = [boot, sysbenchOltp, kernelBuild, cgroupChurn, fleet];

/** name -> one-line description */
export const WORKLOADS: Readonly<Record<string, string>> = Object.freeze(Object.fromEntries(SPECS.map((w) => [w.name, w.description])));

/** Every workload with its default machine, reported cgroup and settable parameters. */
export function listWorkloads(): Array<{ name: string; description: string; defaultMachine: string; cgroup: string; params: Readonly<Record<string, WorkloadParam>> }> {
  return SPECS.map((w) => ({ name: w.name, description: w.description, defaultMachine: w.defaultMachine, cgroup: w.cgroup, params: w.params ?? {} }));
}

/** The spec of a named workload; ENOENT for an unknown name. */
export function findWorkload(name: string): WorkloadSpec {
  const w = SPECS.find((s) => s.name === name);
  if (!w) fail('ENOENT', `no workload '${name}' (known: ${SPECS.map((s) => s.name).join(', ')})`);
  return w;
}

/** Runs workload `name` on `k` to completion. */
export function runWorkload(k: Kernel, name: string, opts: RunOptions = {}): WorkloadResult {
  return runSteps(k, findWorkload(name), opts);
}
