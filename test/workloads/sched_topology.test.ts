/** The sched domains come from the MachineConfig's topology fields, not from the profile's name. */
import { describe, expect, it } from 'vitest';
import { machineProfile } from '../../src/kernel/index.js';
import { schedTopology } from '../../src/workloads/sched_topology.js';

const shape = (name: string, overrides = {}) => {
  const t = schedTopology(machineProfile(name, overrides));
  return { levels: t.levels.map((l) => [l.name, l.span, l.groupSpan, l.balanceForkExec]), forkExecSpan: t.forkExecSpan, tickNs: t.tickNs };
};

describe('schedTopology from MachineConfig', () => {
  it('server: an MC domain per socket under a NUMA level that keeps fork/exec balancing (21 <= 30), HZ 1000', () => {
    expect(shape('server')).toEqual({ levels: [['MC', 20, 1, true], ['NUMA', 40, 20, true]], forkExecSpan: 40, tickNs: 1e6 });
    expect(schedTopology(machineProfile('server')).maxBalanceIntervalNs).toBe(4e9);
  });

  it('each field counts: SMT width, HZ, node distance against reclaim distance', () => {
    // POWER8 with an LLC of two SMT8 cores: an MC domain
    expect(shape('power8', { cpusPerLlc: 16 }).levels[0]).toEqual(['MC', 16, 1, true]);
    // a desktop whose LLC is one SMT8 core
    expect(shape('desktop', { threadsPerCore: 8 }).levels[0]).toEqual(['SMT', 8, 1, true]);
    expect(shape('desktop', { hz: 250 }).tickNs).toBe(4e6);
    // the server with POWER's reclaim distance: the NUMA level loses fork/exec balancing
    expect(shape('server', { reclaimDistance: 10 })).toMatchObject({ levels: [['MC', 20, 1, true], ['NUMA', 40, 20, false]], forkExecSpan: 20 });
    // POWER8 with x86's: it keeps it
    expect(shape('power8', { reclaimDistance: 30 }).forkExecSpan).toBe(80);
    expect(shape('power8', { nodeDistance: 40, reclaimDistance: 30 }).forkExecSpan).toBe(40);
  });
});
