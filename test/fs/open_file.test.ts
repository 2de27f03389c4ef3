/** Per-open snapshot, re-render at offset 0, write rules, EIO on render errors. */
import { describe, expect, it } from 'vitest';
import { fail } from '../../src/kernel/index.js';
import { bindFile, type FileDef } from '../../src/fs/node.js';
import { OpenFile } from '../../src/fs/open_file.js';
import { O_RDONLY, O_RDWR, O_WRONLY } from '../../src/fs/vfs.js';
import { boot, errnoOf, readFile, writeFile } from './helpers.js';

function node<C>(def: FileDef<C>, ctx: C) {
  return bindFile(def, ctx, { path: `/t/${def.name}`, ino: 1, fs: 'cgroup' });
}

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('OpenFile', () => {
  it('renders at offset 0, serves later offsets from the snapshot, re-renders at 0', () => {
    let n = 0;
    const of = new OpenFile(node({ name: 'x', mode: 0o444, show: () => `value ${++n}\n` }, null), O_RDONLY);
    expect(of.read(0, 3).toString()).toBe('val');
    expect(of.read(3, 100).toString()).toBe('ue 1\n');
    expect(of.read(8, 100).length).toBe(0);
    expect(of.read(0, 100).toString()).toBe('value 2\n');
  });

  it('renders on demand when the first read is past 0 (pread on a fresh fd)', () => {
    const of = new OpenFile(node({ name: 'x', mode: 0o444, show: () => 'abcdef' }, null), O_RDONLY);
    expect(of.read(2, 2).toString()).toBe('cd');
  });

  it('a renderer that throws is EIO, never an empty file', () => {
    const of = new OpenFile(node({ name: 'x', mode: 0o444, show: () => { throw new TypeError('boom'); } }, null), O_RDONLY);
    expect(code(() => of.read(0, 10))).toBe('EIO');
  });

  it('a handler bug during write is EIO; declared errnos pass through', () => {
    const bug = new OpenFile(node({ name: 'x', mode: 0o644, write: () => { throw new Error('bug'); } }, null), O_WRONLY);
    expect(code(() => bug.write(Buffer.from('1'), 4096))).toBe('EIO');
    const inval = new OpenFile(node({ name: 'x', mode: 0o644, write: () => fail('EBUSY') }, null), O_WRONLY);
    expect(code(() => inval.write(Buffer.from('1'), 4096))).toBe('EBUSY');
  });

  it('strips whitespace, returns the full count, rejects more than PAGE_SIZE', () => {
    const seen: string[] = [];
    const of = new OpenFile(node({ name: 'x', mode: 0o644, write: (_c, s) => void seen.push(s) }, null), O_WRONLY);
    expect(of.write(Buffer.from('  12M \n'), 4096)).toBe(7);
    expect(seen).toEqual(['12M']);
    expect(code(() => of.write(Buffer.alloc(4097, 0x31), 4096))).toBe('E2BIG');
    expect(of.write(Buffer.alloc(4096, 0x31), 4096)).toBe(4096);
  });

  it('access mode is enforced per handle', () => {
    const ro = new OpenFile(node({ name: 'x', mode: 0o644, show: () => 'x', write: () => {} }, null), O_RDONLY);
    expect(code(() => ro.write(Buffer.from('1'), 4096))).toBe('EBADF');
    const wo = new OpenFile(node({ name: 'x', mode: 0o644, show: () => 'x', write: () => {} }, null), O_WRONLY);
    expect(code(() => wo.read(0, 1))).toBe('EBADF');
  });

  it('transaction replies are anchored at the first read after the write', () => {
    const of = new OpenFile(node({ name: 'ctl', mode: 0o600, transact: (_c, s: string) => `got ${s.trim()}\nline2\n` }, null), O_RDWR);
    expect(of.read(0, 10).length).toBe(0);
    of.write(Buffer.from('cmd\n'), 4096);
    // the fd offset is 4 after the write; the reply starts there
    expect(of.read(4, 128).toString()).toBe('got cmd\nline2\n');
    // bash `read` consumed 8 bytes and lseeked back to 4 + 8
    expect(of.read(12, 128).toString()).toBe('line2\n');
    expect(of.read(18, 128).length).toBe(0);
    of.write(Buffer.from('two'), 4096);
    expect(of.read(0, 128).toString()).toBe('got two\nline2\n');
  });
});

describe('through the tree', () => {
  it('one handle re-reads fresh values at offset 0 (procps lseek + read)', () => {
    const { vfs } = boot();
    const fh = vfs.open('/memcgfs/info', O_RDONLY);
    const first = vfs.read(fh, 0, 8191).toString();
    writeFile(vfs, '/memcgfs/ctl', 'advance 2');
    const second = vfs.read(fh, 0, 8191).toString();
    vfs.release(fh);
    expect(first).not.toBe(second);
    const ns = (text: string) => Number(/^time_ns (\d+)$/m.exec(text)![1]);
    expect(ns(second) - ns(first)).toBe(2000000000);
  });

  it('reads in 1, 100 and 8191-byte chunks all equal one render', () => {
    const { vfs } = boot();
    const whole = readFile(vfs, '/proc/meminfo');
    expect(readFile(vfs, '/proc/meminfo', 1)).toBe(whole);
    expect(readFile(vfs, '/proc/meminfo', 100)).toBe(whole);
    expect(readFile(vfs, '/proc/meminfo', 8191)).toBe(whole);
  });

  it('files of a removed cgroup fail with ENODEV on an open handle', () => {
    const { vfs } = boot();
    vfs.mkdir('/sys/fs/cgroup/a', 0o755);
    const fh = vfs.open('/sys/fs/cgroup/a/cgroup.procs', O_RDWR);
    vfs.rmdir('/sys/fs/cgroup/a');
    expect(errnoOf(() => vfs.read(fh, 0, 100))).toBe('ENODEV');
    expect(errnoOf(() => vfs.write(fh, Buffer.from('1'), 0))).toBe('ENODEV');
    vfs.release(fh);
  });

  it('O_TRUNC and truncate() are accepted on interface files', () => {
    const { vfs } = boot();
    vfs.mkdir('/sys/fs/cgroup/a', 0o755);
    vfs.truncate('/sys/fs/cgroup/a/cgroup.max.depth', 0);
    expect(writeFile(vfs, '/sys/fs/cgroup/a/cgroup.max.depth', '3\n', O_WRONLY | 0o1000)).toBe(2);
    expect(readFile(vfs, '/sys/fs/cgroup/a/cgroup.max.depth')).toBe('3\n');
    expect(errnoOf(() => vfs.truncate('/sys/fs/cgroup/a', 0))).toBe('EISDIR');
  });

  it('unknown handles are EBADF', () => {
    const { vfs } = boot();
    expect(errnoOf(() => vfs.read(12345, 0, 1))).toBe('EBADF');
  });

  it('errors carry the syscall and path', () => {
    const { vfs } = boot();
    try {
      writeFile(vfs, '/proc/sys/vm/drop_caches', '9');
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'EINVAL', errno: 22, syscall: 'write', path: '/proc/sys/vm/drop_caches' });
    }
  });
});
