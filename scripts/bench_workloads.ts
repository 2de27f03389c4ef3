/**
 * npm run bench:workloads [-- --json] [--scale X] [--workload NAME]
 * For every workload and slab controller: how fast the simulation runs — virtual seconds
 * simulated per wall second — and slab allocations (kmem_cache_alloc / kmalloc calls) per wall
 * second. Target from issue 4: kernel-build simulated at least 100x faster than the virtual time
 * it covers. Allocations are the caches' own counters (KmemCache.nrAllocs, SLUB's alloc_fastpath +
 * alloc_slowpath), read every virtual second: a legacy child cache destroyed in between (its
 * dying memcg released) has long stopped allocating, so its count has already been read.
 */
import { bootKernel } from '../src/kernel/index.js';
import type { ControllerName, Kernel, KmemCache } from '../src/kernel/index.js';
import { listWorkloads, runWorkload } from '../src/workloads/index.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const scale = Number(opt('--scale') ?? 1);
const only = opt('--workload');

interface Row {
  workload: string;
  controller: ControllerName;
  machine: string;
  virtualSeconds: number;
  wallSeconds: number;
  virtualPerWall: number;
  allocations: number;
  allocationsPerSecond: number;
}

const rows: Row[] = [];
for (const w of listWorkloads()) {
  if (only && w.name !== only) continue;
  for (const controller of ['legacy', 'objcg', 'none'] as const) {
    const k = bootKernel({ machine: w.defaultMachine, controller, cgroupVersion: 'v1', seed: 1 });
    const seen = new Map<KmemCache, number>();
    let allocations = 0;
    const count = (kk: Kernel) => {
      for (const s of kk.caches) {
        if (!s) continue;
        allocations += s.nrAllocs - (seen.get(s) ?? 0);
        seen.set(s, s.nrAllocs);
      }
    };
    count(k);
    allocations = 0;
    const r = runWorkload(k, w.name, { seed: 1, scale, sampleEveryNs: 1e9, onSample: count });
    const wall = r.wallMs / 1000;
    rows.push({
      workload: w.name,
      controller,
      machine: w.defaultMachine,
      virtualSeconds: r.virtualNs / 1e9,
      wallSeconds: wall,
      virtualPerWall: r.virtualNs / 1e9 / wall,
      allocations,
      allocationsPerSecond: allocations / wall,
    });
    if (!json) {
      const x = rows[rows.length - 1];
      console.log(
        `${x.workload.padEnd(14)} ${x.controller.padEnd(7)} ${x.machine.padEnd(8)} ${x.virtualSeconds.toFixed(0).padStart(6)} s virtual in ${x.wallSeconds.toFixed(2).padStart(6)} s wall = ${x.virtualPerWall.toFixed(0).padStart(5)}x   ${(x.allocations / 1e6).toFixed(2).padStart(6)} M allocations, ${(x.allocationsPerSecond / 1e6).toFixed(2).padStart(5)} M/s`,
      );
    }
  }
}
if (json) console.log(JSON.stringify(rows, null, 2));
else {
  const kb = rows.filter((r) => r.workload === 'kernel-build');
  if (kb.length) console.log(`kernel-build: ${Math.min(...kb.map((r) => r.virtualPerWall)).toFixed(0)}x faster than virtual time at worst (target >= 100x)`);
}
