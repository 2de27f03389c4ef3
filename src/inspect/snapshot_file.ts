/**
 * The snapshot file: how a running mount serves snapshots to inspection processes. The daemon
 * renders it at open (memcgfs/snapshot, mode 0400; the per-open copy of the file system layer
 * keeps it consistent while it is read), a reader parses it back into the same Snapshot.
 *
 * Format (text, so it travels through the seq_file-style `show` of the control directory): one
 * header line `memcgfs-snapshot <version>`, then one JSON document in which every typed array is
 * `{"$t": "<Int32Array|...>", "b64": "<little-endian bytes>"}`.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Kernel } from '../kernel/index.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, takeSnapshot, type Snapshot } from './snapshot.js';

/** Where a mount serves its snapshot, relative to the mount root. */
export const SNAPSHOT_FILE_PATH = 'memcgfs/snapshot';
/** The file's mode in the control directory. */
export const SNAPSHOT_FILE_MODE = 0o400;

type TypedArray = Int32Array | Uint8Array | Int8Array | Float64Array | Uint32Array | Int16Array | Uint16Array;
const CTORS: Record<string, new (b: ArrayBuffer) => TypedArray> = {
  Int32Array,
  Uint8Array,
  Int8Array,
  Float64Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
};

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('memcgfs snapshots assume a little-endian host');

/** Serialises a snapshot. */
export function serializeSnapshot(snap: Snapshot): string {
  const body = JSON.stringify(snap, function (_key, value: unknown) {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const v = value as TypedArray;
      return { $t: v.constructor.name, b64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    }
    return value;
  });
  return `${SNAPSHOT_FORMAT} ${SNAPSHOT_VERSION}\n${body}\n`;
}

/** Parses what serializeSnapshot produced (EINVAL-style Error on anything else). */
export function parseSnapshot(text: string | Buffer): Snapshot {
  const s = typeof text === 'string' ? text : text.toString('utf8');
  const nl = s.indexOf('\n');
  const header = (nl < 0 ? s : s.slice(0, nl)).trim().split(/\s+/);
  if (header[0] !== SNAPSHOT_FORMAT) throw new Error('not a memcgfs snapshot');
  if (Number(header[1]) !== SNAPSHOT_VERSION) throw new Error(`unsupported snapshot version ${header[1]} (this memcgfs reads ${SNAPSHOT_VERSION})`);
  return JSON.parse(s.slice(nl + 1), (_key, value: unknown) => {
    if (value && typeof value === 'object' && '$t' in value && 'b64' in value) {
      const { $t, b64 } = value as { $t: string; b64: string };
      const C = CTORS[$t];
      if (!C) throw new Error(`snapshot: unknown array type ${$t}`);
      const buf = Buffer.from(b64, 'base64');
      // copy into a fresh, aligned buffer
      const ab = new ArrayBuffer(buf.length);
      new Uint8Array(ab).set(buf);
      return new C(ab);
    }
    return value;
  }) as Snapshot;
}

/**
 * What the daemon's memcgfs/snapshot file shows: a fresh snapshot of `k`, rendered at open.
 * Hook: a FileDef { name: 'snapshot', mode: 0o400, show: (c) => renderSnapshotFile(c.env.k) }.
 */
export function renderSnapshotFile(k: Kernel): string {
  return serializeSnapshot(takeSnapshot(k));
}

/** Reads the snapshot a running mount serves (from another process, never the daemon's own). */
export async function readSnapshotFromMount(mountDir: string): Promise<Snapshot> {
  const file = path.join(mountDir, SNAPSHOT_FILE_PATH);
  let text: Buffer;
  try {
    text = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${file}: no snapshot file (is ${mountDir} a memcgfs mount with snapshot support?)`);
    throw e;
  }
  return parseSnapshot(text);
}
