/**
 * /proc/vmstat (mm/vmstat.c, 5.9 item order): zone stats, NUMA stats, node stats, the two dirty
 * thresholds, then VM events; one "name value" per line with a single space (psutil splits on
 * it). The per-node/per-zone item lists are shared with /proc/zoneinfo. Items the model does not
 * count are printed as 0.
 */
import type { MemInfo, NodeMemInfo, VmEvents } from '../../kernel/index.js';
import { u64 } from '../format.js';

/** The page-granular figures both the global and the per-node views have. */
export type NodeFigures = Omit<NodeMemInfo, 'nid'>;

export type StatItem = readonly [name: string, value: number];

/** enum zone_stat_item (5.9) for a node's single modelled zone. */
export function zoneStatItems(n: NodeFigures): StatItem[] {
  return [
    ['nr_free_pages', n.freePages],
    ['nr_zone_inactive_anon', n.inactiveAnon],
    ['nr_zone_active_anon', n.activeAnon],
    ['nr_zone_inactive_file', n.inactiveFile],
    ['nr_zone_active_file', n.activeFile],
    ['nr_zone_unevictable', 0],
    ['nr_zone_write_pending', 0],
    ['nr_mlock', 0],
    ['nr_page_table_pages', n.pageTablePages],
    ['nr_bounce', 0],
    ['nr_zspages', 0],
    ['nr_free_cma', 0],
  ];
}

/** enum numa_stat_item: every allocation is a local hit in the model. */
export function numaStatItems(pgalloc: number): StatItem[] {
  return [
    ['numa_hit', pgalloc],
    ['numa_miss', 0],
    ['numa_foreign', 0],
    ['numa_interleave', 0],
    ['numa_local', pgalloc],
    ['numa_other', 0],
  ];
}

/** enum node_stat_item (5.9): slab counters in pages, kernel stack in kB. */
export function nodeStatItems(n: NodeFigures): StatItem[] {
  return [
    ['nr_inactive_anon', n.inactiveAnon],
    ['nr_active_anon', n.activeAnon],
    ['nr_inactive_file', n.inactiveFile],
    ['nr_active_file', n.activeFile],
    ['nr_unevictable', 0],
    ['nr_slab_reclaimable', n.slabReclaimablePages],
    ['nr_slab_unreclaimable', n.slabUnreclaimablePages],
    ['nr_isolated_anon', 0],
    ['nr_isolated_file', 0],
    ['workingset_nodes', 0],
    ['workingset_refault_anon', 0],
    ['workingset_refault_file', 0],
    ['workingset_activate_anon', 0],
    ['workingset_activate_file', 0],
    ['workingset_restore_anon', 0],
    ['workingset_restore_file', 0],
    ['workingset_nodereclaim', 0],
    ['nr_anon_pages', n.anonPages],
    ['nr_mapped', n.mappedPages],
    ['nr_file_pages', n.filePages],
    ['nr_dirty', 0],
    ['nr_writeback', 0],
    ['nr_writeback_temp', 0],
    ['nr_shmem', n.shmemPages],
    ['nr_shmem_hugepages', 0],
    ['nr_shmem_pmdmapped', 0],
    ['nr_file_hugepages', 0],
    ['nr_file_pmdmapped', 0],
    ['nr_anon_transparent_hugepages', 0],
    ['nr_vmscan_write', 0],
    ['nr_vmscan_immediate_reclaim', 0],
    ['nr_dirtied', 0],
    ['nr_written', 0],
    ['nr_kernel_misc_reclaimable', 0],
    ['nr_foll_pin_acquired', 0],
    ['nr_foll_pin_released', 0],
    ['nr_kernel_stack', n.kernelStackKb],
  ];
}

/**
 * enum vm_event_item (5.9, x86_64 with NUMA, compaction, THP, balloon, swap readahead).
 * pgpgin counts kB read from block devices (the model counts pages read into the page cache).
 */
export function vmEventItems(e: VmEvents, pageSize: number): StatItem[] {
  const zero = (names: string[]): StatItem[] => names.map((name) => [name, 0] as const);
  return [
    ['pgpgin', (e.pgpgin * pageSize) / 1024],
    ...zero(['pgpgout', 'pswpin', 'pswpout', 'pgalloc_dma', 'pgalloc_dma32']),
    ['pgalloc_normal', e.pgalloc],
    ...zero([
      'pgalloc_movable',
      'allocstall_dma',
      'allocstall_dma32',
      'allocstall_normal',
      'allocstall_movable',
      'pgskip_dma',
      'pgskip_dma32',
      'pgskip_normal',
      'pgskip_movable',
    ]),
    ['pgfree', e.pgfree],
    ...zero(['pgactivate', 'pgdeactivate', 'pglazyfree']),
    ['pgfault', e.pgfault],
    ...zero(['pgmajfault', 'pglazyfreed', 'pgrefill', 'pgsteal_kswapd']),
    ['pgsteal_direct', e.pgsteal],
    ['pgscan_kswapd', 0],
    ['pgscan_direct', e.pgscan],
    ['pgscan_direct_throttle', 0],
    ['pgscan_anon', 0],
    ['pgscan_file', e.pgscan],
    ['pgsteal_anon', 0],
    ['pgsteal_file', e.pgsteal],
    ...zero(['zone_reclaim_failed', 'pginodesteal']),
    ['slabs_scanned', e.slabsScanned],
    ...zero(['kswapd_inodesteal', 'kswapd_low_wmark_hit_quickly', 'kswapd_high_wmark_hit_quickly', 'pageoutrun', 'pgrotated']),
    ['drop_pagecache', e.dropPagecache],
    ['drop_slab', e.dropSlab],
    ['oom_kill', e.oomKill],
    ...zero([
      'numa_pte_updates',
      'numa_huge_pte_updates',
      'numa_hint_faults',
      'numa_hint_faults_local',
      'numa_pages_migrated',
      'pgmigrate_success',
      'pgmigrate_fail',
      'compact_migrate_scanned',
      'compact_free_scanned',
      'compact_isolated',
      'compact_stall',
      'compact_fail',
      'compact_success',
      'compact_daemon_wake',
      'compact_daemon_migrate_scanned',
      'compact_daemon_free_scanned',
      'htlb_buddy_alloc_success',
      'htlb_buddy_alloc_fail',
      'unevictable_pgs_culled',
      'unevictable_pgs_scanned',
      'unevictable_pgs_rescued',
      'unevictable_pgs_mlocked',
      'unevictable_pgs_munlocked',
      'unevictable_pgs_cleared',
      'unevictable_pgs_stranded',
      'thp_fault_alloc',
      'thp_fault_fallback',
      'thp_fault_fallback_charge',
      'thp_collapse_alloc',
      'thp_collapse_alloc_failed',
      'thp_file_alloc',
      'thp_file_fallback',
      'thp_file_fallback_charge',
      'thp_file_mapped',
      'thp_split_page',
      'thp_split_page_failed',
      'thp_deferred_split_page',
      'thp_split_pmd',
      'thp_split_pud',
      'thp_zero_page_alloc',
      'thp_zero_page_alloc_failed',
      'thp_swpout',
      'thp_swpout_fallback',
      'balloon_inflate',
      'balloon_deflate',
      'balloon_migrate',
      'swap_ra',
      'swap_ra_hit',
    ]),
  ];
}

/** vm_dirty_ratio 20 / dirty_background_ratio 10 of the dirtyable memory (free + file LRU). */
export function dirtyThresholds(mi: NodeFigures): { threshold: number; background: number } {
  const dirtyable = mi.freePages + mi.activeFile + mi.inactiveFile;
  return { threshold: Math.floor((dirtyable * 20) / 100), background: Math.floor((dirtyable * 10) / 100) };
}

function printItems(items: StatItem[]): string {
  let s = '';
  for (const [name, value] of items) s += `${name} ${u64(value)}\n`;
  return s;
}

/** Renders /proc/vmstat from the global figures and event counters. */
export function renderVmstat(mi: MemInfo, ev: VmEvents, pageSize: number): string {
  const d = dirtyThresholds(mi);
  return (
    printItems(zoneStatItems(mi)) +
    printItems(numaStatItems(ev.pgalloc)) +
    printItems(nodeStatItems(mi)) +
    printItems([
      ['nr_dirty_threshold', d.threshold],
      ['nr_dirty_background_threshold', d.background],
    ]) +
    printItems(vmEventItems(ev, pageSize))
  );
}
