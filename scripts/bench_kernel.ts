/**
 * npm run bench:kernel [-- --json] [--seconds S]
 * Accounted kmem_cache_alloc + kmem_cache_free pairs per second for each slab controller, in one
 * run: a task in a non-root memcg allocates batches of dentry-cache objects (SLAB_ACCOUNT) and
 * frees them, so the fast path, the per-CPU stocks and the occasional slow path are all exercised.
 */
import { bootKernel, cgroupMkdir, cgroupSubtreeControl, taskSpawn, flushDeferredWork } from '../src/kernel/index.js';
import type { ControllerName } from '../src/kernel/index.js';
import { kmemCacheAlloc, kmemCacheFree } from '../src/kernel/slab_alloc.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const secIdx = args.indexOf('--seconds');
const seconds = secIdx >= 0 ? Number(args[secIdx + 1]) : 1.5;
const BATCH = 64;

function bench(controller: ControllerName): number {
  const k = bootKernel({ controller, machine: 'desktop' });
  cgroupSubtreeControl(k, k.rootMemcg, ['memory'], []);
  const cg = cgroupMkdir(k, k.rootMemcg, 'bench');
  const task = taskSpawn(k, cg, 'bench', { cpu: 1 });
  const cache = k.cache('dentry');
  const addrs = new Float64Array(BATCH);
  // warm up: creates the legacy child cache / the objcg clone
  for (let i = 0; i < BATCH; i++) addrs[i] = kmemCacheAlloc(k, cache, task);
  flushDeferredWork(k);
  for (let i = 0; i < BATCH; i++) kmemCacheFree(k, addrs[i], task.cpu);
  let pairs = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let r = 0; r < 256; r++) {
      for (let i = 0; i < BATCH; i++) addrs[i] = kmemCacheAlloc(k, cache, task);
      for (let i = 0; i < BATCH; i++) kmemCacheFree(k, addrs[i], task.cpu);
    }
    pairs += 256 * BATCH;
  }
  const elapsed = (performance.now() - t0) / 1000;
  return pairs / elapsed;
}

const results: Record<string, { pairsPerSec: number }> = {};
for (const c of ['objcg', 'legacy', 'none'] as const) results[c] = { pairsPerSec: Math.round(bench(c)) };
if (json) {
  console.log(JSON.stringify(results));
} else {
  console.log('accounted kmem_cache_alloc+free pairs per second (dentry cache, batches of 64, one core)');
  for (const [c, r] of Object.entries(results)) {
    console.log(`  ${c.padEnd(7)} ${(r.pairsPerSec / 1e6).toFixed(2).padStart(7)} M/s  (${(1e9 / r.pairsPerSec).toFixed(0)} ns/pair)`);
  }
  console.log(`  objcg/legacy ratio ${(results.objcg.pairsPerSec / results.legacy.pairsPerSec).toFixed(2)}, objcg/none ratio ${(results.objcg.pairsPerSec / results.none.pairsPerSec).toFixed(2)}`);
}
