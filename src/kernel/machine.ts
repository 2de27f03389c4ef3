/**
 * Machine descriptions. Profiles model the hosts of the seed thread — the cover letter's Fedora
 * desktop and the POWER8 host of the thread's test report — and a two-socket x86 server of the
 * kind the fleets the series was written for ran. Every field can be overridden.
 */
import type { MachineConfig } from './types.js';
import { fail } from './errno.js';

const GiB = 1024 * 1024 * 1024;

export const MACHINE_PROFILES: Readonly<Record<string, MachineConfig>> = {
  /**
   * The cover letter's desktop: Fedora on an "8-cores CPU", 16 GiB, 4 KiB pages. Its 8 cores are
   * the model's 8 CPUs with SMT off (threadsPerCore 1: with SMT the same host would have 16 CPUs;
   * docs/compare.md shows what that does to boot). One package: its L3 is the LLC of all 8.
   * HZ 1000: Fedora 31's x86_64 config (CONFIG_HZ_1000). One node; given two (--nodes 2), the remote
   * distance is an x86 SLIT's usual 21, against x86's RECLAIM_DISTANCE, the generic 30
   * (include/linux/topology.h).
   */
  desktop: {
    name: 'desktop',
    nrCpus: 8,
    pageSize: 4096,
    memBytes: 16 * GiB,
    nrNodes: 1,
    cpusPerLlc: 8,
    threadsPerCore: 1,
    hz: 1000,
    nodeDistance: 21,
    reclaimDistance: 30,
    seed: 1,
  },
  /**
   * The POWER8 host of Bharata B Rao's report: "10 core POWER8" in SMT8, 80 CPUs, 64 KiB pages,
   * 64 GiB. Each core's 8 threads share its L3 (cpusPerLlc = threadsPerCore = 8: the LLC domain is
   * an SMT core). The two chips of its dual-chip module are two nodes, at the form-1
   * associativity distance 20 (twice the local 10), against powerpc's RECLAIM_DISTANCE of 10
   * (arch/powerpc/include/asm/topology.h). HZ 100: RHEL's and Fedora's ppc64le configs.
   */
  power8: {
    name: 'power8',
    nrCpus: 80,
    pageSize: 65536,
    memBytes: 64 * GiB,
    nrNodes: 2,
    cpusPerLlc: 8,
    threadsPerCore: 8,
    hz: 100,
    nodeDistance: 20,
    reclaimDistance: 10,
    seed: 1,
  },
  /**
   * A two-socket x86_64 server of 2019-2020 as production fleets ran them: two 10-core Xeons
   * (Broadwell-EP E5-2630 v4 / Skylake-SP Silver 4114 class) with Hyper-Threading on, 2 x 10 x 2
   * = 40 CPUs; each socket's L3 is shared by its cores, so the LLC is a socket (20 CPUs); one
   * NUMA node per socket (sub-NUMA clustering off); 4 KiB pages; 128 GiB (eight 16 GiB DIMMs,
   * one per memory channel of two Broadwell-EPs); HZ 1000 (CONFIG_HZ_1000, as in the RHEL/CentOS
   * and Fedora x86_64 configs fleet kernels started from); SLIT remote distance 21, what Intel
   * two-socket firmware reports; x86's RECLAIM_DISTANCE 30, so the NUMA level keeps fork, exec
   * and wakeup balancing (21 <= 30).
   * Departure: CPUs are numbered core by core (cpu 2c and 2c+1 are one core's threads, sockets in
   * two blocks), where Linux on Intel numbers the first threads of all cores before the second.
   */
  server: {
    name: 'server',
    nrCpus: 40,
    pageSize: 4096,
    memBytes: 128 * GiB,
    nrNodes: 2,
    cpusPerLlc: 20,
    threadsPerCore: 2,
    hz: 1000,
    nodeDistance: 21,
    reclaimDistance: 30,
    seed: 1,
  },
};

/** CONFIG_HZ choices (kernel/Kconfig.hz). */
const HZ_CHOICES = [100, 250, 300, 1000];
/** node_distance() of a node to itself (LOCAL_DISTANCE); a SLIT's 255 means unreachable. */
const LOCAL_DISTANCE = 10;
const UNREACHABLE_DISTANCE = 255;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

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
  // an LLC of another size holds whole cores: one that follows a CPU count keeps a profile's
  // single-core LLC (POWER8) one core; otherwise the SMT width shrinks until it divides the LLC
  if (overrides.threadsPerCore === undefined && cfg.cpusPerLlc !== base.cpusPerLlc && Number.isInteger(cfg.cpusPerLlc) && cfg.cpusPerLlc > 0) {
    const oneCore = overrides.cpusPerLlc === undefined && base.threadsPerCore === base.cpusPerLlc;
    cfg.threadsPerCore = oneCore ? cfg.cpusPerLlc : gcd(base.threadsPerCore, cfg.cpusPerLlc);
  }
  validateMachine(cfg);
  return cfg;
}

export function validateMachine(cfg: MachineConfig): void {
  if (!Number.isInteger(cfg.nrCpus) || cfg.nrCpus < 1 || cfg.nrCpus > 1024) fail('EINVAL', 'nrCpus must be 1..1024');
  if (cfg.pageSize !== 4096 && cfg.pageSize !== 65536) fail('EINVAL', 'pageSize must be 4096 or 65536');
  if (!Number.isInteger(cfg.nrNodes) || cfg.nrNodes < 1 || cfg.nrNodes > 2) fail('EINVAL', 'nrNodes must be 1 or 2');
  if (cfg.nrCpus < cfg.nrNodes) fail('EINVAL', 'need at least one CPU per node');
  if (!Number.isInteger(cfg.cpusPerLlc) || cfg.cpusPerLlc < 1 || cfg.nrCpus % cfg.cpusPerLlc !== 0) fail('EINVAL', 'cpusPerLlc must divide nrCpus');
  if (!Number.isInteger(cfg.threadsPerCore) || cfg.threadsPerCore < 1 || cfg.cpusPerLlc % cfg.threadsPerCore !== 0) {
    fail('EINVAL', 'threadsPerCore must divide cpusPerLlc');
  }
  if (!HZ_CHOICES.includes(cfg.hz)) fail('EINVAL', `hz must be one of ${HZ_CHOICES.join(', ')}`);
  if (!Number.isInteger(cfg.nodeDistance) || cfg.nodeDistance <= LOCAL_DISTANCE || cfg.nodeDistance >= UNREACHABLE_DISTANCE) {
    fail('EINVAL', `nodeDistance must be ${LOCAL_DISTANCE + 1}..${UNREACHABLE_DISTANCE - 1}`);
  }
  if (!Number.isInteger(cfg.reclaimDistance) || cfg.reclaimDistance < LOCAL_DISTANCE || cfg.reclaimDistance > UNREACHABLE_DISTANCE) {
    fail('EINVAL', `reclaimDistance must be ${LOCAL_DISTANCE}..${UNREACHABLE_DISTANCE}`);
  }
  const minBytes = 256 * 1024 * 1024;
  if (!(cfg.memBytes >= minBytes) || cfg.memBytes > 1024 * GiB) fail('EINVAL', 'memBytes must be 256 MiB..1 TiB');
  if (!Number.isInteger(cfg.seed)) fail('EINVAL', 'seed must be an integer');
}

/** The NUMA node a CPU belongs to: CPUs are split into equal contiguous blocks. */
export function cpuToNode(cfg: MachineConfig, cpu: number): number {
  return Math.min(cfg.nrNodes - 1, Math.floor((cpu * cfg.nrNodes) / cfg.nrCpus));
}
