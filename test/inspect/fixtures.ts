/** Known workloads for the inspection tests, built with the kernel's public API. */
import {
  bootKernel,
  cgroupMkdir,
  cgroupRmdir,
  cgroupSubtreeControl,
  flushDeferredWork,
  taskExit,
  taskLookupMissing,
  taskSpawn,
  type BootOptions,
  type ControllerName,
  type Kernel,
  type MemCgroup,
  type Task,
} from '../../src/kernel/index.js';

export const CONTROLLERS = ['objcg', 'legacy'] as const;

/** A small machine: 512 MiB, 4 CPUs, one node. */
export function smallKernel(controller: ControllerName, extra: BootOptions = {}): Kernel {
  return bootKernel({ controller, machine: 'desktop', machineOverrides: { memBytes: 512 * 1024 * 1024, nrCpus: 4 }, ...extra });
}

export interface Known {
  k: Kernel;
  /** /p, with memory enabled for its children */
  p: MemCgroup;
  /** /p/a: `nA` accounted short-name dentries by task `ta` */
  a: MemCgroup;
  ta: Task;
  /** /p/b: `nB` dentries, then its task exited and it was removed (dying or released) */
  b: MemCgroup;
  nA: number;
  nB: number;
}

/**
 * root -> p -> {a, b}. Each cgroup first makes one allocation that creates its cache (the legacy
 * child cache, or the objcg "-memcg" clone) and runs the creation work, then allocates N
 * accounted dentries (short names: no external name object). b's task exits and b is removed.
 */
export function knownWorkload(controller: ControllerName, opts: { nA?: number; nB?: number; removeB?: boolean } & BootOptions = {}): Known {
  const { nA = 500, nB = 300, removeB = true, ...boot } = opts;
  const k = smallKernel(controller, boot);
  const v2 = k.cgroupVersion === 'v2';
  if (v2) cgroupSubtreeControl(k, k.rootMemcg, ['memory'], []);
  const p = cgroupMkdir(k, k.rootMemcg, 'p');
  if (v2) cgroupSubtreeControl(k, p, ['memory'], []);
  const a = cgroupMkdir(k, p, 'a');
  const b = cgroupMkdir(k, p, 'b');
  const ta = taskSpawn(k, a, 'worker-a', { cpu: 1 });
  const tb = taskSpawn(k, b, 'worker-b', { cpu: 2 });
  // warm-up: the first accounted allocation only queues the cache creation (legacy: one child
  // cache per memcg; objcg: one shared clone, so b's warm-up would already be accounted)
  taskLookupMissing(k, ta, 1, 20);
  flushDeferredWork(k);
  if (controller === 'legacy') {
    taskLookupMissing(k, tb, 1, 20);
    flushDeferredWork(k);
  }
  taskLookupMissing(k, ta, nA, 20);
  taskLookupMissing(k, tb, nB, 20);
  if (removeB) {
    taskExit(k, tb);
    cgroupRmdir(k, b);
  }
  return { k, p, a, ta, b, nA, nB };
}
