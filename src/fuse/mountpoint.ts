/**
 * Mount points on the host: finding what is mounted where (/proc/self/mountinfo), telling a live
 * FUSE mount from a stale one (its daemon died: every access fails with ENOTCONN) or a hung one
 * (its daemon stopped answering), and getting rid of them.
 *
 * Nothing here touches a mount synchronously: a synchronous access to a FUSE mount served by the
 * calling process deadlocks it, and one served by a hung daemon blocks the event loop. Probes go
 * through libuv's thread pool with a timeout instead.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

/** One line of /proc/self/mountinfo (proc(5)). */
export interface MountEntry {
  mountId: number;
  /** Device number of the mounted filesystem; for FUSE the minor is the connection id. */
  major: number;
  minor: number;
  mountPoint: string;
  fsType: string;
  source: string;
}

/** What a directory currently is, as far as mounting over it goes. */
export type MountState =
  | { kind: 'none' }
  | { kind: 'live'; entry: MountEntry }
  | { kind: 'stale'; entry: MountEntry }
  | { kind: 'hung'; entry: MountEntry };

/** The filesystem type every memcgfs mount shows ("fuse." + subtype). */
export const MEMCGFS_FSTYPE = 'fuse.memcgfs';

const PROBE_TIMEOUT_MS = 2000;

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses the text of /proc/self/mountinfo. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 0 || fields.length < sep + 3) continue;
    const [major, minor] = fields[2].split(':').map(Number);
    out.push({
      mountId: Number(fields[0]),
      major,
      minor,
      mountPoint: unescapeMountField(fields[4]),
      fsType: fields[sep + 1],
      source: unescapeMountField(fields[sep + 2]),
    });
  }
  return out;
}

/** Every mount visible to this process, in mount order. */
export async function readMountinfo(): Promise<MountEntry[]> {
  return parseMountinfo(await fsp.readFile('/proc/self/mountinfo', 'utf8'));
}

/** Synchronous variant, for process-exit hooks (reading mountinfo never touches a FUSE mount). */
export function readMountinfoSync(): MountEntry[] {
  return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/**
 * The absolute path mountinfo would list for `dir`, computed without touching `dir` itself
 * (realpath of a stale mount point fails with ENOTCONN, of a hung one never returns).
 */
export async function canonicalMountPath(dir: string): Promise<string> {
  const abs = path.resolve(dir);
  if (abs === '/') return abs;
  let parent: string;
  try {
    parent = await fsp.realpath(path.dirname(abs));
  } catch {
    parent = path.dirname(abs);
  }
  return path.join(parent, path.basename(abs));
}

/** The topmost mount at `dir`, if any. */
export async function findMount(dir: string): Promise<MountEntry | undefined> {
  const where = await canonicalMountPath(dir);
  const all = await readMountinfo();
  for (let i = all.length - 1; i >= 0; i--) if (all[i].mountPoint === where) return all[i];
  return undefined;
}

/** Asks the filesystem mounted at `dir` for its root's attributes, without ever blocking. */
async function probe(dir: string, timeoutMs: number): Promise<'live' | 'stale' | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), timeoutMs);
  });
  const answer = fsp.stat(dir).then(
    () => 'live' as const,
    (err: NodeJS.ErrnoException) =>
      err.code === 'ENOTCONN' || err.code === 'ECONNABORTED' ? ('stale' as const) : ('live' as const),
  );
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Classifies `dir`: not a mount point, a live mount, a stale one, or a hung one. */
export async function mountState(dir: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<MountState> {
  const entry = await findMount(dir);
  if (!entry) return { kind: 'none' };
  return { kind: await probe(dir, timeoutMs), entry };
}

function run(cmd: string, args: string[]): Promise<{ ok: boolean; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, _stdout, stderr) => {
      resolve({ ok: !err, stderr: String(stderr || (err && err.message) || '').trim() });
    });
  });
}

/**
 * Makes a hung FUSE connection fail every request at once (ECONNABORTED), so that processes
 * blocked on it, the daemon included, wake up. See Documentation/filesystems/fuse.rst, "control
 * filesystem".
 */
export async function abortFuseConnection(entry: MountEntry): Promise<boolean> {
  if (!entry.fsType.startsWith('fuse')) return false;
  const abort = `/sys/fs/fuse/connections/${entry.minor}/abort`;
  try {
    await fsp.writeFile(abort, '1');
    return true;
  } catch {
    return false;
  }
}

/** Lazily detaches every mount stacked on `dir` (fusermount -u -z, then umount -l). */
export async function detachMount(dir: string): Promise<void> {
  const where = await canonicalMountPath(dir);
  for (let i = 0; i < 16; i++) {
    const entry = await findMount(where);
    if (!entry) return;
    const viaFusermount = entry.fsType.startsWith('fuse') && (await run('fusermount', ['-u', '-z', where])).ok;
    if (!viaFusermount) {
      const r = await run('umount', ['-l', where]);
      if (!r.ok && (await findMount(where))?.mountId === entry.mountId) {
        throw new Error(`cannot unmount ${where}: ${r.stderr || 'umount -l failed'}`);
      }
    }
  }
  throw new Error(`cannot unmount ${where}: mounts keep reappearing`);
}

/**
 * Unmounts a memcgfs mount the polite way first (fusermount -u, which fails with EBUSY while
 * files are open), then lazily. A hung daemon's connection is aborted first so nothing stays
 * blocked on it.
 */
export async function unmountDir(dir: string): Promise<void> {
  const state = await mountState(dir);
  if (state.kind === 'none') return;
  if (state.kind === 'hung') await abortFuseConnection(state.entry);
  if (state.kind === 'live' && state.entry.fsType.startsWith('fuse')) {
    const where = await canonicalMountPath(dir);
    if ((await run('fusermount', ['-u', where])).ok && !(await findMount(where))) return;
  }
  await detachMount(dir);
}

/**
 * Gets `dir` ready to be mounted on: creates it if asked, lazily unmounts a stale mount left by a
 * killed daemon, and refuses a directory that already carries a mount that answers (or hangs).
 */
export async function prepareMountpoint(dir: string, opts: { create?: boolean } = {}): Promise<string> {
  const where = await canonicalMountPath(dir);
  let state = await mountState(where);
  if (state.kind === 'stale') {
    await detachMount(where);
    state = await mountState(where);
  }
  if (state.kind !== 'none') {
    const what = state.entry.fsType === MEMCGFS_FSTYPE ? 'memcgfs' : state.entry.fsType;
    const how = {
      live: `a ${what} mount is already serving it`,
      hung: `a ${what} mount whose daemon does not answer is there`,
      stale: `a dead ${what} mount could not be removed`,
    }[state.kind];
    throw new Error(`${where} is busy: ${how}; unmount it first (memcgfs umount ${where})`);
  }
  const st = await fsp.stat(where).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT' || !opts.create) throw new Error(`${where}: mount point does not exist`);
    await fsp.mkdir(where, { recursive: true });
    return fsp.stat(where);
  });
  if (!st.isDirectory()) throw new Error(`${where}: mount point is not a directory`);
  return where;
}
