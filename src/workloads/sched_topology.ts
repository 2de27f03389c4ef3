/**
 * The scheduler's view of a machine: its sched domains, as build_sched_domains() and sd_init()
 * (kernel/sched/topology.c, 5.5–5.9) make them from the machine's topology. A domain is a set
 * of CPUs balanced as one; its groups are the domains of the level below (single CPUs at the
 * lowest level). Everything comes from the MachineConfig: cpusPerLlc, threadsPerCore, hz,
 * nodeDistance and reclaimDistance. The model has at most three levels:
 *  - the last-level-cache domain (cpusPerLlc CPUs): SMT where it is a single core
 *    (threadsPerCore = cpusPerLlc, POWER8: the 8 hardware threads of a core share its L3, and
 *    powerpc's topology has an SMT and a DIE level and no MC level), MC otherwise (a package of
 *    cores: the desktop, a server socket). Departure: the SMT level below an MC domain of
 *    several cores (x86 with SMT on) is not modelled;
 *  - DIE: one NUMA node (cpu_cpu_mask is the node's CPUs), when a node holds several LLCs;
 *  - NUMA: the whole machine, when it has two nodes.
 * A level whose span equals the level below is dropped (the kernel's degenerate-domain
 * removal). Intervals are sd_init's: min_interval = the domain's CPU count in ms, max twice
 * that, busy_factor 32 (16 only from 5.10), imbalance_pct 125 by default (117 from 5.10),
 * 117 for a cache-sharing domain, 110 for SMT; cache_nice_tries 0 for SMT, 1 for MC and DIE,
 * 2 for NUMA. SD_PREFER_SIBLING is set on every non-NUMA level; a NUMA level whose node
 * distance exceeds node_reclaim_distance loses SD_BALANCE_FORK, SD_BALANCE_EXEC and
 * SD_WAKE_AFFINE, so fork, exec and wakeups never leave the node there.
 */
import type { MachineConfig } from '../kernel/index.js';

export type SchedDomainName = 'SMT' | 'MC' | 'DIE' | 'NUMA';

export interface SchedDomainLevel {
  readonly name: SchedDomainName;
  /** CPUs in one domain of this level */
  readonly span: number;
  /** CPUs in one of its groups: the span of the level below, 1 at the lowest level */
  readonly groupSpan: number;
  /** sd->min_interval and sd->max_interval: the span in ms, and twice that */
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  /** the interval is this many times longer while the balancing CPU is busy */
  readonly busyFactor: number;
  /** a group must be this much busier (percent) than the local one to be balanced (overloaded case) */
  readonly imbalancePct: number;
  /** failed balance attempts before a cache-hot task may be moved; active balance after 2 more */
  readonly cacheNiceTries: number;
  /** the child level has SD_PREFER_SIBLING: spread runnable tasks evenly over the groups */
  readonly preferSibling: boolean;
  /** SD_NUMA: a small imbalance between nodes is allowed (adjust_numa_imbalance, 5.7+) */
  readonly numa: boolean;
  /** SD_BALANCE_FORK and SD_BALANCE_EXEC: fork and exec may place a task anywhere in the domain */
  readonly balanceForkExec: boolean;
}

export interface SchedTopology {
  /** lowest first */
  readonly levels: readonly SchedDomainLevel[];
  /** CPUs of the last-level-cache domain (select_idle_sibling's search) */
  readonly llcSpan: number;
  /** CPUs fork and exec balancing searches: the highest level with SD_BALANCE_FORK/EXEC */
  readonly forkExecSpan: number;
  /** one scheduler tick (1/HZ), ns: periodic balancing runs from the tick */
  readonly tickNs: number;
  /** max_load_balance_interval: HZ * nr_cpus / 10 jiffies, in ns */
  readonly maxBalanceIntervalNs: number;
}

/** sd_init's busy_factor in 5.5–5.9 */
const BUSY_FACTOR = 32;

/** The sched domains of `cfg` (see the header). */
export function schedTopology(cfg: MachineConfig): SchedTopology {
  const levels: SchedDomainLevel[] = [];
  const llc = cfg.cpusPerLlc;
  // the LLC domain is one SMT core (SD_SHARE_CPUCAPACITY) rather than a package of cores
  const smtLlc = cfg.threadsPerCore > 1 && cfg.threadsPerCore === llc;
  const llcName: SchedDomainName = smtLlc ? 'SMT' : 'MC';
  levels.push({
    name: llcName,
    span: llc,
    groupSpan: 1,
    minIntervalMs: llc,
    maxIntervalMs: 2 * llc,
    busyFactor: BUSY_FACTOR,
    imbalancePct: smtLlc ? 110 : 117,
    cacheNiceTries: smtLlc ? 0 : 1,
    preferSibling: false,
    numa: false,
    balanceForkExec: true,
  });
  const nodeSpan = cfg.nrCpus / cfg.nrNodes;
  // a node that does not hold whole LLCs cannot be a domain above them: treat the machine as one node
  const numa = cfg.nrNodes > 1 && Number.isInteger(nodeSpan) && nodeSpan % llc === 0;
  if (numa && nodeSpan > llc) levels.push(upperLevel('DIE', nodeSpan, llc, false, true));
  const top = levels[levels.length - 1].span;
  if (cfg.nrCpus > top) {
    levels.push(upperLevel(numa ? 'NUMA' : 'DIE', cfg.nrCpus, top, numa, !numa || cfg.nodeDistance <= cfg.reclaimDistance));
  }
  let forkExecSpan = 1;
  for (const l of levels) {
    if (!l.balanceForkExec) break;
    forkExecSpan = l.span;
  }
  const tickNs = 1e9 / cfg.hz;
  return { levels, llcSpan: llc, forkExecSpan, tickNs, maxBalanceIntervalNs: ((cfg.hz * cfg.nrCpus) / 10) * tickNs };
}

function upperLevel(name: SchedDomainName, span: number, groupSpan: number, numa: boolean, balanceForkExec: boolean): SchedDomainLevel {
  return {
    name,
    span,
    groupSpan,
    minIntervalMs: span,
    maxIntervalMs: 2 * span,
    busyFactor: BUSY_FACTOR,
    imbalancePct: 125,
    cacheNiceTries: numa ? 2 : 1,
    // the child level (SMT, MC or DIE) has SD_PREFER_SIBLING
    preferSibling: true,
    numa,
    balanceForkExec,
  };
}
