/**
 * Machine descriptions. Profiles model the hosts of the seed thread: the cover letter's Fedora
 * desktop and the POWER8 host of the thread's test report. Every field can be overridden.
 */
import type { MachineConfig } from './types.js';
import { fail } from './errno.js';

const GiB = 1024 * 1024 * 1024;

export const MACHINE_PROFILES: Readonly<Record<string, MachineConfig>> = {
  /** 8 CPUs, 4 KiB pages, 16 GiB: the cover letter's desktop. */
  desktop: { name: 'desktop', nrCpus: 8, pageSize: 4096, memBytes: 16 * GiB, nrNodes: 1, cpusPerLlc: 8, seed: 1 },
  /** 80 CPUs (10 cores x SMT8, L3 per core), 64 KiB pages: the POWER8 host of Bharata B Rao's report. */
  power8: { name: 'power8', nrCpus: 80, pageSize: 65536, memBytes: 64 * GiB, nrNodes: 2, cpusPerLlc: 8, seed: 1 },
};

/** The named profile with `overrides` applied; EINVAL for an unknown name or a bad field. */
export function machineProfile(name: string, overrides: Partial<MachineConfig> = {}): MachineConfig {
  const base = MACHINE_PROFILES[name];
  if (!base) fail('EINVAL', `unknown machine profile '${name}' (known: ${Object.keys(MACHINE_PROFILES).join(', ')})`);
  const cfg: MachineConfig = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (cfg as unknown as Record<string, unknown>)[key] = value;
  }
  // a CPU count given without a topology keeps the profile's LLC size where it still divides
  if (overrides.cpusPerLlc === undefined && cfg.nrCpus % cfg.cpusPerLlc !== 0) cfg.cpusPerLlc = cfg.nrCpus;
  if (overrides.cpusPerLlc === undefined && base.cpusPerLlc === base.nrCpus) cfg.cpusPerLlc = cfg.nrCpus;
  validateMachine(cfg);
  return cfg;
}

export function validateMachine(cfg: MachineConfig): void {
  if (!Number.isInteger(cfg.nrCpus) || cfg.nrCpus < 1 || cfg.nrCpus > 1024) fail('EINVAL', 'nrCpus must be 1..1024');
  if (cfg.pageSize !== 4096 && cfg.pageSize !== 65536) fail('EINVAL', 'pageSize must be 4096 or 65536');
  if (!Number.isInteger(cfg.nrNodes) || cfg.nrNodes < 1 || cfg.nrNodes > 2) fail('EINVAL', 'nrNodes must be 1 or 2');
  if (cfg.nrCpus < cfg.nrNodes) fail('EINVAL', 'need at least one CPU per node');
  if (!Number.isInteger(cfg.cpusPerLlc) || cfg.cpusPerLlc < 1 || cfg.nrCpus % cfg.cpusPerLlc !== 0) fail('EINVAL', 'cpusPerLlc must divide nrCpus');
  const minBytes = 256 * 1024 * 1024;
  if (!(cfg.memBytes >= minBytes) || cfg.memBytes > 1024 * GiB) fail('EINVAL', 'memBytes must be 256 MiB..1 TiB');
  if (!Number.isInteger(cfg.seed)) fail('EINVAL', 'seed must be an integer');
}

/** The NUMA node a CPU belongs to: CPUs are split into equal contiguous blocks. */
export function cpuToNode(cfg: MachineConfig, cpu: number): number {
  return Math.min(cfg.nrNodes - 1, Math.floor((cpu * cfg.nrNodes) / cfg.nrCpus));
}
