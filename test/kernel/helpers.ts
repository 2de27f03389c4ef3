import { bootKernel, cgroupMkdir, cgroupSubtreeControl, checkInvariants, KernelError, taskSpawn } from '../../src/kernel/index.js';
import type { BootOptions, ControllerName, Kernel, MemCgroup, Task } from '../../src/kernel/index.js';
import { expect } from 'vitest';

/** A small machine for fast tests. */
export function smallKernel(controller: ControllerName, extra: BootOptions = {}): Kernel {
  return bootKernel({ controller, machine: 'desktop', machineOverrides: { memBytes: 1024 * 1024 * 1024, nrCpus: 4 }, ...extra });
}

/** The smallest machine validateMachine allows (256 MiB, 2 CPUs): fast to fill up. */
export function tinyKernel(controller: ControllerName, extra: BootOptions = {}): Kernel {
  return bootKernel({ controller, machine: 'desktop', machineOverrides: { memBytes: 256 * 1024 * 1024, nrCpus: 2 }, ...extra });
}

export function withCgroup(k: Kernel, name = 'test'): { cg: MemCgroup; task: Task } {
  if (k.cgroupVersion === 'v2') cgroupSubtreeControl(k, k.rootMemcg, ['memory'], []);
  const cg = cgroupMkdir(k, k.rootMemcg, name);
  const task = taskSpawn(k, cg, name, { cpu: 1 });
  return { cg, task };
}

export function expectInvariants(k: Kernel): void {
  expect(checkInvariants(k)).toEqual([]);
}

/** The errno name a kernel call fails with ('no error' when it succeeds). */
export function errno(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e.code;
    throw e;
  }
  return 'no error';
}
