/**
 * Inspection of a running mount: the daemon serves memcgfs/snapshot, `memcgfs inspect --mount`
 * and `memcgfs drgn --mount` read it from another process. The drgn part is skipped when
 * python3-drgn is missing.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startMemcgfs, type Daemon } from '../helpers/mount.js';
import { runInspect, type InspectOptions } from '../../src/cli/commands/inspect.js';
import { drgnVersion, runDrgn } from '../../src/cli/commands/drgn.js';
import { readSnapshotFromMount, SNAPSHOT_FILE_PATH } from '../../src/inspect/snapshot_file.js';
import { verifySnapshot } from '../../src/inspect/verify.js';

/** One control-file transaction: write a command, read its reply on the same open file. */
async function ctl(dir: string, command: string): Promise<string> {
  const fh = await fsp.open(path.join(dir, 'memcgfs/ctl'), 'r+');
  try {
    await fh.write(`${command}\n`);
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const reply = buf.subarray(0, bytesRead).toString().trim();
    if (reply.startsWith('error')) throw new Error(`${command}: ${reply}`);
    return reply;
  } finally {
    await fh.close();
  }
}

const base: InspectOptions = { workload: 'none', controller: 'objcg', cgroup: 'v2', machine: 'desktop', flush: false };

describe('inspecting a running mount', () => {
  const daemons: Daemon[] = [];
  afterAll(async () => {
    for (const d of daemons) await d.stop();
  });

  it('reads memcgfs/snapshot from another process, consistent, with cgroupfs inode numbers', async () => {
    const d = await startMemcgfs(['--workload', 'none', '--mem', '512M', '--cpus', '4', '--no-realtime']);
    daemons.push(d);
    await fsp.access(path.join(d.dir, SNAPSHOT_FILE_PATH));
    const cgfs = path.join(d.dir, 'sys/fs/cgroup');
    await fsp.writeFile(path.join(cgfs, 'cgroup.subtree_control'), '+memory');
    await fsp.mkdir(path.join(cgfs, 'a'));
    const pid = (await ctl(d.dir, 'spawn /a worker')).split(' ')[1];
    await ctl(d.dir, `dentries ${pid} 1 20`);
    await ctl(d.dir, 'flush');
    await ctl(d.dir, `dentries ${pid} 400 20`);

    const snap = await readSnapshotFromMount(d.dir);
    expect(verifySnapshot(snap)).toEqual([]);
    const a = snap.cgroups.name.indexOf('a');
    expect((await fsp.stat(path.join(cgfs, 'a'))).ino).toBe(snap.cgroups.ino[a]);

    let out = '';
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (out += s) } };
    expect(await runInspect('memcg_slabinfo', [path.join(cgfs, 'a')], { ...base, mount: d.dir, json: true }, io)).toBe(0);
    expect(JSON.parse(out).rows).toMatchObject([{ name: 'dentry-memcg', activeObjs: 400 }]);

    if (drgnVersion()) {
      const check = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../scripts/drgn/slabinfo_check.py');
      const r = await runDrgn(check, ['--json', path.join(cgfs, 'a')], { ...base, mount: d.dir }, 'pipe');
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout).rows).toEqual(JSON.parse(out).rows);
    }
  });
});
