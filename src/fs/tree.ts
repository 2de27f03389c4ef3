/**
 * The virtual tree: the kernel's interface files under one mount root, usable in-process.
 *
 *   /sys/fs/cgroup/            cgroup2 root (v2) or a tmpfs holding memory/ (v1)
 *   /sys/kernel/slab/          SLUB caches
 *   /sys/devices/system/node/  NUMA nodes and their meminfo
 *   /proc/                     meminfo, slabinfo, vmstat, zoneinfo, cgroups, kpage*, <pid>/, sys/vm/
 *   /memcgfs/                  the simulation's control files (ctl, info)
 *
 * Theory of operation: every call walks the path from the root through directory nodes built
 * on the fly from the kernel's current state (nothing is cached, so everything is live); each
 * directory kind owns a table of its files. Errors inside are errno names (KernelError); this
 * module is the edge where the syscall and path are attached (FsError). Open files keep their
 * own snapshot (open_file.ts). The only state here is the open-file table, inode numbers, and
 * the attributes chmod/chown/utimens set (kernfs keeps those too).
 */
import { KernelError, type CgroupVersion, type Kernel } from '../kernel/index.js';
import type { ControlDeps, WorkloadRunner } from '../control/commands.js';
import { runWorkload } from '../workloads/index.js';
import { cgroupDir } from './cgroupfs/dir.js';
import { controlDir } from './control_dir.js';
import type { FsState, TreeEnv } from './env.js';
import { InodeTable } from './inode.js';
import { childPath, type DirNode, type FsKind, type Node } from './node.js';
import { OpenFile, RenderCache } from './open_file.js';
import { procDir } from './procfs/dir.js';
import { nodeRootDir } from './sysfs/node.js';
import { slabDir } from './sysfs/slab.js';
import { FsError, O_ACCMODE, O_RDONLY, O_WRONLY, S_IFDIR, S_IFREG, type Vfs, type VfsDirent, type VfsStat } from './vfs.js';

export interface TreeOptions {
  /** Hierarchy the tree shows; defaults to the kernel's. */
  cgroupVersion?: CgroupVersion;
  /** Workload registry for the control file's `workload` command (default: src/workloads). */
  workloads?: WorkloadRunner | null;
  /** Timestamp of every node (host ms); defaults to the time the tree was created. */
  mountTimeMs?: number;
}

interface AttrOverride {
  mode?: number;
  uid?: number;
  gid?: number;
  atimeMs?: number;
  mtimeMs?: number;
  ctimeMs?: number;
}

/** Splits '/a/b/c' into ['a','b','c'] ('.' dropped, '..' resolved lexically). */
function segments(path: string): string[] {
  const out: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return out;
}

/** Builds the tree over `kernel`. */
export function createTree(kernel: Kernel, opts: TreeOptions = {}): Vfs {
  const state: FsState = { releaseAgent: '' };
  const env: TreeEnv = {
    k: kernel,
    version: opts.cgroupVersion ?? kernel.cgroupVersion,
    state,
    mountTimeMs: opts.mountTimeMs ?? Date.now(),
  };
  const inodes = new InodeTable();
  const controlDeps: ControlDeps = { workloads: opts.workloads === undefined ? (k, name) => runWorkload(k, name) : opts.workloads };
  const deps = { env, inodes };

  /** A directory with a fixed set of named children. */
  const staticDir = (path: string, name: string, fs: FsKind, children: Record<string, (p: string) => Node>): DirNode => ({
    kind: 'dir',
    name,
    path,
    ino: inodes.intern(path),
    mode: 0o755,
    fs,
    lookup: (n) => (Object.hasOwn(children, n) ? children[n]!(childPath(path, n)) : undefined),
    list: () => Object.entries(children).map(([n, make]) => make(childPath(path, n))),
  });

  const cgroupRoot = (p: string): Node => {
    if (env.version === 'v2') return cgroupDir(deps, p, 'cgroup', kernel.rootMemcg);
    // v1: a tmpfs at sys/fs/cgroup holding the memory hierarchy's mount point
    return staticDir(p, 'cgroup', 'tmpfs', {
      memory: (mp) => cgroupDir(deps, mp, 'memory', kernel.rootMemcg),
    });
  };

  const root: DirNode = staticDir('/', '', 'root', {
    sys: (p) =>
      staticDir(p, 'sys', 'sysfs', {
        fs: (fp) => staticDir(fp, 'fs', 'sysfs', { cgroup: cgroupRoot }),
        kernel: (kp) => staticDir(kp, 'kernel', 'sysfs', { slab: (sp) => slabDir(deps, sp) }),
        devices: (dp) =>
          staticDir(dp, 'devices', 'sysfs', {
            system: (yp) => staticDir(yp, 'system', 'sysfs', { node: (np) => nodeRootDir(deps, np) }),
          }),
      }),
    proc: (p) => procDir(deps, p),
    memcgfs: (p) => controlDir(env, inodes, controlDeps, p),
  });

  const open = new Map<number, OpenFile>();
  let nextFh = 1;
  const renderCache = new RenderCache(() => kernel.generation);
  const attrs = new Map<number, AttrOverride>();

  /** Runs `fn`, turning errno errors into FsError(code, syscall, path) and anything else into EIO. */
  function edge<T>(syscall: string, path: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof FsError) throw e;
      if (e instanceof KernelError) throw new FsError(e.code, syscall, path, e.message);
      const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      throw new FsError('EIO', syscall, path, `internal error: ${detail}`);
    }
  }

  function fsErr(code: ConstructorParameters<typeof FsError>[0], syscall: string, path: string, detail?: string): never {
    throw new FsError(code, syscall, path, detail);
  }

  /** Walks `segs` from the root. */
  function walk(segs: readonly string[], syscall: string, path: string): Node {
    let node: Node = root;
    for (const s of segs) {
      if (node.kind !== 'dir') fsErr('ENOTDIR', syscall, path);
      const next: Node | undefined = node.lookup(s);
      if (!next) fsErr('ENOENT', syscall, path);
      node = next;
    }
    return node;
  }

  // Resolved paths, valid while the kernel generation is unchanged (every state change, the
  // virtual clock's included, moves it): a FUSE open+read+close resolves the same path 3-5 times.
  const resolved = new Map<string, Node>();
  let resolvedGen = -1;

  function resolve(path: string, syscall: string): Node {
    if (kernel.generation !== resolvedGen) {
      resolved.clear();
      resolvedGen = kernel.generation;
    }
    const hit = resolved.get(path);
    if (hit) return hit;
    const node = edge(syscall, path, () => walk(segments(path), syscall, path));
    if (resolved.size > 8192) resolved.clear();
    resolved.set(path, node);
    return node;
  }

  function parentAndName(path: string, syscall: string): { parent: DirNode; name: string } {
    const segs = segments(path);
    if (segs.length === 0) fsErr('EEXIST', syscall, path);
    const name = segs[segs.length - 1]!;
    const parent = edge(syscall, path, () => walk(segs.slice(0, -1), syscall, path));
    if (parent.kind !== 'dir') fsErr('ENOTDIR', syscall, path);
    return { parent, name };
  }

  function subdirs(dir: DirNode): number {
    if (dir.subdirCount) return dir.subdirCount();
    let n = 0;
    for (const c of dir.list()) if (c.kind === 'dir') n++;
    return n;
  }

  function statOf(node: Node): VfsStat {
    const o = attrs.size === 0 ? undefined : attrs.get(node.ino);
    const t = env.mountTimeMs;
    const isDir = node.kind === 'dir';
    return {
      ino: node.ino,
      mode: (isDir ? S_IFDIR : S_IFREG) | (o?.mode ?? node.mode),
      nlink: node.kind === 'dir' ? 2 + subdirs(node) : 1,
      uid: o?.uid ?? 0,
      gid: o?.gid ?? 0,
      size: node.kind === 'file' ? node.size : 0,
      mtimeMs: o?.mtimeMs ?? t,
      atimeMs: o?.atimeMs ?? t,
      ctimeMs: o?.ctimeMs ?? t,
    };
  }

  function setAttr(node: Node, patch: AttrOverride): void {
    attrs.set(node.ino, { ...attrs.get(node.ino), ...patch, ctimeMs: Date.now() });
  }

  function handle(fh: number, syscall: string): OpenFile {
    const of = open.get(fh);
    if (!of) fsErr('EBADF', syscall, `fh ${fh}`);
    return of;
  }

  function openNode(node: Node, flags: number, path: string): number {
    if (node.kind === 'dir') fsErr('EISDIR', 'open', path);
    const acc = flags & O_ACCMODE;
    const wantWrite = acc !== O_RDONLY;
    const wantRead = acc !== O_WRONLY;
    if (node.strictOpen) {
      // sysfs checks handler and mode bits at open, even for root
      const d = node.def;
      if (wantWrite && (!(node.mode & 0o222) || !d.write)) fsErr('EACCES', 'open', path);
      if (wantRead && (!(node.mode & 0o444) || !(d.show || d.readAt))) fsErr('EACCES', 'open', path);
    }
    let fh = nextFh;
    while (open.has(fh)) fh = fh >= 0xfffffffe ? 1 : fh + 1;
    nextFh = fh >= 0xfffffffe ? 1 : fh + 1;
    open.set(fh, new OpenFile(node, flags, renderCache));
    return fh;
  }

  const vfs: Vfs = {
    getattr(path) {
      return statOf(resolve(path, 'stat'));
    },

    readdir(path) {
      const node = resolve(path, 'scandir');
      if (node.kind !== 'dir') fsErr('ENOTDIR', 'scandir', path);
      return edge('scandir', path, () => node.list().map((n): VfsDirent => ({ name: n.name, stat: statOf(n) })));
    },

    readlink(path) {
      resolve(path, 'readlink');
      return fsErr('EINVAL', 'readlink', path);
    },

    open(path, flags) {
      return openNode(resolve(path, 'open'), flags, path);
    },

    read(fh, offset, length) {
      const of = handle(fh, 'read');
      return edge('read', of.node.path, () => of.read(offset, length));
    },

    write(fh, data, _offset) {
      const of = handle(fh, 'write');
      return edge('write', of.node.path, () => of.write(data, kernel.pageSize));
    },

    release(fh) {
      open.delete(fh);
    },

    truncate(path, _size) {
      const node = resolve(path, 'truncate');
      if (node.kind === 'dir') fsErr('EISDIR', 'truncate', path);
      // O_TRUNC on an interface file: accepted, no effect (kernfs/procfs ignore the size)
    },

    mkdir(path, _mode) {
      const { parent, name } = parentAndName(path, 'mkdir');
      if (edge('mkdir', path, () => parent.lookup(name))) fsErr('EEXIST', 'mkdir', path);
      if (!parent.mkdir) fsErr('EPERM', 'mkdir', path);
      edge('mkdir', path, () => parent.mkdir!(name));
    },

    rmdir(path) {
      const node = resolve(path, 'rmdir');
      if (node.kind !== 'dir') fsErr('ENOTDIR', 'rmdir', path);
      const segs = segments(path);
      // the mount root, and a hierarchy root (a mount point in Linux), are busy
      if (segs.length === 0) fsErr('EBUSY', 'rmdir', path);
      const parent = edge('rmdir', path, () => walk(segs.slice(0, -1), 'rmdir', path)) as DirNode;
      if (!parent.rmdir || node.cgroupIno === undefined) fsErr(node.fs === 'cgroup' ? 'EBUSY' : 'EPERM', 'rmdir', path);
      const inos = attrs.size === 0 ? [] : [node.ino, ...node.list().map((n) => n.ino)];
      edge('rmdir', path, () => parent.rmdir!(node));
      for (const ino of inos) attrs.delete(ino);
    },

    unlink(path) {
      const node = resolve(path, 'unlink');
      if (node.kind === 'dir') fsErr('EISDIR', 'unlink', path);
      fsErr('EPERM', 'unlink', path);
    },

    create(path, _mode) {
      const segs = segments(path);
      const existing = edge('open', path, () => {
        try {
          return walk(segs, 'open', path);
        } catch (e) {
          if (e instanceof FsError && e.code === 'ENOENT') return undefined;
          throw e;
        }
      });
      if (existing) return openNode(existing, O_WRONLY, path);
      parentAndName(path, 'open');
      // kernfs and procfs directories have no ->create: O_CREAT of a new name is EACCES
      return fsErr('EACCES', 'open', path);
    },

    rename(from, to) {
      const node = resolve(from, 'rename');
      parentAndName(to, 'rename');
      if (node.fs === 'cgroup' && node.kind === 'file') fsErr('ENOTDIR', 'rename', from);
      // cgroup_rename: EPERM on the default hierarchy; v1 renames are not modelled (see
      // docs/fs-needs-from-kernel.md). procfs/sysfs have no rename at all.
      fsErr('EPERM', 'rename', from);
    },

    chmod(path, mode) {
      const node = resolve(path, 'chmod');
      if (node.fs === 'proc') fsErr('EPERM', 'chmod', path);
      setAttr(node, { mode: mode & 0o7777 });
    },

    chown(path, uid, gid) {
      const node = resolve(path, 'chown');
      const patch: AttrOverride = {};
      if (uid !== -1 && uid !== 0xffffffff) patch.uid = uid;
      if (gid !== -1 && gid !== 0xffffffff) patch.gid = gid;
      setAttr(node, patch);
    },

    utimens(path, atimeMs, mtimeMs) {
      const node = resolve(path, 'utimensat');
      setAttr(node, { atimeMs, mtimeMs });
    },
  };
  return vfs;
}
