/**
 * slabinfo version 2.1 (mm/slab_common.c cache_show), used by /proc/slabinfo and by the v1
 * memory.kmem.slabinfo. SLUB has no tunables and no shared arrays, so those columns are 0 and
 * active_slabs equals num_slabs as the kernel fills them.
 */
import type { SlabinfoRow } from '../../kernel/index.js';
import { padLabel, padNum } from '../format.js';

export const SLABINFO_HEADER =
  'slabinfo - version: 2.1\n' +
  '# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n';

/** One cache line: "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu %6lu". */
export function slabinfoLine(r: SlabinfoRow): string {
  return (
    `${padLabel(r.name, 17)} ${padNum(r.activeObjs, 6)} ${padNum(r.numObjs, 6)} ${padNum(r.objSize, 6)} ` +
    `${padNum(r.objPerSlab, 4)} ${padNum(r.pagesPerSlab, 4)}` +
    ` : tunables ${padNum(0, 4)} ${padNum(0, 4)} ${padNum(0, 4)}` +
    ` : slabdata ${padNum(r.activeSlabs, 6)} ${padNum(r.numSlabs, 6)} ${padNum(0, 6)}\n`
  );
}

/** /proc/slabinfo: header then every row in the kernel's list order. */
export function renderSlabinfo(rows: readonly SlabinfoRow[]): string {
  let s = SLABINFO_HEADER;
  for (const r of rows) s += slabinfoLine(r);
  return s;
}

/** memory.kmem.slabinfo: the header is printed with the first record, so no rows -> empty file. */
export function renderMemcgSlabinfo(rows: readonly SlabinfoRow[]): string {
  return rows.length === 0 ? '' : renderSlabinfo(rows);
}
