/**
 * A tiny in-memory Vfs for adapter tests and the bare-server benchmark baseline, standing in for
 * the real tree (src/fs/tree.ts). It follows the same contract: st_size 0 for every file (so a
 * read only works through direct_io), a per-open snapshot rendered on each read at offset 0,
 * FsError for every failure.
 *
 *   /                    0755 dir
 *   /hello               0444 "hello\n"
 *   /proc/meminfo        0444 ~1.5 KB of constant meminfo-style text
 *   /counter             0444 "N\n", N bumps on every render (shows re-render at offset 0)
 *   /big                 0444 64 KiB + 1 byte of text (several FUSE reads)
 *   /writable            0644 reads back the last value written; a write must be an integer
 *                        (EINVAL otherwise); every write is recorded in `writes`
 *   /broken              0444 a read throws a plain Error (the adapter must answer EIO)
 *   /link -> hello       symlink
 *   /dir/                0755 dir holding /dir/file; mkdir/rmdir work anywhere
 */
import type { Vfs, VfsDirent, VfsStat } from '../../src/fs/vfs.js';
import { FsError, O_ACCMODE, O_RDONLY, S_IFDIR, S_IFLNK, S_IFREG } from '../../src/fs/vfs.js';

export const MEMINFO_TEXT = [
  ['MemTotal', 16318996],
  ['MemFree', 9876543],
  ['MemAvailable', 12345678],
  ['Buffers', 0],
  ['Cached', 2345678],
  ['SwapCached', 0],
  ['Active', 1234567],
  ['Inactive', 2345678],
  ['Active(anon)', 456789],
  ['Inactive(anon)', 12345],
  ['Active(file)', 777778],
  ['Inactive(file)', 2333333],
  ['Unevictable', 0],
  ['Mlocked', 0],
  ['SwapTotal', 0],
  ['SwapFree', 0],
  ['Zswap', 0],
  ['Zswapped', 0],
  ['Dirty', 124],
  ['Writeback', 0],
  ['AnonPages', 469134],
  ['Mapped', 234567],
  ['Shmem', 12345],
  ['KReclaimable', 123456],
  ['Slab', 234567],
  ['SReclaimable', 123456],
  ['SUnreclaim', 111111],
  ['KernelStack', 12345],
  ['PageTables', 23456],
  ['SecPageTables', 0],
  ['NFS_Unstable', 0],
  ['Bounce', 0],
  ['WritebackTmp', 0],
  ['CommitLimit', 8159498],
  ['Committed_AS', 3456789],
  ['VmallocTotal', 34359738367],
  ['VmallocUsed', 45678],
  ['VmallocChunk', 0],
  ['Percpu', 4567],
  ['HardwareCorrupted', 0],
  ['AnonHugePages', 0],
  ['ShmemHugePages', 0],
  ['ShmemPmdMapped', 0],
  ['FileHugePages', 0],
  ['FilePmdMapped', 0],
  ['HugePages_Total', 0],
  ['HugePages_Free', 0],
  ['HugePages_Rsvd', 0],
  ['HugePages_Surp', 0],
  ['Hugepagesize', 2048],
  ['Hugetlb', 0],
  ['DirectMap4k', 234567],
  ['DirectMap2M', 8765432],
  ['DirectMap1G', 9437184],
]
  .map(([k, v]) => {
    const key = `${k}:`.padEnd(16);
    const unit = String(k).startsWith('HugePages_') ? '' : ' kB';
    return `${key}${String(v).padStart(8)}${unit}\n`;
  })
  .join('');

interface FileNode {
  kind: 'file';
  ino: number;
  mode: number;
  render(): Buffer;
  /** Parses one write; throws FsError to reject it. */
  write?(data: Buffer): void;
}
interface DirNode {
  kind: 'dir';
  ino: number;
  mode: number;
  children: Map<string, Node>;
}
interface LinkNode {
  kind: 'link';
  ino: number;
  target: string;
}
type Node = FileNode | DirNode | LinkNode;

interface OpenFile {
  node: FileNode;
  path: string;
  snapshot: Buffer | null;
}

export interface StaticVfs extends Vfs {
  /** Every accepted or rejected write, in order: path and the text written. */
  readonly writes: { path: string; data: string }[];
  /** Handles currently open (the adapter must release every one). */
  openHandleCount(): number;
}

/** Builds a fresh static tree. `startMs` fixes every timestamp, so stat output is stable. */
export function createStaticVfs(startMs = Date.UTC(2024, 0, 1)): StaticVfs {
  let nextIno = 100;
  let renders = 0;
  let writableValue = '0\n';
  const writes: { path: string; data: string }[] = [];
  const text = (s: string) => () => Buffer.from(s);

  const file = (mode: number, render: () => Buffer, write?: FileNode['write']): FileNode => ({
    kind: 'file',
    ino: nextIno++,
    mode,
    render,
    write,
  });
  const dir = (entries: [string, Node][] = []): DirNode => ({
    kind: 'dir',
    ino: nextIno++,
    mode: 0o755,
    children: new Map(entries),
  });

  const meminfo = Buffer.from(MEMINFO_TEXT);
  const big = Buffer.alloc(64 * 1024 + 1, 'abcdefghijklmnopqrstuvwxyz0123456789\n');
  const root = dir([
    ['hello', file(0o444, text('hello\n'))],
    ['proc', dir([['meminfo', file(0o444, () => meminfo)]])],
    ['counter', file(0o444, () => Buffer.from(`${++renders}\n`))],
    ['big', file(0o444, () => big)],
    [
      'writable',
      file(
        0o644,
        () => Buffer.from(writableValue),
        (data) => {
          const s = data.toString().trim();
          if (!/^-?\d+$/.test(s)) throw new FsError('EINVAL', 'write', '/writable', `not an integer: ${s}`);
          writableValue = `${s}\n`;
        },
      ),
    ],
    [
      'broken',
      file(0o444, () => {
        throw new Error('static vfs: deliberate failure while rendering /broken');
      }),
    ],
    ['link', { kind: 'link', ino: nextIno++, target: 'hello' }],
    ['dir', dir([['file', file(0o444, text('in a dir\n'))]])],
  ]);
  root.ino = 1;

  const handles = new Map<number, OpenFile>();
  let nextFh = 1;

  function split(path: string): string[] {
    return path.split('/').filter((c) => c !== '');
  }

  function lookup(syscall: string, path: string): Node {
    let node: Node = root;
    for (const name of split(path)) {
      if (node.kind !== 'dir') throw new FsError('ENOTDIR', syscall, path);
      const child: Node | undefined = node.children.get(name);
      if (!child) throw new FsError('ENOENT', syscall, path);
      node = child;
    }
    return node;
  }

  function parentOf(syscall: string, path: string): { parent: DirNode; name: string } {
    const parts = split(path);
    const name = parts.pop();
    if (name === undefined) throw new FsError('EBUSY', syscall, path);
    const parent = lookup(syscall, '/' + parts.join('/'));
    if (parent.kind !== 'dir') throw new FsError('ENOTDIR', syscall, path);
    return { parent, name };
  }

  function statOf(node: Node): VfsStat {
    const base = { ino: node.ino, uid: 0, gid: 0, size: 0, mtimeMs: startMs, atimeMs: startMs, ctimeMs: startMs };
    switch (node.kind) {
      case 'dir': {
        let nlink = 2;
        for (const c of node.children.values()) if (c.kind === 'dir') nlink++;
        return { ...base, mode: S_IFDIR | node.mode, nlink };
      }
      case 'file':
        return { ...base, mode: S_IFREG | node.mode, nlink: 1 };
      case 'link':
        return { ...base, mode: S_IFLNK | 0o777, nlink: 1, size: node.target.length };
    }
  }

  function handle(syscall: string, fh: number): OpenFile {
    const of = handles.get(fh);
    if (!of) throw new FsError('EBADF', syscall, `fh ${fh}`);
    return of;
  }

  const vfs: StaticVfs = {
    writes,
    openHandleCount: () => handles.size,

    getattr(path) {
      return statOf(lookup('stat', path));
    },

    readdir(path) {
      const node = lookup('readdir', path);
      if (node.kind !== 'dir') throw new FsError('ENOTDIR', 'readdir', path);
      const out: VfsDirent[] = [];
      for (const [name, child] of node.children) out.push({ name, stat: statOf(child) });
      return out;
    },

    readlink(path) {
      const node = lookup('readlink', path);
      if (node.kind !== 'link') throw new FsError('EINVAL', 'readlink', path);
      return node.target;
    },

    open(path, flags) {
      const node = lookup('open', path);
      if (node.kind === 'dir') throw new FsError('EISDIR', 'open', path);
      // The kernel resolves symlinks before it opens, so only files reach here.
      if (node.kind !== 'file') throw new FsError('EINVAL', 'open', path);
      if ((flags & O_ACCMODE) !== O_RDONLY && !node.write) throw new FsError('EACCES', 'open', path);
      const fh = nextFh++;
      handles.set(fh, { node, path, snapshot: null });
      return fh;
    },

    read(fh, offset, length) {
      const of = handle('read', fh);
      if (offset === 0 || of.snapshot === null) of.snapshot = of.node.render();
      return of.snapshot.subarray(offset, offset + length);
    },

    write(fh, data) {
      const of = handle('write', fh);
      writes.push({ path: of.path, data: data.toString() });
      if (!of.node.write) throw new FsError('EACCES', 'write', of.path);
      of.node.write(data);
      return data.length;
    },

    release(fh) {
      handles.delete(fh);
    },

    truncate(path) {
      lookup('truncate', path);
    },

    mkdir(path, mode) {
      const { parent, name } = parentOf('mkdir', path);
      if (parent.children.has(name)) throw new FsError('EEXIST', 'mkdir', path);
      const d = dir();
      d.mode = mode & 0o777 || 0o755;
      parent.children.set(name, d);
    },

    rmdir(path) {
      const { parent, name } = parentOf('rmdir', path);
      const node = parent.children.get(name);
      if (!node) throw new FsError('ENOENT', 'rmdir', path);
      if (node.kind !== 'dir') throw new FsError('ENOTDIR', 'rmdir', path);
      if (node.children.size > 0) throw new FsError('EBUSY', 'rmdir', path);
      parent.children.delete(name);
    },

    unlink(path) {
      const node = lookup('unlink', path);
      throw new FsError(node.kind === 'dir' ? 'EISDIR' : 'EPERM', 'unlink', path);
    },

    create(path) {
      parentOf('create', path);
      throw new FsError('EPERM', 'create', path);
    },

    rename(from) {
      lookup('rename', from);
      throw new FsError('EPERM', 'rename', from);
    },

    chmod(path, mode) {
      const node = lookup('chmod', path);
      if (node.kind === 'link') throw new FsError('EPERM', 'chmod', path);
      node.mode = mode & 0o7777;
    },

    chown(path) {
      lookup('chown', path);
    },

    utimens(path) {
      lookup('utimens', path);
    },
  };
  return vfs;
}
