/**
 * Global variables of the simulated kernel image (its .data/.bss): name, C type, and a fixed
 * slot in kernel data, the same for every profile so an address never depends on struct sizes.
 * Variables a profile lacks (legacy-only lists) are simply not exported for the other profiles.
 */
import { KDATA_BASE } from './addresses.js';
import { NR_CPUS, isLegacyProfile, type Profile } from './layouts.js';

export interface KdataSymbol {
  readonly name: string;
  readonly type: string;
  /** only in profiles where this returns true */
  readonly when?: (p: Profile) => boolean;
}

const SLOT = 0x10000n;

export const KDATA_SYMBOLS: readonly KdataSymbol[] = [
  { name: 'slab_caches', type: 'struct list_head' },
  { name: 'root_mem_cgroup', type: 'struct mem_cgroup *' },
  { name: 'nr_online_nodes', type: 'unsigned int' },
  { name: 'min_low_pfn', type: 'unsigned long' },
  { name: 'max_pfn', type: 'unsigned long' },
  { name: 'nr_cpu_ids', type: 'unsigned int' },
  { name: '__cpu_online_mask', type: 'struct cpumask' },
  { name: '__cpu_possible_mask', type: 'struct cpumask' },
  { name: '__cpu_present_mask', type: 'struct cpumask' },
  { name: '__per_cpu_offset', type: `unsigned long [${NR_CPUS}]` },
  { name: 'cgrp_dfl_root', type: 'struct cgroup_root' },
  { name: 'cgroup_kf_root', type: 'struct kernfs_root' },
  { name: 'init_pid_ns', type: 'struct pid_namespace' },
  { name: 'init_task', type: 'struct task_struct' },
  { name: 'init_css_set', type: 'struct css_set' },
  { name: 'slab_root_caches', type: 'struct list_head', when: isLegacyProfile },
  { name: 'memcg_nr_cache_ids', type: 'int', when: isLegacyProfile },
  { name: 'totalram_pages', type: 'unsigned long' },
];

const INDEX = new Map(KDATA_SYMBOLS.map((s, i) => [s.name, i]));

/** The fixed address of a kernel-data symbol. */
export function kdataSymbolAddress(name: string): bigint {
  const i = INDEX.get(name);
  if (i === undefined) throw new Error(`no kernel data symbol ${name}`);
  return KDATA_BASE + BigInt(i) * SLOT;
}

/** The symbols a profile exports. */
export function kdataSymbols(profile: Profile): Array<{ name: string; type: string; address: bigint }> {
  return KDATA_SYMBOLS.filter((s) => !s.when || s.when(profile)).map((s) => ({ name: s.name, type: s.type, address: kdataSymbolAddress(s.name) }));
}
