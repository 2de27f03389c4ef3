/**
 * Freezes a memcgfs tree into a static fixture of the kind monitoring tools use in their tests:
 * every readable text file, with its mode, copied into a memfs volume, which is then written as
 * JSON (memfs's toJSON shape: path -> content) or as a real directory. Sources: the in-process
 * tree of a booted kernel, or a live mount read from this (separate) process.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { Volume } from 'memfs';
import type { Vfs } from '../fs/vfs.js';
import { O_RDONLY, S_IFDIR } from '../fs/vfs.js';

export interface SnapshotSource {
  list(path: string): Promise<Array<{ name: string; dir: boolean; mode: number }>>;
  read(path: string): Promise<Buffer>;
}

/** Binary or control files a fixture should not contain (kpage* are MemTotal/PAGE_SIZE * 8 bytes). */
const SKIP = new Set(['/proc/kpagecgroup', '/proc/kpageflags', '/memcgfs/ctl', '/memcgfs/snapshot']);

export function vfsSource(vfs: Vfs): SnapshotSource {
  return {
    async list(path) {
      return vfs
        .readdir(path)
        .filter((d) => d.name !== '.' && d.name !== '..')
        .map((d) => ({ name: d.name, dir: (d.stat.mode & 0o170000) === S_IFDIR, mode: d.stat.mode & 0o7777 }));
    },
    async read(path) {
      const fh = vfs.open(path, O_RDONLY);
      try {
        const parts: Buffer[] = [];
        for (let off = 0; ; ) {
          const b = vfs.read(fh, off, 65536);
          if (b.length === 0) break;
          parts.push(Buffer.from(b));
          off += b.length;
        }
        return Buffer.concat(parts);
      } finally {
        vfs.release(fh);
      }
    },
  };
}

export function mountSource(root: string): SnapshotSource {
  return {
    async list(path) {
      const entries = await fsp.readdir(join(root, path), { withFileTypes: true });
      const out = [];
      for (const e of entries) {
        const st = await fsp.stat(join(root, path, e.name));
        out.push({ name: e.name, dir: st.isDirectory(), mode: st.mode & 0o7777 });
      }
      return out;
    },
    read: (path) => fsp.readFile(join(root, path)),
  };
}

export interface SnapshotResult {
  volume: InstanceType<typeof Volume>;
  files: number;
  skipped: string[];
}

/** Copies every readable file under `start` into a new memfs volume. */
export async function takeFixture(src: SnapshotSource, start = '/'): Promise<SnapshotResult> {
  const volume = new Volume();
  const skipped: string[] = [];
  let files = 0;
  const walk = async (path: string): Promise<void> => {
    volume.mkdirSync(path, { recursive: true });
    for (const e of await src.list(path)) {
      const p = path === '/' ? `/${e.name}` : `${path}/${e.name}`;
      if (e.dir) {
        await walk(p);
        continue;
      }
      if (SKIP.has(p) || !(e.mode & 0o444)) {
        skipped.push(p);
        continue;
      }
      try {
        volume.writeFileSync(p, await src.read(p));
        volume.chmodSync(p, e.mode);
        files++;
      } catch {
        skipped.push(p); // unreadable (EACCES/EINVAL, or gone meanwhile)
      }
    }
  };
  await walk(start);
  return { volume, files, skipped };
}

/** Writes the volume's files under `dir` on the real filesystem. */
export async function writeFixtureDir(volume: InstanceType<typeof Volume>, dir: string): Promise<void> {
  const json = volume.toJSON() as Record<string, string | null>;
  for (const [path, content] of Object.entries(json)) {
    const target = join(dir, path);
    if (content === null) {
      await fsp.mkdir(target, { recursive: true });
      continue;
    }
    await fsp.mkdir(join(target, '..'), { recursive: true });
    await fsp.writeFile(target, content);
  }
}
