/**
 * memory.stat renderers: v2 (mm/memcontrol.c memory_stat_format, 5.9 key order) and v1
 * (memcg_stat_show: local keys, hierarchical limits, then total_* keys), plus the v1
 * memory.numa_stat. Inputs are the kernel's MemcgStat records (bytes; counts for events).
 */
import type { MemcgStat } from '../../kernel/index.js';
import { u64 } from '../format.js';

/** One "key value" line. */
function kv(key: string, value: number): string {
  return `${key} ${u64(value)}\n`;
}

/** A memory.stat key and how to read it from the kernel's record (0: not modelled). */
type StatKey = readonly [string, (s: MemcgStat) => number];

const zero = (): number => 0;
const HEAD: StatKey[] = [
  ['anon', (s) => s.anon],
  ['file', (s) => s.file],
  ['kernel_stack', (s) => s.kernelStack],
  ['slab', (s) => s.slabReclaimable + s.slabUnreclaimable],
];
const MIDDLE: StatKey[] = [
  ['sock', (s) => s.sock],
  ['shmem', (s) => s.shmem],
  ['file_mapped', (s) => s.fileMapped],
  ['file_dirty', (s) => s.fileDirty],
  ['file_writeback', (s) => s.fileWriteback],
  ['anon_thp', zero],
  ['inactive_anon', (s) => s.inactiveAnon],
  ['active_anon', (s) => s.activeAnon],
  ['inactive_file', (s) => s.inactiveFile],
  ['active_file', (s) => s.activeFile],
  ['unevictable', (s) => s.unevictable],
  ['slab_reclaimable', (s) => s.slabReclaimable],
  ['slab_unreclaimable', (s) => s.slabUnreclaimable],
  ['pgfault', (s) => s.pgfault],
  ['pgmajfault', (s) => s.pgmajfault],
];
const TAIL: StatKey[] = [
  ['workingset_nodereclaim', (s) => s.workingsetNodereclaim],
  ['pgrefill', (s) => s.pgrefill],
  ['pgscan', (s) => s.pgscan],
  ['pgsteal', (s) => s.pgsteal],
  ['pgactivate', (s) => s.pgactivate],
  ['pgdeactivate', (s) => s.pgdeactivate],
  ['pglazyfree', zero],
  ['pglazyfreed', zero],
  ['thp_fault_alloc', zero],
  ['thp_collapse_alloc', zero],
];

/**
 * v2 memory.stat, 5.9 order: `slab` sits after kernel_stack and before percpu (5.10 moved it).
 * Departure: 5.9.0 printed both restore lines as "workingset_restore" (fixed by "mm: memcontrol:
 * Fix missing suffix of workingset_restore"); we print the intended suffixed names, because a
 * duplicate key breaks key/value parsers (maps keep only one of them). The model has no anon
 * refaults, restores, lazy-free or THP: those keys print 0, and all refaults and activations are
 * file ones.
 */
const V2_KEYS_5_9: StatKey[] = [
  ...HEAD,
  ['percpu', (s) => s.percpu],
  ...MIDDLE,
  ['workingset_refault_anon', zero],
  ['workingset_refault_file', (s) => s.workingsetRefault],
  ['workingset_activate_anon', zero],
  ['workingset_activate_file', (s) => s.workingsetActivate],
  ['workingset_restore_anon', zero],
  ['workingset_restore_file', zero],
  ...TAIL,
];

/**
 * v2 memory.stat as 5.8 prints it — the last kernel with the legacy slab controller, so the
 * layout used under `--controller legacy`: no percpu key (memcg percpu accounting is 5.9), and
 * the workingset keys without the anon/file split.
 */
const V2_KEYS_5_8: StatKey[] = [
  ...HEAD,
  ...MIDDLE,
  ['workingset_refault', (s) => s.workingsetRefault],
  ['workingset_activate', (s) => s.workingsetActivate],
  ['workingset_restore', zero],
  ...TAIL,
];

function render(keys: StatKey[], s: MemcgStat): string {
  let out = '';
  for (const [key, get] of keys) out += kv(key, get(s));
  return out;
}

export function renderMemoryStatV2(s: MemcgStat): string {
  return render(V2_KEYS_5_9, s);
}

export function renderMemoryStatV2Legacy(s: MemcgStat): string {
  return render(V2_KEYS_5_8, s);
}

/** The v1 memcg1_stats / memcg1_events / LRU block, with an optional "total_" prefix. */
function v1Block(s: MemcgStat, prefix: string, pgpgin: number, pgpgout: number): string {
  let out = '';
  out += kv(`${prefix}cache`, s.file);
  out += kv(`${prefix}rss`, s.anon);
  out += kv(`${prefix}rss_huge`, 0);
  out += kv(`${prefix}shmem`, s.shmem);
  out += kv(`${prefix}mapped_file`, s.fileMapped);
  out += kv(`${prefix}dirty`, s.fileDirty);
  out += kv(`${prefix}writeback`, s.fileWriteback);
  out += kv(`${prefix}swap`, 0);
  out += kv(`${prefix}pgpgin`, pgpgin);
  out += kv(`${prefix}pgpgout`, pgpgout);
  out += kv(`${prefix}pgfault`, s.pgfault);
  out += kv(`${prefix}pgmajfault`, s.pgmajfault);
  out += kv(`${prefix}inactive_anon`, s.inactiveAnon);
  out += kv(`${prefix}active_anon`, s.activeAnon);
  out += kv(`${prefix}inactive_file`, s.inactiveFile);
  out += kv(`${prefix}active_file`, s.activeFile);
  out += kv(`${prefix}unevictable`, s.unevictable);
  return out;
}

export interface MemoryStatV1Input {
  local: MemcgStat;
  hierarchical: MemcgStat;
  /** min of memory.limit_in_bytes over the memcg and its ancestors, bytes (Infinity = none). */
  hierarchicalMemoryLimitBytes: number;
  hierarchicalMemswLimitBytes: number;
  pageSize: number;
}

/**
 * v1 memory.stat (5.x with swap accounting and THP: the swap, rss_huge and memsw keys are
 * present). v1 has no slab or kernel_stack keys. pgpgin/pgpgout (pages charged/uncharged) are
 * not counted by the model and print 0.
 */
export function renderMemoryStatV1(input: MemoryStatV1Input): string {
  const unlimited = ((1n << 63n) - 1n) / BigInt(input.pageSize) * BigInt(input.pageSize);
  const lim = (b: number): string => (b === Infinity ? unlimited.toString() : u64(b));
  let out = v1Block(input.local, '', 0, 0);
  out += `hierarchical_memory_limit ${lim(input.hierarchicalMemoryLimitBytes)}\n`;
  out += `hierarchical_memsw_limit ${lim(input.hierarchicalMemswLimitBytes)}\n`;
  out += v1Block(input.hierarchical, 'total_', 0, 0);
  return out;
}

/**
 * v1 memory.numa_stat: LRU page counts (pages), "name=total N0=.. N1=..". The model keeps
 * memcg LRU sizes per memcg, not per node, so everything is reported on node 0.
 */
export function renderNumaStatV1(local: MemcgStat, hierarchical: MemcgStat, pageSize: number, nrNodes: number): string {
  const rows = (s: MemcgStat, prefix: string): string => {
    const pg = (b: number): number => Math.floor(b / pageSize);
    const file = pg(s.inactiveFile + s.activeFile);
    const anon = pg(s.inactiveAnon + s.activeAnon);
    const unev = pg(s.unevictable);
    const line = (name: string, v: number): string => {
      let l = `${prefix}${name}=${u64(v)}`;
      for (let n = 0; n < nrNodes; n++) l += ` N${n}=${u64(n === 0 ? v : 0)}`;
      return `${l}\n`;
    };
    return line('total', file + anon + unev) + line('file', file) + line('anon', anon) + line('unevictable', unev);
  };
  return rows(local, '') + rows(hierarchical, 'hierarchical_');
}
