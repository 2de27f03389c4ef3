/** In-process client helpers for the virtual tree (no FUSE). */
import { bootKernel, type BootOptions, type Kernel } from '../../src/kernel/index.js';
import { createTree, type TreeOptions } from '../../src/fs/tree.js';
import { FsError, O_APPEND, O_RDONLY, O_WRONLY, type Vfs } from '../../src/fs/vfs.js';

export interface Booted {
  k: Kernel;
  vfs: Vfs;
}

/** Boots a kernel and builds its tree (no workload registry unless given). */
export function boot(opts: BootOptions = {}, treeOpts: TreeOptions = {}): Booted {
  const k = bootKernel({ seed: 1, ...opts });
  const vfs = createTree(k, { workloads: null, mountTimeMs: 1_600_000_000_000, ...treeOpts });
  return { k, vfs };
}

/** open + read in `chunk`-byte pieces until EOF + release, like cat. */
export function readFile(vfs: Vfs, path: string, chunk = 65536): string {
  return readBuffer(vfs, path, chunk).toString('utf8');
}

export function readBuffer(vfs: Vfs, path: string, chunk = 65536): Buffer {
  const fh = vfs.open(path, O_RDONLY);
  try {
    const parts: Buffer[] = [];
    let off = 0;
    for (;;) {
      const b = vfs.read(fh, off, chunk);
      if (b.length === 0) break;
      parts.push(Buffer.from(b));
      off += b.length;
    }
    return Buffer.concat(parts);
  } finally {
    vfs.release(fh);
  }
}

/** write_text(): open O_WRONLY|O_APPEND, one write, close. Returns the byte count. */
export function writeFile(vfs: Vfs, path: string, text: string, flags = O_WRONLY | O_APPEND): number {
  const fh = vfs.open(path, flags);
  try {
    return vfs.write(fh, Buffer.from(text), 0);
  } finally {
    vfs.release(fh);
  }
}

/** The errno name `fn` fails with (undefined when it succeeds). */
export function errnoOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof FsError) return e.code;
    throw e;
  }
}

/** Names in a directory, sorted. */
export function ls(vfs: Vfs, path: string): string[] {
  return vfs
    .readdir(path)
    .map((d) => d.name)
    .sort();
}

/** Runs one control command on a fresh handle and returns the reply. */
export function ctl(vfs: Vfs, command: string): string {
  const fh = vfs.open('/memcgfs/ctl', 2);
  try {
    vfs.write(fh, Buffer.from(`${command}\n`), 0);
    return vfs.read(fh, 0, 65536).toString('utf8');
  } finally {
    vfs.release(fh);
  }
}

/** Spawns a task in `cgroupPath` through the control file; returns its pid. */
export function spawn(vfs: Vfs, cgroupPath: string, comm = 'sh'): number {
  const reply = ctl(vfs, `spawn ${cgroupPath} ${comm}`);
  const m = /^pid (\d+)\n$/.exec(reply);
  if (!m) throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
  return Number(m[1]);
}
