/**
 * /sys/devices/system/node/node<N>/meminfo (drivers/base/node.c node_read_meminfo, 5.9): every
 * line is "Node <N> " followed by the /proc/meminfo layout (`%-16s%8lu kB`); HugePages_ lines are
 * a 17-wide label and a 5-wide count. The file always shows slab in pages, under both slab
 * controllers.
 */
import type { NodeMemInfo } from '../../kernel/index.js';
import { padLabel, padNum } from '../format.js';

/** Renders one node's meminfo; pageSize converts page counts to kB. */
export function renderNodeMeminfo(n: NodeMemInfo, pageSize: number): string {
  const kb = pageSize / 1024;
  const p = (pages: number): number => pages * kb;
  const pre = `Node ${n.nid} `;
  const line = (label: string, value: number): string => `${pre}${padLabel(`${label}:`, 16)}${padNum(value, 8)} kB\n`;
  const huge = (label: string, value: number): string => `${pre}${padLabel(`${label}:`, 17)}${padNum(value, 5)}\n`;
  let s = '';
  s += line('MemTotal', p(n.totalPages));
  s += line('MemFree', p(n.freePages));
  s += line('MemUsed', p(n.totalPages - n.freePages));
  s += line('Active', p(n.activeAnon + n.activeFile));
  s += line('Inactive', p(n.inactiveAnon + n.inactiveFile));
  s += line('Active(anon)', p(n.activeAnon));
  s += line('Inactive(anon)', p(n.inactiveAnon));
  s += line('Active(file)', p(n.activeFile));
  s += line('Inactive(file)', p(n.inactiveFile));
  s += line('Unevictable', 0);
  s += line('Mlocked', 0);
  s += line('Dirty', 0);
  s += line('Writeback', 0);
  s += line('FilePages', p(n.filePages));
  s += line('Mapped', p(n.mappedPages));
  s += line('AnonPages', p(n.anonPages));
  s += line('Shmem', p(n.shmemPages));
  s += line('KernelStack', n.kernelStackKb);
  s += line('PageTables', p(n.pageTablePages));
  s += line('NFS_Unstable', 0);
  s += line('Bounce', 0);
  s += line('WritebackTmp', 0);
  s += line('KReclaimable', p(n.slabReclaimablePages));
  s += line('Slab', p(n.slabReclaimablePages + n.slabUnreclaimablePages));
  s += line('SReclaimable', p(n.slabReclaimablePages));
  s += line('SUnreclaim', p(n.slabUnreclaimablePages));
  s += line('AnonHugePages', 0);
  s += line('ShmemHugePages', 0);
  s += line('ShmemPmdMapped', 0);
  s += line('FileHugePages', 0);
  s += line('FilePmdMapped', 0);
  s += huge('HugePages_Total', 0);
  s += huge('HugePages_Free', 0);
  s += huge('HugePages_Surp', 0);
  return s;
}
