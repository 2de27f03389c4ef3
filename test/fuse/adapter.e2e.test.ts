/**
 * The FUSE adapter end to end: the static test Vfs mounted by a child process, driven with real
 * shell tools the way a user would, through both dispatch paths (fuse-native's own JS layer and
 * the direct one). Lifecycle cases cover stale mounts, busy mount points, auto_unmount, hung
 * daemons and `memcgfs umount`.
 */
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMount } from '../../src/fuse/mountpoint.js';
import { MEMINFO_TEXT } from '../helpers/static_vfs.js';
import { MEMCGFS_BIN, SERVE_STATIC, TSX_IMPORT, startStaticServer, type Daemon } from '../helpers/mount.js';

/**
 * Runs a script in the mount, never throwing: tests assert on what a user would see. Error cases
 * use bash, whose echo names the errno (dash's says "I/O error" for every failed write).
 */
function sh(d: Daemon, script: string, shell = 'sh') {
  return execa(shell, ['-c', script], { cwd: d.dir, reject: false, timeout: 10_000 });
}

describe.each([
  { name: 'direct dispatch', args: [] as string[] },
  { name: "fuse-native's dispatch", args: ['--slow-path'] },
])('static Vfs over FUSE ($name)', ({ args }) => {
  let d: Daemon;
  beforeAll(async () => {
    d = await startStaticServer(args);
  });
  afterAll(async () => {
    const exit = await d?.stop();
    expect(exit?.clean, exit?.output).toBe(true);
  });

  it('lists a directory with . and .., modes and symlinks (ls -la)', async () => {
    const r = await sh(d, 'ls -la');
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    const entry = (name: string) => lines.find((l) => l.endsWith(` ${name}`) || l.includes(` ${name} -> `));
    expect(entry('.')).toMatch(/^drwxr-xr-x /);
    expect(entry('..')).toMatch(/^d/);
    expect(entry('hello')).toMatch(/^-r--r--r-- 1 root root +0 /);
    expect(entry('writable')).toMatch(/^-rw-r--r-- /);
    expect(entry('proc')).toMatch(/^drwxr-xr-x /);
    expect(entry('link')).toMatch(/^lrwxrwxrwx .* link -> hello$/);
  });

  it('reports the Vfs inode numbers, modes and size 0 (stat)', async () => {
    const r = await sh(d, "stat -c '%i %a %s %F' . hello proc");
    expect(r.stdout.split('\n')).toEqual(['1 755 0 directory', '100 444 0 regular empty file', '102 755 0 directory']);
  });

  it('reads whole files whose st_size is 0 (direct_io)', async () => {
    expect((await sh(d, 'cat hello')).stdout).toBe('hello');
    const meminfo = await execa('cat', ['proc/meminfo'], { cwd: d.dir });
    expect(meminfo.stdout + '\n').toBe(MEMINFO_TEXT);
    expect((await sh(d, 'wc -c < big')).stdout.trim()).toBe(String(64 * 1024 + 1));
    expect((await sh(d, 'cat dir/file')).stdout).toBe('in a dir');
  });

  it('serves small sequential reads from one snapshot (dd bs=100)', async () => {
    const r = await sh(d, 'dd if=proc/meminfo bs=100 status=none');
    expect(r.stdout + '\n').toBe(MEMINFO_TEXT);
  });

  it('re-renders on every open (counter)', async () => {
    const a = Number((await sh(d, 'cat counter')).stdout);
    const b = Number((await sh(d, 'cat counter')).stdout);
    expect(b).toBeGreaterThan(a);
  });

  it('accepts an O_TRUNC write of a valid value (echo 5 > writable)', async () => {
    const w = await sh(d, 'echo 5 > writable');
    expect(w.stderr).toBe('');
    expect(w.exitCode).toBe(0);
    expect((await sh(d, 'cat writable')).stdout).toBe('5');
  });

  it.each([
    { what: 'an invalid write', script: 'echo abc > writable', message: 'Invalid argument' },
    { what: 'a read that throws inside the Vfs', script: 'cat broken', message: 'Input/output error' },
    { what: 'a missing file', script: 'cat nope', message: 'No such file or directory' },
    { what: 'writing a read-only file', script: 'echo 1 > hello', message: 'Permission denied' },
    { what: 'rmdir of a non-empty directory', script: 'rmdir dir', message: 'Device or resource busy' },
    { what: 'unlink', script: 'rm -f hello', message: 'Operation not permitted' },
  ])('propagates the errno of $what', async ({ script, message }) => {
    const r = await sh(d, script, 'bash');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(message);
  });

  it("logs exceptions that are not FsError on the daemon's stderr", async () => {
    await sh(d, 'cat broken');
    expect(d.output()).toContain('memcgfs: internal error in read /broken: Error: static vfs: deliberate failure');
  });

  it('keeps the value after a rejected write', async () => {
    await sh(d, 'echo 7 > writable; echo bad > writable');
    expect((await sh(d, 'cat writable')).stdout).toBe('7');
  });

  it('creates and removes directories (mkdir, rmdir)', async () => {
    expect((await sh(d, 'mkdir newdir && stat -c %F newdir')).stdout).toBe('directory');
    expect((await sh(d, 'ls -a newdir')).stdout.split('\n')).toEqual(['.', '..']);
    expect((await sh(d, 'mkdir newdir')).stderr).toContain('File exists');
    expect((await sh(d, 'rmdir newdir')).exitCode).toBe(0);
    expect((await sh(d, 'test -e newdir; echo $?')).stdout).toBe('1');
  });

  it('resolves symlinks (readlink, cat through a link)', async () => {
    expect((await sh(d, 'readlink link')).stdout).toBe('hello');
    expect((await sh(d, 'cat link')).stdout).toBe('hello');
  });

  it('answers statfs and shows as fuse.memcgfs', async () => {
    expect((await sh(d, 'stat -f -c %l .')).stdout).toBe('255');
    const entry = await findMount(d.dir);
    expect(entry?.fsType).toBe('fuse.memcgfs');
    expect(entry?.source).toBe('memcgfs');
  });
});

describe('mount lifecycle', () => {
  const daemons: Daemon[] = [];
  afterAll(async () => {
    for (const d of daemons) await d.stop();
  });
  async function start(args: string[] = [], dir?: string): Promise<Daemon> {
    const d = await startStaticServer(args, { dir });
    daemons.push(d);
    return d;
  }

  it('is gone after stop(), and the daemon exited cleanly', async () => {
    const d = await start();
    const exit = await d.stop();
    expect(exit.clean, exit.output).toBe(true);
    expect(await findMount(d.dir)).toBeUndefined();
  });

  it('refuses a mount point that carries a live mount', async () => {
    const d = await start();
    const second = await execa(process.execPath, ['--import', TSX_IMPORT, SERVE_STATIC, d.dir], {
      reject: false,
      timeout: 20_000,
    });
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain(`${d.dir} is busy: a memcgfs mount is already serving it`);
    expect((await sh(d, 'cat hello')).stdout).toBe('hello');
    await d.stop();
  });

  it('recovers a stale mount left by a killed daemon', async () => {
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'memcgfs-test-'));
    const dir = path.join(tmp, 'mnt');
    await fsp.mkdir(dir);
    const first = await start(['--no-auto-unmount'], dir);
    process.kill(first.pid, 'SIGKILL');
    await first.exited();
    const dead = await execa('ls', [dir], { reject: false });
    expect(dead.stderr).toContain('Transport endpoint is not connected');

    const second = await start([], dir);
    expect((await sh(second, 'cat hello')).stdout).toBe('hello');
    expect((await second.stop()).clean).toBe(true);
    await first.stop();
    await fsp.rm(tmp, { recursive: true });
  });

  it('disappears by itself after kill -9 (auto_unmount)', async () => {
    const d = await start();
    process.kill(d.pid, 'SIGKILL');
    await d.exited();
    const gone = async () => (await findMount(d.dir)) === undefined;
    for (let i = 0; i < 100 && !(await gone()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await gone()).toBe(true);
    await d.stop();
  });

  it('cleans up a hung daemon (SIGSTOP) on stop()', async () => {
    const d = await start();
    process.kill(d.pid, 'SIGSTOP');
    const exit = await d.stop({ graceMs: 500 });
    expect(exit.clean).toBe(false);
    expect(await findMount(d.dir)).toBeUndefined();
  });

  it('memcgfs umount unmounts a live mount and its daemon exits', async () => {
    const d = await start();
    const r = await execa(process.execPath, [MEMCGFS_BIN, 'umount', d.dir], { reject: false });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`memcgfs: unmounted ${d.dir}`);
    expect(await findMount(d.dir)).toBeUndefined();
    await d.exited();
    expect(d.output()).toContain('unmounted externally');
  });

  it('memcgfs umount handles a stale mount and refuses a directory that is not mounted', async () => {
    const d = await start(['--no-auto-unmount']);
    process.kill(d.pid, 'SIGKILL');
    await d.exited();
    const r = await execa(process.execPath, [MEMCGFS_BIN, 'umount', d.dir], { reject: false });
    expect(r.stdout).toBe(`memcgfs: unmounted ${d.dir} (stale)`);
    expect(await findMount(d.dir)).toBeUndefined();

    const again = await execa(process.execPath, [MEMCGFS_BIN, 'umount', d.dir], { reject: false });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toBe(`memcgfs: umount: ${d.dir}: not mounted`);
  });
});
