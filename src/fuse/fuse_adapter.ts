/**
 * The FUSE adapter: mounts any Vfs at a directory through fuse-native (the only module that loads
 * it). It only translates calling conventions: FUSE callbacks to synchronous Vfs calls, Vfs stats
 * to fuse-native stat records, FsError to a negative errno. Its only state is the fuse instance;
 * per-open snapshots live in the Vfs.
 *
 * fuse-native 2.2.6 is unmaintained and has no way to pass the options we need, so a subclass
 * overrides its private `_fuseOptions()` (it builds the single -o string libfuse gets):
 *   - direct_io: interface files report st_size 0; without it they read back empty.
 *   - use_ino: st_ino reaches stat(2) and readdir (cgroup directories carry kernfs ids).
 *   - default_permissions: handlers get no caller uid, so the kernel checks modes for us.
 *   - attr_timeout, entry_timeout: 0 unless the caller asks (the mount command caches attributes
 *     for 1 s but never names, so cgroups that come and go are seen at once).
 *   - allow_other (root only), auto_unmount (a killed daemon leaves no dead mount), big_writes.
 * An unknown option would leave a dead mount behind, so the list is fixed, never user-supplied.
 *
 * Handlers run on the JS main thread and answer synchronously. fuse-native's per-op watchdog
 * (a setTimeout per request) is turned off: a synchronous handler cannot stall without also
 * stalling the timer that would report it. With fuse-native 2.2.6 exactly, the hot path also
 * skips its JS dispatch layer and answers the C glue directly (`nativeHandlers`): each
 * open+read+close costs ~7 round trips to JS (lookup, two permission getattrs, open, read, the
 * EOF read, release), so per-request overhead is most of the cost of a read.
 */
import { createRequire } from 'node:module';
import type { Vfs, VfsStat } from '../fs/vfs.js';
import { FsError } from '../fs/vfs.js';
import { detachMount, findMount, prepareMountpoint } from './mountpoint.js';

const EIO = 5;
const EINVAL = 22;

export interface MountVfsOptions {
  /** Ask libfuse to unmount when the daemon dies (default true). */
  autoUnmount?: boolean;
  /** Let other users into the mount (default: when running as root). */
  allowOther?: boolean;
  /** Create the mount point if missing (default false). */
  create?: boolean;
  /** Where internal errors (non-FsError exceptions) are reported (default stderr). */
  logError?: (message: string) => void;
  /** Answer fuse-native's C glue directly (default true; falls back when the version differs). */
  fastPath?: boolean;
  /**
   * Seconds the kernel may cache names and attributes (default 0 for both: every access asks
   * the Vfs, so cgroups and tasks created or removed inside the simulation show at once).
   */
  entryTimeout?: number;
  attrTimeout?: number;
}

export interface VfsMount {
  /** Absolute path of the mount point. */
  readonly dir: string;
  /** Whether requests bypass fuse-native's JS dispatch layer (see nativeHandlers). */
  readonly fastPath: boolean;
  /** Unmounts (idempotent). Open files keep working until closed (lazy detach). */
  unmount(): Promise<void>;
}

type Cb = (code: number, ...rest: unknown[]) => void;

/** The slice of fuse-native's surface we use (there are no published typings). */
interface FuseInstance {
  mount(cb: (err: Error | null) => void): void;
  unmount(cb: (err: (Error & { unmountFailure?: boolean }) | null) => void): void;
}
type FuseClass = new (mnt: string, ops: object, opts: object) => FuseInstance & {
  _fuseOptions(): string;
  _makeHandlerArray(): unknown[];
};

/** Loads fuse-native lazily, so a missing libfuse.so.2 turns into a clear message. */
function loadFuse(): FuseClass {
  const require = createRequire(import.meta.url);
  try {
    return require('fuse-native') as FuseClass;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `cannot load fuse-native (${why.split('\n')[0]}); libfuse 2 is missing: ` +
        `run 'node scripts/setup.mjs' or 'apt-get install libfuse2 fuse'`,
    );
  }
}

function timeoutOption(seconds: number | undefined): string {
  if (seconds === undefined) return '0';
  if (!(seconds >= 0) || !Number.isFinite(seconds)) throw new Error(`invalid FUSE cache timeout: ${seconds}`);
  return String(seconds);
}

/** Options string for libfuse: fuse-native's own (e.g. "debug" from DEBUG) plus ours. */
function mountOptionString(base: string, opts: MountVfsOptions): string {
  const list = base.startsWith('-o') ? base.slice(2).split(',').filter(Boolean) : [];
  list.push(
    'fsname=memcgfs',
    'subtype=memcgfs',
    'default_permissions',
    'direct_io',
    'use_ino',
    `attr_timeout=${timeoutOption(opts.attrTimeout)}`,
    `entry_timeout=${timeoutOption(opts.entryTimeout)}`,
    'big_writes',
  );
  const isRoot = process.getuid?.() === 0;
  if (opts.allowOther ?? isRoot) list.push('allow_other');
  if (opts.autoUnmount ?? true) list.push('auto_unmount');
  return '-o' + [...new Set(list)].join(',');
}

/** fuse-native's stat record; times are milliseconds. */
interface FuseStat {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  ino: number;
  atime: number;
  mtime: number;
  ctime: number;
}

function fuseStat(st: VfsStat): FuseStat {
  return {
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    nlink: st.nlink,
    ino: st.ino,
    atime: st.atimeMs,
    mtime: st.mtimeMs,
    ctime: st.ctimeMs,
  };
}

function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * Builds the fuse-native operation table over `vfs`. Every handler answers exactly once and never
 * throws: FsError (and KernelError, which carries an errno too) becomes -errno, anything else is
 * logged and becomes -EIO, so no client input can take the daemon down.
 */
export type FuseOperations = ReturnType<typeof fuseOperations>;

export function fuseOperations(vfs: Vfs, logError: (message: string) => void) {
  function fail(err: unknown, op: string, path: string): number {
    if (err instanceof FsError || (err instanceof Error && err.name === 'KernelError')) {
      const errno = (err as { errno?: unknown }).errno;
      if (typeof errno === 'number' && Number.isInteger(errno) && errno > 0) return -errno;
    }
    const detail = err instanceof Error ? err.stack || err.message : String(err);
    logError(`memcgfs: internal error in ${op} ${path}: ${detail}`);
    return -EIO;
  }

  return {
    getattr(path: string, cb: Cb) {
      let st: VfsStat;
      try {
        st = vfs.getattr(path);
      } catch (err) {
        return cb(fail(err, 'getattr', path));
      }
      cb(0, st);
    },

    readdir(path: string, cb: Cb) {
      let names: string[];
      let stats: VfsStat[];
      try {
        const entries = vfs.readdir(path);
        const self = vfs.getattr(path);
        const parent = path === '/' ? self : vfs.getattr(parentPath(path));
        names = ['.', '..'];
        stats = [self, parent];
        for (const e of entries) {
          names.push(e.name);
          stats.push(e.stat);
        }
      } catch (err) {
        return cb(fail(err, 'readdir', path));
      }
      cb(0, names, stats);
    },

    readlink(path: string, cb: Cb) {
      let target: string;
      try {
        target = vfs.readlink(path);
      } catch (err) {
        return cb(fail(err, 'readlink', path));
      }
      cb(0, target);
    },

    open(path: string, flags: number, cb: Cb) {
      let fh: number;
      try {
        fh = vfs.open(path, flags);
      } catch (err) {
        return cb(fail(err, 'open', path));
      }
      cb(0, fh);
    },

    create(path: string, mode: number, cb: Cb) {
      let fh: number;
      try {
        fh = vfs.create(path, mode);
      } catch (err) {
        return cb(fail(err, 'create', path));
      }
      cb(0, fh);
    },

    // read and write answer with a byte count or a negative errno (fuse-native's convention).
    read(path: string, fh: number, buf: Buffer, len: number, pos: number, cb: (n: number) => void) {
      let n: number;
      try {
        const data = vfs.read(fh, pos, len);
        n = data.length <= len ? data.copy(buf, 0) : data.copy(buf, 0, 0, len);
      } catch (err) {
        return cb(fail(err, 'read', path));
      }
      cb(n);
    },

    write(path: string, fh: number, buf: Buffer, len: number, pos: number, cb: (n: number) => void) {
      let n: number;
      try {
        // buf is libfuse's memory, detached after the call: the Vfs gets its own copy.
        n = vfs.write(fh, Buffer.from(buf.subarray(0, len)), pos);
        if (!Number.isInteger(n) || n < 0 || n > len) n = -EINVAL;
      } catch (err) {
        return cb(fail(err, 'write', path));
      }
      cb(n);
    },

    release(path: string, fh: number, cb: Cb) {
      try {
        vfs.release(fh);
      } catch (err) {
        return cb(fail(err, 'release', path));
      }
      cb(0);
    },

    // open(O_TRUNC) arrives as a truncate (by path) before the write: accept it, change nothing.
    truncate(path: string, size: number, cb: Cb) {
      try {
        vfs.truncate(path, size);
      } catch (err) {
        return cb(fail(err, 'truncate', path));
      }
      cb(0);
    },

    ftruncate(path: string, _fh: number, size: number, cb: Cb) {
      try {
        vfs.truncate(path, size);
      } catch (err) {
        return cb(fail(err, 'ftruncate', path));
      }
      cb(0);
    },

    mkdir(path: string, mode: number, cb: Cb) {
      try {
        vfs.mkdir(path, mode);
      } catch (err) {
        return cb(fail(err, 'mkdir', path));
      }
      cb(0);
    },

    rmdir(path: string, cb: Cb) {
      try {
        vfs.rmdir(path);
      } catch (err) {
        return cb(fail(err, 'rmdir', path));
      }
      cb(0);
    },

    unlink(path: string, cb: Cb) {
      try {
        vfs.unlink(path);
      } catch (err) {
        return cb(fail(err, 'unlink', path));
      }
      cb(0);
    },

    rename(from: string, to: string, cb: Cb) {
      try {
        vfs.rename(from, to);
      } catch (err) {
        return cb(fail(err, 'rename', from));
      }
      cb(0);
    },

    chmod(path: string, mode: number, cb: Cb) {
      try {
        vfs.chmod(path, mode);
      } catch (err) {
        return cb(fail(err, 'chmod', path));
      }
      cb(0);
    },

    chown(path: string, uid: number, gid: number, cb: Cb) {
      try {
        vfs.chown(path, uid, gid);
      } catch (err) {
        return cb(fail(err, 'chown', path));
      }
      cb(0);
    },

    // fuse-native 2.2.6 passes atime as both times (a bug in its C glue); nothing here depends on it.
    utimens(path: string, atime: number, mtime: number, cb: Cb) {
      try {
        vfs.utimens(path, atime, mtime);
      } catch (err) {
        return cb(fail(err, 'utimens', path));
      }
      cb(0);
    },

    statfs(_path: string, cb: Cb) {
      cb(0, { bsize: 4096, frsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, favail: 0, namemax: 255 });
    },
  };
}

/** The same operations with stats in the shape fuse-native's own dispatch layer packs. */
function standardOperations(ops: FuseOperations): FuseOperations {
  return {
    ...ops,
    getattr: (path, cb) => ops.getattr(path, (res, st) => (res === 0 ? cb(0, fuseStat(st as VfsStat)) : cb(res))),
    readdir: (path, cb) =>
      ops.readdir(path, (res, names, stats) =>
        res === 0 ? cb(0, names, (stats as VfsStat[]).map(fuseStat)) : cb(res),
      ),
  };
}

/**
 * fuse-native's native entry points (the addon its index.js loads). Only used when the installed
 * version is the one whose calling conventions `nativeHandlers` was written against.
 */
interface FuseBinding {
  [key: string]: unknown;
}

const FAST_PATH_VERSION = '2.2.6';

function loadBinding(): FuseBinding | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pkgPath = require.resolve('fuse-native/package.json');
    const pkg = require(pkgPath) as { version?: string };
    if (pkg.version !== FAST_PATH_VERSION) return undefined;
    const fromFuse = createRequire(pkgPath);
    const build = fromFuse('node-gyp-build') as (dir: string) => FuseBinding;
    const binding = build(pkgPath.slice(0, pkgPath.lastIndexOf('/')));
    const needed = ['getattr', 'readdir', 'readlink', 'open', 'create', 'read', 'write', 'release'];
    for (const name of needed) {
      if (typeof binding[`op_${name}`] !== 'number' || typeof binding[`fuse_native_signal_${name}`] !== 'function') {
        return undefined;
      }
    }
    return binding;
  } catch {
    return undefined;
  }
}

type Signal = (l: unknown, res: number, ...rest: unknown[]) => void;
type NativeHandler = (l: unknown, op: number, ...args: never[]) => void;

const TWO32 = 4294967296;

function setDouble(out: Uint32Array, i: number, n: number): void {
  const low = n % TWO32;
  out[i] = low;
  out[i + 1] = (n - low) / TWO32;
}

/** Packs a stat record the way fuse-native's C glue unpacks it (populate_stat). */
function packStat(st: VfsStat, out: Uint32Array = new Uint32Array(18)): Uint32Array {
  out[0] = st.mode;
  out[1] = st.uid;
  out[2] = st.gid;
  setDouble(out, 3, st.size);
  out[6] = st.nlink || 1;
  out[7] = st.ino;
  setDouble(out, 12, st.atimeMs);
  setDouble(out, 14, st.mtimeMs);
  setDouble(out, 16, st.ctimeMs);
  return out;
}

function packStatfs(sf: Record<string, number>): Uint32Array {
  const keys = ['bsize', 'frsize', 'blocks', 'bfree', 'bavail', 'files', 'ffree', 'favail', 'fsid', 'flag', 'namemax'];
  return Uint32Array.from(keys, (k) => sf[k] || 0);
}

/**
 * Native handlers that call `ops` and answer fuse-native's C glue directly, replacing its JS
 * dispatch layer (which copies arguments, binds a signal, packs stats through Date checks and
 * defers every answer with process.nextTick). Each handler receives the calling FUSE thread's
 * locals `l` and answers exactly once; the C side copies results before the call returns, so a
 * scratch stat array can be reused. Argument orders mirror fuse-native.c's FUSE_METHOD blocks.
 */
function nativeHandlers(b: FuseBinding, ops: FuseOperations): Map<number, NativeHandler> {
  const sig = (name: string) => b[`fuse_native_signal_${name}`] as Signal;
  const op = (name: string) => b[`op_${name}`] as number;
  const scratch = new Uint32Array(18);
  const zeroStat = new Uint32Array(18);
  const noNames: string[] = [];
  const h = new Map<number, NativeHandler>();
  const add = <A extends unknown[]>(name: string, fn: (signal: Signal, l: unknown, ...args: A) => void) => {
    const signal = sig(name);
    h.set(op(name), ((l: unknown, _op: number, ...args: A) => fn(signal, l, ...args)) as unknown as NativeHandler);
  };

  add('getattr', (signal, l, path: string) =>
    ops.getattr(path, (res, st) => signal(l, res, res === 0 ? packStat(st as VfsStat, scratch) : zeroStat)),
  );
  add('readdir', (signal, l, path: string) =>
    ops.readdir(path, (res, names, stats) =>
      res === 0
        ? signal(l, 0, names, (stats as VfsStat[]).map((st) => packStat(st)))
        : signal(l, res, noNames, noNames),
    ),
  );
  add('readlink', (signal, l, path: string) => ops.readlink(path, (res, target) => signal(l, res, res === 0 ? target : '')));
  add('open', (signal, l, path: string, flags: number) => ops.open(path, flags, (res, fh) => signal(l, res, res === 0 ? fh : 0)));
  add('create', (signal, l, path: string, mode: number) => ops.create(path, mode, (res, fh) => signal(l, res, res === 0 ? fh : 0)));
  add('read', (signal, l, path: string, fh: number, buf: Buffer, len: number, lo: number, hi: number) =>
    ops.read(path, fh, buf, len, lo + hi * TWO32, (n) => signal(l, n, n, buf.buffer)),
  );
  add('write', (signal, l, path: string, fh: number, buf: Buffer, len: number, lo: number, hi: number) =>
    ops.write(path, fh, buf, len, lo + hi * TWO32, (n) => signal(l, n, n, buf.buffer)),
  );
  add('release', (signal, l, path: string, fh: number) => ops.release(path, fh, (res) => signal(l, res)));
  add('truncate', (signal, l, path: string, lo: number, hi: number) => ops.truncate(path, lo + hi * TWO32, (res) => signal(l, res)));
  add('ftruncate', (signal, l, path: string, fh: number, lo: number, hi: number) =>
    ops.ftruncate(path, fh, lo + hi * TWO32, (res) => signal(l, res)),
  );
  add('mkdir', (signal, l, path: string, mode: number) => ops.mkdir(path, mode, (res) => signal(l, res)));
  add('rmdir', (signal, l, path: string) => ops.rmdir(path, (res) => signal(l, res)));
  add('unlink', (signal, l, path: string) => ops.unlink(path, (res) => signal(l, res)));
  add('rename', (signal, l, from: string, to: string) => ops.rename(from, to, (res) => signal(l, res)));
  add('chmod', (signal, l, path: string, mode: number) => ops.chmod(path, mode, (res) => signal(l, res)));
  add('chown', (signal, l, path: string, uid: number, gid: number) => ops.chown(path, uid, gid, (res) => signal(l, res)));
  add('utimens', (signal, l, path: string, alo: number, ahi: number, mlo: number, mhi: number) =>
    ops.utimens(path, alo + ahi * TWO32, mlo + mhi * TWO32, (res) => signal(l, res)),
  );
  add('statfs', (signal, l, path: string) =>
    ops.statfs(path, (res, sf) => signal(l, res, packStatfs((sf ?? {}) as Record<string, number>))),
  );
  return h;
}

/** Mounts `vfs` at `dir`; resolves once the kernel has sent FUSE_INIT (the mount answers). */
export async function mountVfs(vfs: Vfs, dir: string, opts: MountVfsOptions = {}): Promise<VfsMount> {
  const Fuse = loadFuse();
  mountOptionString('', opts); // validates the options before anything is mounted
  const binding = opts.fastPath === false ? undefined : loadBinding();
  const where = await prepareMountpoint(dir, { create: opts.create });
  const logError = opts.logError ?? ((m: string) => process.stderr.write(m + '\n'));
  const ops = fuseOperations(vfs, logError);

  class MemcgFuse extends Fuse {
    override _fuseOptions(): string {
      return mountOptionString(super._fuseOptions(), opts);
    }
    // Called from fuse-native's constructor; init and error keep fuse-native's own handlers
    // (init is what resolves mount()).
    override _makeHandlerArray(): unknown[] {
      const handlers = super._makeHandlerArray();
      if (binding) for (const [code, fn] of nativeHandlers(binding, ops)) handlers[code] = fn;
      return handlers;
    }
  }
  const fuse = new MemcgFuse(where, binding ? ops : standardOperations(ops), { timeout: false });

  try {
    await new Promise<void>((resolve, reject) => fuse.mount((err) => (err ? reject(err) : resolve())));
  } catch (err) {
    // fuse_mount() may have mounted before fuse_new() rejected an option: never leave that behind.
    if (await findMount(where)) await detachMount(where).catch(() => undefined);
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot mount ${where}: ${why}`);
  }

  let unmounting: Promise<void> | undefined;
  return {
    dir: where,
    fastPath: binding !== undefined,
    unmount() {
      unmounting ??= (async () => {
        const err = await new Promise<Error | null>((resolve) => fuse.unmount(resolve));
        // fusermount failed or left something: fall back to a lazy umount.
        if (err || (await findMount(where))) await detachMount(where);
      })();
      return unmounting;
    },
  };
}
