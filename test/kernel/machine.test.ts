/** Machine profiles: their topology fields, the override rules, and validation (EINVAL). */
import { describe, expect, it } from 'vitest';
import { KernelError, MACHINE_PROFILES, bootKernel, machineProfile } from '../../src/kernel/index.js';
import type { MachineConfig } from '../../src/kernel/index.js';

const topology = (c: MachineConfig) => [c.nrCpus, c.cpusPerLlc, c.threadsPerCore, c.nrNodes, c.hz, c.nodeDistance, c.reclaimDistance];

describe('machine profiles', () => {
  it('desktop, power8 and server carry their topology', () => {
    expect(Object.keys(MACHINE_PROFILES)).toEqual(['desktop', 'power8', 'server']);
    expect(topology(machineProfile('desktop'))).toEqual([8, 8, 1, 1, 1000, 21, 30]);
    expect(topology(machineProfile('power8'))).toEqual([80, 8, 8, 2, 100, 20, 10]);
    expect(topology(machineProfile('server'))).toEqual([40, 20, 2, 2, 1000, 21, 30]);
    const server = machineProfile('server');
    expect([server.pageSize, server.memBytes]).toEqual([4096, 128 * 1024 ** 3]);
  });

  it.each([
    { machine: 'power8', overrides: { nrCpus: 4 }, llc: 4, smt: 4 }, // a one-core LLC stays one core
    { machine: 'power8', overrides: { nrCpus: 16 }, llc: 8, smt: 8 },
    { machine: 'server', overrides: { nrCpus: 80 }, llc: 20, smt: 2 },
    { machine: 'server', overrides: { nrCpus: 10 }, llc: 10, smt: 2 },
    { machine: 'server', overrides: { nrCpus: 5 }, llc: 5, smt: 1 }, // no whole 2-thread cores
    { machine: 'desktop', overrides: { nrCpus: 16 }, llc: 16, smt: 1 },
    { machine: 'desktop', overrides: { nrCpus: 16, threadsPerCore: 2 }, llc: 16, smt: 2 },
    { machine: 'power8', overrides: { cpusPerLlc: 16 }, llc: 16, smt: 8 }, // an LLC of two SMT8 cores, as asked
    { machine: 'power8', overrides: { cpusPerLlc: 4 }, llc: 4, smt: 4 },
  ])('$machine with $overrides: LLC $llc CPUs, SMT$smt', ({ machine, overrides, llc, smt }) => {
    const c = machineProfile(machine, overrides);
    expect([c.cpusPerLlc, c.threadsPerCore]).toEqual([llc, smt]);
  });

  it.each([
    { field: 'threadsPerCore', value: 3 },
    { field: 'threadsPerCore', value: 0 },
    { field: 'threadsPerCore', value: 16 },
    { field: 'hz', value: 500 },
    { field: 'hz', value: 0 },
    { field: 'nodeDistance', value: 10 },
    { field: 'nodeDistance', value: 255 },
    { field: 'nodeDistance', value: 20.5 },
    { field: 'reclaimDistance', value: 9 },
    { field: 'reclaimDistance', value: NaN },
    { field: 'cpusPerLlc', value: NaN },
    { field: 'nrCpus', value: NaN },
  ])('EINVAL for $field = $value', ({ field, value }) => {
    for (const machine of Object.keys(MACHINE_PROFILES)) {
      const err = (() => {
        try {
          bootKernel({ machine, machineOverrides: { [field]: value } });
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(KernelError);
      expect((err as KernelError).code).toBe('EINVAL');
    }
  });
});
