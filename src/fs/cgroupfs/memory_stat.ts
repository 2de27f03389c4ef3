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

/**
 * v2 memory.stat, 5.9 order: `slab` sits after kernel_stack and before percpu (5.10 moved it).
 * Departure: 5.9.0 printed both restore lines as "workingset_restore" (fixed by "mm: memcontrol:
 * Fix missing suffix of workingset_restore"); we print the intended suffixed names, because a
 * duplicate key breaks key/value parsers (maps keep only one of them). The model has no anon
 * refaults, restores, lazy-free or THP: those keys print 0, and all refaults and activations are
 * file ones.
 */
export function renderMemoryStatV2(s: MemcgStat): string {
  let out = '';
  out += kv('anon', s.anon);
  out += kv('file', s.file);
  out += kv('kernel_stack', s.kernelStack);
  out += kv('slab', s.slabReclaimable + s.slabUnreclaimable);
  out += kv('percpu', s.percpu);
  out += kv('sock', s.sock);
  out += kv('shmem', s.shmem);
  out += kv('file_mapped', s.fileMapped);
  out += kv('file_dirty', s.fileDirty);
  out += kv('file_writeback', s.fileWriteback);
  out += kv('anon_thp', 0);
  out += kv('inactive_anon', s.inactiveAnon);
  out += kv('active_anon', s.activeAnon);
  out += kv('inactive_file', s.inactiveFile);
  out += kv('active_file', s.activeFile);
  out += kv('unevictable', s.unevictable);
  out += kv('slab_reclaimable', s.slabReclaimable);
  out += kv('slab_unreclaimable', s.slabUnreclaimable);
  out += kv('pgfault', s.pgfault);
  out += kv('pgmajfault', s.pgmajfault);
  out += kv('workingset_refault_anon', 0);
  out += kv('workingset_refault_file', s.workingsetRefault);
  out += kv('workingset_activate_anon', 0);
  out += kv('workingset_activate_file', s.workingsetActivate);
  out += kv('workingset_restore_anon', 0);
  out += kv('workingset_restore_file', 0);
  out += kv('workingset_nodereclaim', s.workingsetNodereclaim);
  out += kv('pgrefill', s.pgrefill);
  out += kv('pgscan', s.pgscan);
  out += kv('pgsteal', s.pgsteal);
  out += kv('pgactivate', s.pgactivate);
  out += kv('pgdeactivate', s.pgdeactivate);
  out += kv('pglazyfree', 0);
  out += kv('pglazyfreed', 0);
  out += kv('thp_fault_alloc', 0);
  out += kv('thp_collapse_alloc', 0);
  return out;
}

/**
 * v2 memory.stat as 5.8 prints it — the last kernel with the legacy slab controller, so the
 * layout used under `--controller legacy`: no percpu key (memcg percpu accounting is 5.9), and
 * the workingset keys without the anon/file split.
 */
export function renderMemoryStatV2Legacy(s: MemcgStat): string {
  let out = '';
  out += kv('anon', s.anon);
  out += kv('file', s.file);
  out += kv('kernel_stack', s.kernelStack);
  out += kv('slab', s.slabReclaimable + s.slabUnreclaimable);
  out += kv('sock', s.sock);
  out += kv('shmem', s.shmem);
  out += kv('file_mapped', s.fileMapped);
  out += kv('file_dirty', s.fileDirty);
  out += kv('file_writeback', s.fileWriteback);
  out += kv('anon_thp', 0);
  out += kv('inactive_anon', s.inactiveAnon);
  out += kv('active_anon', s.activeAnon);
  out += kv('inactive_file', s.inactiveFile);
  out += kv('active_file', s.activeFile);
  out += kv('unevictable', s.unevictable);
  out += kv('slab_reclaimable', s.slabReclaimable);
  out += kv('slab_unreclaimable', s.slabUnreclaimable);
  out += kv('pgfault', s.pgfault);
  out += kv('pgmajfault', s.pgmajfault);
  out += kv('workingset_refault', s.workingsetRefault);
  out += kv('workingset_activate', s.workingsetActivate);
  out += kv('workingset_restore', 0);
  out += kv('workingset_nodereclaim', s.workingsetNodereclaim);
  out += kv('pgrefill', s.pgrefill);
  out += kv('pgscan', s.pgscan);
  out += kv('pgsteal', s.pgsteal);
  out += kv('pgactivate', s.pgactivate);
  out += kv('pgdeactivate', s.pgdeactivate);
  out += kv('pglazyfree', 0);
  out += kv('pglazyfreed', 0);
  out += kv('thp_fault_alloc', 0);
  out += kv('thp_collapse_alloc', 0);
  return out;
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
