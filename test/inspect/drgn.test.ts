/**
 * Real drgn (Debian's python3-drgn 0.0.22 under /usr/bin/python3) against the simulated kernel:
 * our clean-room drgn script (scripts/drgn/slabinfo_check.py) must print the same numbers as
 * the TypeScript memcg_slabinfo and the kernel's own memory.kmem.slabinfo view, and drgn's stock
 * helpers must see the same caches, objects, cgroups and tasks as the TypeScript API.
 * Skipped only when python3-drgn is missing (CI installs it: apt-get install -y python3-drgn).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { flushDeferredWork, memcgSlabinfo, type Kernel, type MemCgroup } from '../../src/kernel/index.js';
import { DRGN_ADAPTER, defaultPython, drgnVersion, runDrgn } from '../../src/cli/commands/drgn.js';
import {
  cgroupPath,
  findSlabCache,
  forEachMemCgroup,
  forEachSlab,
  forEachSlabCache,
  forEachTask,
  layoutRegistry,
  programFromKernel,
  rootMemCgroup,
  slabCacheForEachAllocatedObject,
  slabObjectInfo,
  takeSnapshot,
  writeDrgnImage,
  type Profile,
} from '../../src/inspect/index.js';
import { renderSnapshotFile } from '../../src/inspect/snapshot_file.js';
import { SLABINFO_HEADER, memcgSlabinfoRows, script as tsSlabinfo } from '../../scripts/inspect/memcg_slabinfo.js';
import { knownWorkload } from './fixtures.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHECK = path.join(REPO, 'scripts/drgn/slabinfo_check.py');
const IMAGE_CHECK = path.join(REPO, 'scripts/drgn/image_check.py');
const version = drgnVersion();
const why = version ? `drgn ${version}` : `SKIPPED: ${defaultPython()} cannot import drgn (apt-get install -y python3-drgn)`;
if (!version) console.warn(`test/inspect/drgn.test.ts ${why}`);

const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

function tmpDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

function image(k: Kernel, profile?: Profile): string {
  const dir = tmpDir('memcgfs-drgn-test-');
  writeDrgnImage(takeSnapshot(k), dir, { profile });
  return dir;
}

function drgn(imageDir: string, script: string, args: string[]): string {
  return execFileSync(defaultPython(), [DRGN_ADAPTER, '--image', imageDir, script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

const TWO_NODES = { memBytes: 512 * 1024 * 1024, nrCpus: 4, nrNodes: 2 };
const CASES: Array<{ controller: 'objcg' | 'legacy'; profile?: Profile; layout?: 'single-set'; nodes?: number }> = [
  { controller: 'objcg' },
  { controller: 'objcg', layout: 'single-set' },
  { controller: 'objcg', profile: 'objcg-v5.9' },
  { controller: 'objcg', nodes: 2 },
  { controller: 'legacy' },
  { controller: 'legacy', nodes: 2 },
];

describe.skipIf(!version)(`real drgn (${why})`, () => {
  it.each(CASES)('slabinfo_check.py = memcg_slabinfo = the kernel view ($controller $profile $layout $nodes)', ({ controller, profile, layout, nodes }) => {
    const { k, p, a } = knownWorkload(controller, { ...(layout ? { objcgLayout: layout } : {}), ...(nodes ? { machineOverrides: TWO_NODES } : {}) });
    const dir = image(k, profile);
    const prog = programFromKernel(k, profile);
    for (const [cg, fsPath] of [[a, '/sys/fs/cgroup/p/a'], [p, '/sys/fs/cgroup/p']] as Array<[MemCgroup, string]>) {
      const out = JSON.parse(drgn(dir, CHECK, ['--json', fsPath]));
      expect(out.mode).toBe(controller === 'legacy' ? 'legacy' : 'obj_cgroup');
      const ts = memcgSlabinfoRows(prog.memcgById(cg.id)!);
      expect(out.rows, fsPath).toEqual(ts);
      expect(out.rows, fsPath).toEqual(memcgSlabinfo(k, cg));
      expect(ts.length).toBeGreaterThan(0);
      // the text output too, byte for byte
      const text = drgn(dir, CHECK, [fsPath]);
      expect(text).toBe(tsSlabinfo.format(tsSlabinfo.collect(prog, [fsPath], {})));
      expect(text.split('\n')[0]).toBe(SLABINFO_HEADER);
    }
  });

  it('reports exactly N accounted dentries under objcg, through drgn', () => {
    const { k } = knownWorkload('objcg', { nA: 1234 });
    const out = JSON.parse(drgn(image(k), CHECK, ['--json', '/sys/fs/cgroup/p/a']));
    expect(out.rows.map((r: { name: string; activeObjs: number }) => [r.name, r.activeObjs])).toEqual([['dentry-memcg', 1234]]);
  });

  it.each(['objcg', 'legacy'] as const)("drgn's own helpers see what the TypeScript API sees (%s)", (controller) => {
    const { k, ta } = knownWorkload(controller);
    flushDeferredWork(k);
    const prog = programFromKernel(k);
    const dir = image(k);
    const reg = layoutRegistry(prog.profile);
    const pairs: Array<[string, string]> = [
      ['struct page', 'slab_cache'],
      ['struct page', 'compound_order'],
      ['struct kmem_cache', 'node'],
      ['struct kmem_cache', 'list'],
      ['struct kmem_cache_node', 'partial'],
      ['struct mem_cgroup', 'css'],
      ['struct mem_cgroup', 'kmemcg_id'],
      ['struct cgroup', 'kn'],
      ['struct kernfs_node', 'id'],
      ['struct task_struct', 'comm'],
      ['struct task_struct', 'pid_links'],
      ['struct xa_node', 'slots'],
      controller === 'legacy' ? ['struct kmem_cache', 'memcg_params'] : ['struct obj_cgroup', 'memcg'],
    ];
    const layoutFile = path.join(dir, 'pairs.json');
    writeFileSync(layoutFile, JSON.stringify(pairs));
    const caches = controller === 'legacy' ? ['dentry', `dentry(${ta.memcg.serial}:a)`, 'task_struct'] : ['dentry', 'dentry-memcg', 'task_struct'];
    // objects to look up: a task_struct, the root mem_cgroup, an allocated dentry, a free slot
    const dentrySlab = [...forEachSlab(prog, findSlabCache(prog, caches[1])!)].find((s) => s.nrFree > 0)!;
    const objects = [
      prog.taskByPid(ta.pid)!.address,
      rootMemCgroup(prog).address,
      [...slabCacheForEachAllocatedObject(findSlabCache(prog, caches[1])!)][7] + 5n,
      dentrySlab.objectAddress(dentrySlab.freeIndices()[0]),
    ];
    const args = ['--layout', layoutFile, ...caches.flatMap((c) => ['--cache', c]), ...objects.flatMap((o) => ['--object', `0x${o.toString(16)}`])];
    const out = JSON.parse(drgn(dir, IMAGE_CHECK, args));

    expect(out.caches.map((c: { name: string }) => c.name)).toEqual([...forEachSlabCache(prog)].map((s) => s.name));
    expect(out.caches.map((c: { address: string }) => BigInt(c.address))).toEqual([...forEachSlabCache(prog)].map((s) => s.address));
    for (const name of caches) expect(out.allocated[name], name).toBe(findSlabCache(prog, name)!.nrAllocated);
    objects.forEach((addr, i) => {
      const ts = slabObjectInfo(prog, addr)!;
      expect(out.objects[i], `object ${i}`).toMatchObject({ cache: ts.slabCache.name, allocated: ts.allocated, pageSlab: true });
      expect(BigInt(out.objects[i].address)).toBe(ts.address);
      expect(BigInt(out.objects[i].slabPage)).toBe(ts.slab.page);
    });
    // drgn 0.0.22 iterates online css only
    const memcgs = [...forEachMemCgroup(prog, { includeOffline: false })];
    expect(out.memcgs.map((m: { path: string }) => m.path)).toEqual(memcgs.map(cgroupPath));
    expect(out.memcgs.map((m: { ino: number }) => m.ino)).toEqual(memcgs.map((m) => m.ino));
    expect(out.memcgs.map((m: { address: string }) => BigInt(m.address))).toEqual(memcgs.map((m) => m.address));
    expect(out.tasks.map((t: { pid: number; comm: string }) => [t.pid, t.comm])).toEqual([...forEachTask(prog)].map((t) => [t.pid, t.comm]));
    expect(out.tasks.map((t: { address: string }) => BigInt(t.address))).toEqual([...forEachTask(prog)].map((t) => t.address));
    expect(out.task1).toBe('systemd');
    for (const e of out.layout) {
      expect(e.size, e.type).toBe(reg.sizeof(e.type));
      expect(e.offset, `${e.type}.${e.member}`).toBe(reg.offsetof(e.type, e.member));
    }
    const names = Object.keys(out.typeSizes);
    expect(names.length).toBe(reg.toJson().types.length);
    for (const name of names) expect(out.typeSizes[name], name).toBe(reg.sizeof(name));
  });

  it('memcgfs drgn runs a script on a snapshot, with options passed through to the script', async () => {
    const { k } = knownWorkload('legacy');
    const dir = tmpDir('memcgfs-drgn-cli-');
    const snap = path.join(dir, 'snap');
    writeFileSync(snap, renderSnapshotFile(k));
    const base = { workload: 'none', controller: 'objcg' as const, cgroup: 'v2' as const, machine: 'desktop', flush: true, snapshot: snap };
    const r = await runDrgn(CHECK, ['--json', '/sys/fs/cgroup/p/a'], base, 'pipe');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).rows[0]).toMatchObject({ name: 'dentry' });
    const bad = await runDrgn(CHECK, ['/sys/fs/cgroup/nope'], base, 'pipe');
    expect(bad.status).not.toBe(0);
  });

  it('resolves v1 cgroup directories through the stat shim', () => {
    const { k } = knownWorkload('objcg', { cgroupVersion: 'v1' });
    const out = JSON.parse(drgn(image(k), CHECK, ['--json', '/sys/fs/cgroup/memory/p/a']));
    expect(out.rows[0].activeObjs).toBe(500);
  });
});
