/**
 * /proc/zoneinfo (mm/vmstat.c zoneinfo_show_print, 5.9 layout). The model has no zones, so each
 * node is shown as a single populated "Normal" zone spanning the whole node: its per-node stats,
 * watermarks (the kernel's global low watermark split over nodes by size, with min = low * 4/5
 * and high = min * 3/2 as __setup_per_zone_wmarks derives them), zone stats and per-CPU
 * pagesets. A real x86 machine also lists DMA and DMA32 zones; tools that read zoneinfo (psutil's
 * MemAvailable fallback sums "low" over zones) get the same totals from this shape.
 */
import type { NodeMemInfo } from '../../kernel/index.js';
import { u64 } from '../format.js';
import { nodeStatItems, numaStatItems, zoneStatItems, type StatItem } from './vmstat.js';

export interface ZoneinfoInput {
  nodes: NodeMemInfo[];
  /** Sum of the zones' low watermarks, pages. */
  wmarkLowPages: number;
  nrCpus: number;
  pageSize: number;
  /** Allocations counted as NUMA-local hits on node 0 (vmstat numa_hit). */
  pgalloc: number;
}

function fls(x: number): number {
  return x <= 0 ? 0 : Math.floor(Math.log2(x)) + 1;
}

/** zone_batchsize(): the per-CPU pageset batch for a zone of `managed` pages. */
export function zoneBatchsize(managed: number, pageSize: number): number {
  let batch = Math.min(Math.floor(managed / 1024), Math.floor((512 * 1024) / pageSize));
  batch = Math.floor(batch / 4);
  if (batch < 1) batch = 1;
  return 2 ** Math.floor(Math.log2(batch + Math.floor(batch / 2))) - 1;
}

/** calculate_normal_threshold(): per-CPU vmstat drift threshold. */
export function statThreshold(managed: number, nrCpus: number, pageSize: number): number {
  const mem = Math.floor(managed / ((1 << 27) / pageSize));
  return Math.min(125, 2 * fls(nrCpus) * (1 + fls(mem)));
}

function items(list: StatItem[]): string {
  let s = '';
  for (const [name, value] of list) s += `\n      ${name.padEnd(12, ' ')} ${u64(value)}`;
  return s;
}

/** Renders the whole file. */
export function renderZoneinfo(input: ZoneinfoInput): string {
  const totalAll = input.nodes.reduce((a, n) => a + n.totalPages, 0) || 1;
  const nrZoneSlots = input.pageSize === 65536 ? 3 : 5;
  let out = '';
  let startPfn = input.pageSize === 65536 ? 0 : 1;
  for (const n of input.nodes) {
    const low = Math.floor((input.wmarkLowPages * n.totalPages) / totalAll);
    const min = Math.floor((low * 4) / 5);
    const high = min + Math.floor(min / 2);
    const managed = n.totalPages;
    let s = `Node ${n.nid}, zone ${'Normal'.padStart(8, ' ')}`;
    s += '\n  per-node stats';
    s += items(nodeStatItems(n));
    s += `\n  pages free     ${u64(n.freePages)}`;
    s += '\n        boost    0';
    s += `\n        min      ${u64(min)}`;
    s += `\n        low      ${u64(low)}`;
    s += `\n        high     ${u64(high)}`;
    s += `\n        spanned  ${u64(n.totalPages)}`;
    s += `\n        present  ${u64(n.totalPages)}`;
    s += `\n        managed  ${u64(managed)}`;
    s += `\n        protection: (${new Array(nrZoneSlots).fill('0').join(', ')})`;
    s += items(zoneStatItems(n));
    s += items(numaStatItems(n.nid === 0 ? input.pgalloc : 0));
    s += '\n  pagesets';
    const batch = zoneBatchsize(managed, input.pageSize);
    const threshold = statThreshold(managed, input.nrCpus, input.pageSize);
    for (let cpu = 0; cpu < input.nrCpus; cpu++) {
      s += `\n    cpu: ${cpu}`;
      s += '\n              count: 0';
      s += `\n              high:  ${6 * batch}`;
      s += `\n              batch: ${batch}`;
      s += `\n  vm stats threshold: ${threshold}`;
    }
    s += '\n  node_unreclaimable:  0';
    s += `\n  start_pfn:           ${u64(startPfn)}`;
    s += '\n';
    out += s;
    startPfn += n.totalPages;
  }
  return out;
}
