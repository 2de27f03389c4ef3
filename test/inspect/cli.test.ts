/** `memcgfs inspect` (and the snapshot sources `memcgfs drgn` shares). */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerInspect, runInspect, type InspectOptions } from '../../src/cli/commands/inspect.js';
import { registerDrgn } from '../../src/cli/commands/drgn.js';
import { renderSnapshotFile } from '../../src/inspect/snapshot_file.js';
import { knownWorkload } from './fixtures.js';

const base: InspectOptions = { workload: 'none', controller: 'objcg', cgroup: 'v2', machine: 'desktop', mem: 512 * 1024 * 1024, cpus: 4, flush: true };

function capture() {
  let out = '';
  let err = '';
  return { io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } }, out: () => out, err: () => err };
}

const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

function tmpDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

function snapshotFile(): string {
  const { k } = knownWorkload('objcg');
  const dir = tmpDir('memcgfs-inspect-cli-');
  const file = path.join(dir, 'snap');
  writeFileSync(file, renderSnapshotFile(k));
  return file;
}

describe('memcgfs inspect', () => {
  it('lists the scripts', async () => {
    const c = capture();
    expect(await runInspect(undefined, [], base, c.io)).toBe(0);
    expect(c.out()).toMatch(/^memcg_slabinfo .*\n.*memcgfs inspect memcg_slabinfo CGROUP \[--json\]/m);
    expect(c.out()).toMatch(/^slab_utilization /m);
    expect(c.out()).toMatch(/^dying_cgroups /m);
  });

  it('runs a script on a saved snapshot, as text and as JSON', async () => {
    const file = snapshotFile();
    const c = capture();
    expect(await runInspect('memcg_slabinfo', ['/sys/fs/cgroup/p/a'], { ...base, snapshot: file }, c.io)).toBe(0);
    expect(c.out()).toMatch(/^dentry-memcg\s+500\s+500 /m);
    const j = capture();
    await runInspect('memcg_slabinfo', ['/p/a'], { ...base, snapshot: file, json: true }, j.io);
    expect(JSON.parse(j.out())).toMatchObject({ cgroup: '/p/a', mode: 'obj_cgroup', rows: [{ name: 'dentry-memcg', activeObjs: 500 }] });
  });

  it('reads a mount\'s memcgfs/snapshot and resolves paths inside the mount', async () => {
    const file = snapshotFile();
    const mnt = tmpDir('memcgfs-inspect-mnt-');
    mkdirSync(path.join(mnt, 'memcgfs'));
    writeFileSync(path.join(mnt, 'memcgfs/snapshot'), readFileSync(file));
    const c = capture();
    expect(await runInspect('memcg_slabinfo', [path.join(mnt, 'sys/fs/cgroup/p/a')], { ...base, mount: mnt }, c.io)).toBe(0);
    expect(c.out()).toMatch(/^dentry-memcg\s+500/m);
  });

  it('boots in-process, and saves the snapshot it used', async () => {
    const dir = tmpDir('memcgfs-inspect-save-');
    const save = path.join(dir, 'snap');
    const c = capture();
    expect(await runInspect('slab_utilization', ['--by-root'], { ...base, controller: 'legacy', saveSnapshot: save }, c.io)).toBe(0);
    expect(c.out()).toMatch(/controller legacy/);
    expect(readFileSync(save, 'utf8')).toMatch(/^memcgfs-snapshot 1\n/);
  });

  it('reports script errors on stderr with their exit status', async () => {
    const c = capture();
    expect(await runInspect('memcg_slabinfo', ['/sys/fs/cgroup'], base, c.io)).toBe(1);
    expect(c.err()).toBe("slabinfo.py: error: Can't find the memory cgroup\n");
    await expect(runInspect('nope', [], base, c.io)).rejects.toThrow(/unknown script 'nope'/);
  });

  it('routes options: script options to the script, ours to the command', async () => {
    const program = new Command('memcgfs').exitOverride();
    registerInspect(program);
    registerDrgn(program);
    const file = snapshotFile();
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stdout.write;
    try {
      await program.parseAsync(['inspect', 'slab_utilization', '--by-root', '--json', '--snapshot', file], { from: 'user' });
    } finally {
      process.stdout.write = write;
    }
    expect(JSON.parse(lines.join(''))).toMatchObject({ byRoot: true });
  });
});
