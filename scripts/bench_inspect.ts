/**
 * npm run bench:inspect [-- --json] [--controller objcg|legacy|both] [--objects N] [--cgroups N]
 *                        [--mem SIZE] [--skip-drgn] [--upstream PATH]
 *
 * Inspection at scale: a desktop kernel (16 GiB, 8 CPUs) with 1,000 cgroups, each running a
 * task that fills the dentry cache until the kernel holds 1 M live slab objects. Measures
 *  - takeSnapshot (the daemon-side cost of serving memcgfs/snapshot) and the snapshot's size,
 *    serialisation and parse times;
 *  - the drgn image build (ELF core + layout file);
 *  - memcg_slabinfo for one cgroup: the TypeScript script in-process, and the clean-room drgn
 *    script (scripts/drgn/slabinfo_check.py) through real drgn — wall time of the whole
 *    `python3 memcgfs_drgn.py` run, which walks every struct page like the upstream tool
 *    (and, with --upstream PATH, the upstream memcg_slabinfo.py too).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bootKernel,
  cgroupMkdir,
  cgroupSubtreeControl,
  flushDeferredWork,
  taskLookupMissing,
  taskSpawn,
  type ControllerName,
  type Kernel,
  type MemCgroup,
} from '../src/kernel/index.js';
import { takeSnapshot } from '../src/inspect/snapshot.js';
import { parseSnapshot, serializeSnapshot } from '../src/inspect/snapshot_file.js';
import { openProgram } from '../src/inspect/program.js';
import { writeDrgnImage } from '../src/inspect/image.js';
import { script as memcgSlabinfo } from './inspect/memcg_slabinfo.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ADAPTER = path.join(ROOT, 'scripts/drgn/memcgfs_drgn.py');
const CHECK = path.join(ROOT, 'scripts/drgn/slabinfo_check.py');
const PYTHON = process.env.MEMCGFS_PYTHON || '/usr/bin/python3';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const value = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const json = flag('json');
const targetObjects = Number(value('objects', '1000000'));
const nrCgroups = Number(value('cgroups', '1000'));
const memBytes = Number(value('mem', String(16 * 2 ** 30)));
const which = value('controller', 'both');
const upstream = value('upstream', '');
const controllers: ControllerName[] = which === 'both' ? ['objcg', 'legacy'] : [which as ControllerName];

function liveObjects(k: Kernel): number {
  let n = 0;
  for (const s of k.caches) if (s && !s.destroyed) n += s.nrAllocated;
  return n;
}

function build(controller: ControllerName): { k: Kernel; target: MemCgroup; buildMs: number } {
  const t0 = performance.now();
  const k = bootKernel({ controller, machine: 'desktop', machineOverrides: { memBytes } });
  cgroupSubtreeControl(k, k.rootMemcg, ['memory'], []);
  const tasks = [];
  const cgs: MemCgroup[] = [];
  for (let i = 0; i < nrCgroups; i++) {
    const cg = cgroupMkdir(k, k.rootMemcg, `job${i}`);
    cgs.push(cg);
    const t = taskSpawn(k, cg, `job${i}`, { cpu: i % k.config.nrCpus });
    taskLookupMissing(k, t, 1, 20);
    tasks.push(t);
  }
  flushDeferredWork(k);
  const perCgroup = Math.max(1, Math.ceil((targetObjects - liveObjects(k)) / nrCgroups));
  for (const t of tasks) taskLookupMissing(k, t, perCgroup, 20);
  for (let i = 0; liveObjects(k) < targetObjects; i = (i + 1) % tasks.length) taskLookupMissing(k, tasks[i], 100, 20);
  flushDeferredWork(k);
  return { k, target: cgs[nrCgroups >> 1], buildMs: performance.now() - t0 };
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
}

function drgnAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import drgn'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const results: Record<string, Record<string, number | string>> = {};
const withDrgn = !flag('skip-drgn') && drgnAvailable();
for (const controller of controllers) {
  const { k, target, buildMs } = build(controller);
  const cgPath = `/sys/fs/cgroup/${target.name}`;
  const [snap, snapshotMs] = time(() => takeSnapshot(k));
  const [text, serializeMs] = time(() => serializeSnapshot(snap));
  const [, parseMs] = time(() => parseSnapshot(text));
  const prog = openProgram(snap);
  const [tsRows, tsSlabinfoMs] = time(() => memcgSlabinfo.collect(prog, [cgPath], {}));
  const r: Record<string, number | string> = {
    liveObjects: liveObjects(k),
    cgroups: snap.cgroups.count,
    caches: snap.caches.count,
    slabs: snap.slabs.count,
    pages: snap.totalPages,
    workloadMs: Math.round(buildMs),
    snapshotMs: Math.round(snapshotMs * 10) / 10,
    snapshotBytes: text.length,
    serializeMs: Math.round(serializeMs),
    parseMs: Math.round(parseMs),
    tsMemcgSlabinfoMs: Math.round(tsSlabinfoMs * 10) / 10,
    tsMemcgSlabinfoObjects: tsRows.rows.reduce((a, x) => a + x.activeObjs, 0),
  };
  if (withDrgn) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'memcgfs-bench-drgn-'));
    try {
      const [img, imageMs] = time(() => writeDrgnImage(snap, dir));
      r.imageMs = Math.round(imageMs);
      r.imageMappedBytes = img.stats.mappedBytes;
      r.imageWrittenBytes = img.stats.writtenBytes;
      r.imageSegments = img.stats.segments;
      const [out, drgnMs] = time(() => execFileSync(PYTHON, [ADAPTER, '--image', dir, CHECK, '--json', cgPath], { encoding: 'utf8', maxBuffer: 1 << 26 }));
      r.drgnMemcgSlabinfoMs = Math.round(drgnMs);
      const rows = JSON.parse(out).rows as Array<{ activeObjs: number }>;
      r.drgnMemcgSlabinfoObjects = rows.reduce((a, x) => a + x.activeObjs, 0);
      if (upstream) {
        const [, upMs] = time(() => execFileSync(PYTHON, [ADAPTER, '--image', dir, upstream, cgPath], { encoding: 'utf8' }));
        r.drgnUpstreamMemcgSlabinfoMs = Math.round(upMs);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else r.drgn = 'skipped (no python3-drgn, or --skip-drgn)';
  results[controller] = r;
}

if (json) {
  console.log(JSON.stringify(results));
} else {
  const mib = (b: number | string) => `${(Number(b) / 2 ** 20).toFixed(1)} MiB`;
  for (const [c, r] of Object.entries(results)) {
    console.log(`${c}: ${r.liveObjects} live objects, ${r.cgroups} cgroups, ${r.caches} caches, ${r.slabs} slabs, ${r.pages} pages (workload ${r.workloadMs} ms)`);
    console.log(`  takeSnapshot ${r.snapshotMs} ms; snapshot file ${mib(r.snapshotBytes)} (serialise ${r.serializeMs} ms, parse ${r.parseMs} ms)`);
    console.log(`  memcg_slabinfo in-process (TypeScript): ${r.tsMemcgSlabinfoMs} ms, ${r.tsMemcgSlabinfoObjects} objects`);
    if (r.drgnMemcgSlabinfoMs !== undefined) {
      console.log(`  drgn image: ${r.imageMs} ms, ${r.imageSegments} segments, maps ${mib(r.imageMappedBytes)}, ${mib(r.imageWrittenBytes)} written`);
      console.log(`  memcg_slabinfo through drgn (slabinfo_check.py, whole python run): ${r.drgnMemcgSlabinfoMs} ms, ${r.drgnMemcgSlabinfoObjects} objects`);
      if (r.drgnUpstreamMemcgSlabinfoMs !== undefined) console.log(`  upstream memcg_slabinfo.py through drgn: ${r.drgnUpstreamMemcgSlabinfoMs} ms`);
    } else console.log(`  drgn: ${r.drgn}`);
  }
}
