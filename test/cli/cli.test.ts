/**
 * The CLI's parsing and its one error handler: every failure is one `memcgfs: ...` line and a
 * non-zero exit.
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parseSize } from '../../src/cli/options.js';
import { CliError, formatError } from '../../src/cli/errors.js';
import { FsError } from '../../src/fs/vfs.js';
import { KernelError } from '../../src/kernel/errno.js';
import { MEMCGFS_BIN } from '../helpers/mount.js';

describe('parseSize', () => {
  it.each([
    ['4096', 4096],
    ['64K', 65536],
    ['512M', 512 * 2 ** 20],
    ['16G', 16 * 2 ** 30],
    ['1GiB', 2 ** 30],
  ])('%s = %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it('rejects garbage', () => {
    expect(() => parseSize('12X')).toThrow(/suffix/);
  });
});

describe('formatError', () => {
  it.each([
    { err: new FsError('ENOENT', 'cat', '/proc/x'), text: 'cat: /proc/x: No such file or directory' },
    { err: new KernelError('EINVAL', 'nrCpus must be 1..1024'), text: 'nrCpus must be 1..1024' },
    { err: new KernelError('ESRCH'), text: 'No such process' },
    { err: new CliError('umount: ./mount: not mounted'), text: 'umount: ./mount: not mounted' },
    { err: new Error('plain'), text: 'plain' },
  ])('$text', ({ err, text }) => {
    expect(formatError(err)).toBe(text);
  });
});

describe('memcgfs command line', () => {
  it.each([
    { args: ['mount', '--controller', 'foo'], stderr: /^memcgfs: option '--controller <name>' argument 'foo' is invalid/ },
    { args: ['mount', '--cpus', 'x'], stderr: /^memcgfs: option '--cpus <n>' argument 'x' is invalid/ },
    { args: ['frobnicate'], stderr: /^memcgfs: unknown command 'frobnicate'/ },
    { args: ['umount', '/nonexistent/memcgfs'], stderr: /^memcgfs: umount: \/nonexistent\/memcgfs: not mounted$/ },
    { args: ['mount', '/nonexistent/memcgfs', '--workload', 'nope'], stderr: /^memcgfs: no workload 'nope' \(known: / },
    { args: ['compare', '--workload', 'sysbench-oltp', '--param', 'dataFs=btrfs'], stderr: /^memcgfs: compare: bad value 'btrfs' for sysbench-oltp's dataFs \(allowed: ext4, xfs\)$/ },
    { args: ['compare', '--workload', 'boot', '--param', 'dataFs=xfs'], stderr: /^memcgfs: compare: unknown parameter 'dataFs' for workload boot \(known: none\)$/ },
    { args: ['compare', '--workload', 'boot', '--param', 'dataFs'], stderr: /^memcgfs: option '--param <name=value>' argument 'dataFs' is invalid/ },
    { args: ['mount', '/nonexistent/memcgfs', '--machine', 'vax'], stderr: /^memcgfs: unknown machine 'vax' \(known: desktop, power8, server\)$/ },
  ])('memcgfs $args fails with one message', async ({ args, stderr }) => {
    const r = await execa(process.execPath, [MEMCGFS_BIN, ...args], { reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(stderr);
  });

  it("compare --help lists each workload's parameters", async () => {
    const r = await execa(process.execPath, [MEMCGFS_BIN, 'compare', '--help']);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('sysbench-oltp: dataFs=ext4|xfs; fleet: dataFs=ext4|xfs');
  });

  it('compare --json into a pipe: the whole document arrives, past the pipe buffer (64 KiB)', async () => {
    // a reader that starts late, as jq or a slow consumer does: the pipe fills and writes wait
    const cmd = `"${process.execPath}" "${MEMCGFS_BIN}" compare --workload cgroup-churn --scale 0.1 --json --no-progress | { sleep 1; cat; }`;
    const r = await execa('sh', ['-c', cmd]);
    expect(r.stdout.length).toBeGreaterThan(65536);
    expect(Object.keys(JSON.parse(r.stdout))).toEqual(expect.arrayContaining(['legacy', 'objcg', 'none']));
  });
});
