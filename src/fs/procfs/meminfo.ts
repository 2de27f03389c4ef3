/**
 * /proc/meminfo as fs/proc/meminfo.c prints it in 5.9 (x86_64 distro config: THP and hugetlb on,
 * no HIGHMEM, no CMA, no MEMORY_FAILURE line). Every "kB" line is `%-16s%8lu kB` (label incl.
 * colon left-justified in 16, value right-aligned in 8, never truncated); the HugePages_ counts
 * have no unit. Fields the model does not track (swap, dirty, hugetlb, ...) are printed as 0.
 */
import type { MemInfo } from '../../kernel/index.js';
import { padLabel, padNum } from '../format.js';

/** Architecture details that change the file's tail (DirectMap*, Hugepagesize, VmallocTotal). */
export interface MeminfoArch {
  pageSize: number;
  memBytes: number;
}

function kbLine(label: string, kb: number): string {
  return `${padLabel(`${label}:`, 16)}${padNum(kb, 8)} kB\n`;
}

function hugeLine(label: string, n: number): string {
  return `${padLabel(`${label}:`, 16)}   ${padNum(n, 5)}\n`;
}

/** x86 arch_report_meminfo: split physical memory over 4k/2M/1G direct mappings, kB. */
export function directMapSplit(memKb: number): { d4k: number; d2m: number; d1g: number } {
  const oneG = 1024 * 1024;
  const twoM = 2048;
  const d4kBase = Math.min(memKb, 24576);
  const rest = memKb - d4kBase;
  const d1g = Math.floor(Math.max(0, rest - 2 * oneG) / oneG) * oneG;
  const d2m = Math.floor((rest - d1g) / twoM) * twoM;
  return { d4k: memKb - d1g - d2m, d2m, d1g };
}

/** vm_commit_limit() with overcommit_ratio 50 and no swap, pages. */
export function commitLimitPages(totalPages: number): number {
  return Math.floor((totalPages * 50) / 100);
}

/** Renders the whole file from the kernel's MemInfo record. */
export function renderMeminfo(mi: MemInfo, arch: MeminfoArch): string {
  const kb = arch.pageSize / 1024;
  const p = (pages: number): number => pages * kb;
  const ppc64 = arch.pageSize === 65536;
  const slabKb = p(mi.slabReclaimablePages) + p(mi.slabUnreclaimablePages);
  const buffers = 0;
  const cached = Math.max(0, mi.filePages - buffers);
  let s = '';
  s += kbLine('MemTotal', p(mi.totalPages));
  s += kbLine('MemFree', p(mi.freePages));
  s += kbLine('MemAvailable', p(mi.availablePages));
  s += kbLine('Buffers', p(buffers));
  s += kbLine('Cached', p(cached));
  s += kbLine('SwapCached', 0);
  s += kbLine('Active', p(mi.activeAnon + mi.activeFile));
  s += kbLine('Inactive', p(mi.inactiveAnon + mi.inactiveFile));
  s += kbLine('Active(anon)', p(mi.activeAnon));
  s += kbLine('Inactive(anon)', p(mi.inactiveAnon));
  s += kbLine('Active(file)', p(mi.activeFile));
  s += kbLine('Inactive(file)', p(mi.inactiveFile));
  s += kbLine('Unevictable', 0);
  s += kbLine('Mlocked', 0);
  s += kbLine('SwapTotal', 0);
  s += kbLine('SwapFree', 0);
  s += kbLine('Dirty', 0);
  s += kbLine('Writeback', 0);
  s += kbLine('AnonPages', p(mi.anonPages));
  s += kbLine('Mapped', p(mi.mappedPages));
  s += kbLine('Shmem', p(mi.shmemPages));
  s += kbLine('KReclaimable', p(mi.slabReclaimablePages));
  s += kbLine('Slab', slabKb);
  s += kbLine('SReclaimable', p(mi.slabReclaimablePages));
  s += kbLine('SUnreclaim', p(mi.slabUnreclaimablePages));
  s += kbLine('KernelStack', mi.kernelStackKb);
  s += kbLine('PageTables', p(mi.pageTablePages));
  s += kbLine('NFS_Unstable', 0);
  s += kbLine('Bounce', 0);
  s += kbLine('WritebackTmp', 0);
  s += kbLine('CommitLimit', p(commitLimitPages(mi.totalPages)));
  s += kbLine('Committed_AS', p(mi.committedPages));
  // VMALLOC_TOTAL >> 10: x86_64 4-level paging 32 TiB; ppc64 (64K pages) 512 TiB.
  s += kbLine('VmallocTotal', ppc64 ? 549755813888 : 34359738367);
  s += kbLine('VmallocUsed', p(mi.vmallocUsedPages));
  s += kbLine('VmallocChunk', 0);
  s += kbLine('Percpu', p(mi.percpuPages));
  s += kbLine('AnonHugePages', 0);
  s += kbLine('ShmemHugePages', 0);
  s += kbLine('ShmemPmdMapped', 0);
  s += kbLine('FileHugePages', 0);
  s += kbLine('FilePmdMapped', 0);
  s += hugeLine('HugePages_Total', 0);
  s += hugeLine('HugePages_Free', 0);
  s += hugeLine('HugePages_Rsvd', 0);
  s += hugeLine('HugePages_Surp', 0);
  s += kbLine('Hugepagesize', ppc64 ? 16384 : 2048);
  s += kbLine('Hugetlb', 0);
  if (!ppc64) {
    const dm = directMapSplit(Math.floor(arch.memBytes / 1024));
    s += kbLine('DirectMap4k', dm.d4k);
    s += kbLine('DirectMap2M', dm.d2m);
    s += kbLine('DirectMap1G', dm.d1g);
  }
  return s;
}
