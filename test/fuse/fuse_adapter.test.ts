/**
 * The adapter's operation table without FUSE: each FUSE callback answers once, errno values map
 * to negative numbers, and nothing a client does can throw out of a handler.
 */
import { describe, expect, it } from 'vitest';
import { fuseOperations } from '../../src/fuse/fuse_adapter.js';
import { parseMountinfo } from '../../src/fuse/mountpoint.js';
import type { Vfs } from '../../src/fs/vfs.js';
import { FsError, O_RDONLY, O_TRUNC, O_WRONLY } from '../../src/fs/vfs.js';
import { KernelError } from '../../src/kernel/errno.js';
import { createStaticVfs, MEMINFO_TEXT } from '../helpers/static_vfs.js';

/** Calls one operation and returns every argument of every callback invocation. */
function call(fn: (...args: any[]) => void, ...args: unknown[]): unknown[][] {
  const answers: unknown[][] = [];
  fn(...args, (...res: unknown[]) => answers.push(res));
  return answers;
}

function setup(overrides: Partial<Vfs> = {}) {
  const logged: string[] = [];
  const vfs = { ...createStaticVfs(), ...overrides };
  return { vfs, ops: fuseOperations(vfs, (m) => logged.push(m)), logged };
}

describe('fuseOperations', () => {
  it('answers getattr with the Vfs stat, and -ENOENT for a missing path', () => {
    const { ops } = setup();
    const [[code, st]] = call(ops.getattr, '/hello');
    expect(code).toBe(0);
    expect(st).toMatchObject({ ino: 100, mode: 0o100444, size: 0 });
    expect(call(ops.getattr, '/nope')).toEqual([[-2]]);
  });

  it('lists . and .. first, with their stats', () => {
    const { ops } = setup();
    const [[code, names, stats]] = call(ops.readdir, '/proc') as [[number, string[], { ino: number }[]]];
    expect(code).toBe(0);
    expect(names).toEqual(['.', '..', 'meminfo']);
    expect(stats.map((s) => s.ino)).toEqual([102, 1, 101]);
    const [[, rootNames, rootStats]] = call(ops.readdir, '/') as [[number, string[], { ino: number }[]]];
    expect(rootNames.slice(0, 2)).toEqual(['.', '..']);
    expect(rootStats[1].ino).toBe(1);
  });

  it('reads through a handle, never more than asked', () => {
    const { ops, vfs } = setup();
    const [[, fh]] = call(ops.open, '/proc/meminfo', O_RDONLY) as [[number, number]];
    const buf = Buffer.alloc(100);
    expect(call(ops.read, '/proc/meminfo', fh, buf, 100, 0)).toEqual([[100]]);
    expect(buf.toString()).toBe(MEMINFO_TEXT.slice(0, 100));
    const rest = Buffer.alloc(65536);
    expect(call(ops.read, '/proc/meminfo', fh, rest, rest.length, 100)).toEqual([[MEMINFO_TEXT.length - 100]]);
    expect(call(ops.release, '/proc/meminfo', fh)).toEqual([[0]]);
    expect((vfs as ReturnType<typeof createStaticVfs>).openHandleCount()).toBe(0);
  });

  it('gives the Vfs its own copy of written data', () => {
    const seen: Buffer[] = [];
    const { ops } = setup({ write: (_fh, data) => (seen.push(data), data.length) });
    const buf = Buffer.from('42\n');
    expect(call(ops.write, '/writable', 1, buf, 3, 0)).toEqual([[3]]);
    buf.fill(0);
    expect(seen[0].toString()).toBe('42\n');
  });

  it('accepts truncate and ftruncate (O_TRUNC opens)', () => {
    const { ops } = setup();
    expect(call(ops.truncate, '/writable', 0)).toEqual([[0]]);
    expect(call(ops.ftruncate, '/writable', 1, 0)).toEqual([[0]]);
    const [[code]] = call(ops.open, '/writable', O_WRONLY | O_TRUNC);
    expect(code).toBe(0);
  });

  it.each([
    { what: 'FsError', thrown: new FsError('EBUSY', 'rmdir', '/x'), code: -16, logs: false },
    { what: 'KernelError', thrown: new KernelError('ESRCH', 'no such task'), code: -3, logs: false },
    { what: 'a plain Error', thrown: new Error('bug'), code: -5, logs: true },
    { what: 'a non-Error value', thrown: 'oops', code: -5, logs: true },
    {
      what: 'an FsError with no valid errno',
      thrown: Object.assign(new FsError('EINVAL', 'write', '/x'), { errno: Number.NaN }),
      code: -5,
      logs: true,
    },
  ])('maps $what to $code', ({ thrown, code, logs }) => {
    const throws = () => {
      throw thrown;
    };
    const { ops, logged } = setup({ getattr: throws, mkdir: throws, read: throws });
    expect(call(ops.getattr, '/x')).toEqual([[code]]);
    expect(call(ops.mkdir, '/x', 0o755)).toEqual([[code]]);
    expect(call(ops.read, '/x', 1, Buffer.alloc(10), 10, 0)).toEqual([[code]]);
    expect(logged.length > 0).toBe(logs);
  });

  it('turns a bogus write count into -EINVAL', () => {
    const { ops } = setup({ write: () => 99 });
    expect(call(ops.write, '/writable', 1, Buffer.from('1'), 1, 0)).toEqual([[-22]]);
  });
});

describe('parseMountinfo', () => {
  it('reads mount point, type, source and device, unescaping octal sequences', () => {
    const text =
      '36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n' +
      '42 27 0:39 / /tmp/m rw,nosuid,nodev,relatime shared:2 - fuse.memcgfs memcgfs rw,user_id=0\n';
    expect(parseMountinfo(text)).toEqual([
      { mountId: 36, major: 98, minor: 0, mountPoint: '/mnt/with space', fsType: 'ext3', source: '/dev/root' },
      { mountId: 42, major: 0, minor: 39, mountPoint: '/tmp/m', fsType: 'fuse.memcgfs', source: 'memcgfs' },
    ]);
  });
});
