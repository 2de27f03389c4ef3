/**
 * Per-CPU memory: the boot-time first chunk and the dynamic allocations the model makes (each
 * memcg's per-CPU statistics). Global Percpu pages come from the page allocator. Since 5.9 a
 * memcg's per-CPU statistics are charged, as `percpu` bytes, to its PARENT ("mm: memcg: charge
 * memcg percpu memory to the parent cgroup"); that charge is made by the objcg controller.
 */
import type { Kernel } from './kernel.js';
import type { MemCgroup } from './cgroup.js';
import { PageKind } from './page_alloc.js';
import { Stat } from './memcg_stat.js';
import { currentObjCgroup, objCgroupCharge, objCgroupGet, objCgroupPut, objCgroupUncharge, ObjCgroup } from './kmem/obj_cgroup.js';

/** Static per-CPU variables of a distro x86_64 kernel, per CPU (the populated first chunk). */
const PERCPU_STATIC_BYTES_PER_CPU = 160 * 1024;
/** NR_VM_NODE_STAT_ITEMS in 5.9 (x86_64 distro config). */
const NR_VM_NODE_STAT_ITEMS = 39;
/** MEMCG_NR_STAT: node items + MEMCG_SWAP, MEMCG_SOCK, MEMCG_PERCPU_B, MEMCG_KERNEL_STACK_KB. */
const MEMCG_NR_STAT = NR_VM_NODE_STAT_ITEMS + 4;
/** NR_VM_EVENT_ITEMS for that config. */
const NR_VM_EVENT_ITEMS = 86;
/** MEM_CGROUP_NTARGETS */
const MEM_CGROUP_NTARGETS = 2;
const LONG = 8;

/**
 * Bytes per CPU a memcg allocates from percpu: vmstats_local and vmstats_percpu (struct
 * memcg_vmstats_percpu: stat[], events[], nr_page_events, targets[]) plus, per node,
 * lruvec_stat_local and lruvec_stat_cpu.
 */
export function memcgPercpuBytesPerCpu(k: Kernel): number {
  const vmstatsPercpu = (MEMCG_NR_STAT + NR_VM_EVENT_ITEMS + 1 + MEM_CGROUP_NTARGETS) * LONG;
  const perNode = 2 * NR_VM_NODE_STAT_ITEMS * LONG;
  return 2 * vmstatsPercpu + perNode * k.config.nrNodes;
}

export class PercpuState {
  /** dynamic bytes in use, summed over CPUs */
  dynamicBytes = 0;
  /** PFNs of populated dynamic pages */
  pages: number[] = [];
}

export function percpuBoot(k: Kernel): void {
  const bytes = PERCPU_STATIC_BYTES_PER_CPU * k.config.nrCpus;
  const nr = Math.ceil(bytes / k.pageSize);
  for (let i = 0; i < nr; i++) k.pages.alloc(0, 0, PageKind.Percpu);
}

function repopulate(k: Kernel): void {
  const st = k.percpu;
  const want = Math.ceil(st.dynamicBytes / k.pageSize);
  while (st.pages.length < want) {
    const pfn = k.pages.alloc(0, 0, PageKind.Percpu);
    if (pfn < 0) break;
    st.pages.push(pfn);
  }
  while (st.pages.length > want) k.pages.free(st.pages.pop()!, 0);
}

/** pcpu_alloc of `bytesPerCpu` on every possible CPU. */
export function percpuAlloc(k: Kernel, bytesPerCpu: number): void {
  k.percpu.dynamicBytes += bytesPerCpu * k.config.nrCpus;
  repopulate(k);
}

export function percpuFree(k: Kernel, bytesPerCpu: number): void {
  k.percpu.dynamicBytes -= bytesPerCpu * k.config.nrCpus;
  repopulate(k);
}

/** Charges a new memcg's per-CPU statistics to its parent's obj_cgroup (5.9). */
export function percpuChargeMemcg(k: Kernel, memcg: MemCgroup): void {
  const parent = memcg.parent!;
  const objcg = currentObjCgroup(parent);
  if (!objcg) return;
  const size = memcgPercpuBytesPerCpu(k) * k.config.nrCpus;
  objCgroupCharge(k, objcg, size, 0, null, true);
  objCgroupGet(objcg);
  objcg.memcg.stat[Stat.Percpu] += size;
  memcg.percpuBytes = size;
  memcg.percpuObjcg = objcg;
}

export function percpuUnchargeMemcg(k: Kernel, memcg: MemCgroup): void {
  const objcg: ObjCgroup | null = memcg.percpuObjcg;
  if (!objcg) return;
  const size = memcg.percpuBytes;
  objCgroupUncharge(k, objcg, size, 0);
  objcg.memcg.stat[Stat.Percpu] -= size;
  memcg.percpuBytes = 0;
  memcg.percpuObjcg = null;
  objCgroupPut(k, objcg);
}
