/**
 * memcgfs/info: what this simulated machine is, as "key value" lines.
 */
import type { Kernel } from '../kernel/index.js';

/** Renders the info file. `treeVersion` is the hierarchy version the tree shows. */
export function renderInfo(k: Kernel): string {
  const c = k.config;
  return (
    `controller ${k.controller}\n` +
    `objcg_layout ${k.objcgLayout}\n` +
    `cgroup ${k.cgroupVersion}\n` +
    `machine ${c.name}\n` +
    `cpus ${c.nrCpus}\n` +
    `nodes ${c.nrNodes}\n` +
    `page_size ${c.pageSize}\n` +
    `mem_bytes ${c.memBytes}\n` +
    `seed ${c.seed}\n` +
    `time_ns ${k.nowNs()}\n` +
    `generation ${k.generation}\n`
  );
}
