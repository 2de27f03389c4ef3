/**
 * `memcgfs mount` end to end: the real daemon (kernel + tree + FUSE) in a child process. Only the
 * lifecycle is checked here; what the files contain is the tree's business.
 */
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { findMount } from '../../src/fuse/mountpoint.js';
import { MEMCGFS_BIN, startMemcgfs, type Daemon } from '../helpers/mount.js';

describe('memcgfs mount', () => {
  const daemons: Daemon[] = [];
  afterAll(async () => {
    for (const d of daemons) await d.stop();
  });

  it('mounts, prints one ready line, serves the tree and unmounts cleanly on SIGTERM', async () => {
    const d = await startMemcgfs(['--workload', 'none', '--controller', 'legacy', '--cgroup', 'v1']);
    daemons.push(d);
    expect(d.output()).toContain(`memcgfs: mounted ${d.dir} (controller legacy, cgroup v1, machine desktop)\n`);
    expect((await findMount(d.dir))?.fsType).toBe('fuse.memcgfs');
    const meminfo = await execa('cat', ['proc/meminfo'], { cwd: d.dir });
    expect(meminfo.stdout).toMatch(/^MemTotal: +\d+ kB$/m);
    const ls = await execa('ls', ['-la'], { cwd: d.dir });
    expect(ls.stdout).toMatch(/ proc$/m);
    expect(ls.stdout).toMatch(/ sys$/m);

    const exit = await d.stop();
    expect(exit.clean, exit.output).toBe(true);
    expect(exit.output).toContain(`memcgfs: unmounted ${d.dir} (SIGTERM)`);
  });

  it('creates the mount point and refuses one that is already mounted', async () => {
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'memcgfs-test-'));
    const dir = path.join(tmp, 'not', 'yet');
    const d = await startMemcgfs(['--workload', 'none', '--no-realtime'], { dir });
    daemons.push(d);
    const second = await execa(process.execPath, [MEMCGFS_BIN, 'mount', dir, '--workload', 'none'], {
      reject: false,
      timeout: 30_000,
    });
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toBe(
      `memcgfs: ${dir} is busy: a memcgfs mount is already serving it; unmount it first (memcgfs umount ${dir})`,
    );
    expect((await d.stop()).clean).toBe(true);
    await fsp.rm(tmp, { recursive: true });
  });
});
