/**
 * The shapes the tree is built from. A directory kind declares its files in a table of FileDef
 * rows (name, mode, handlers, existence predicate): that table alone drives lookup, readdir,
 * modes and docs. Resolving a path yields transient Node objects bound to what they show (a
 * cgroup, a task, a cache); nothing is cached between calls, so the tree is always live.
 */
import type { ErrnoName } from '../kernel/index.js';

/** Which kernel filesystem a node imitates; decides open/attribute rules. */
export type FsKind = 'root' | 'tmpfs' | 'cgroup' | 'proc' | 'sysfs' | 'control';

/** One file of a directory kind, bound later to a context C (a cgroup, a task, ...). */
export interface FileDef<C> {
  readonly name: string;
  /** Permission bits: 0o644 rw, 0o444 ro, 0o200 write-only, 0o400 root-only. */
  readonly mode: number;
  /** Renders the whole text content (seq_file show). */
  readonly show?: (ctx: C) => string;
  /** Positional binary reader (kpagecgroup): no snapshot; may throw EINVAL for bad offsets. */
  readonly readAt?: (ctx: C, offset: number, length: number) => Buffer;
  /** Parses and applies one whitespace-stripped write. */
  readonly write?: (ctx: C, input: string) => void;
  /** Transaction file: one write = one command whose reply is read back on the same handle. */
  readonly transact?: (ctx: C, input: string) => string;
  /** errno of a read when the file has no show (default EINVAL, as cgroupfs). */
  readonly readErrno?: ErrnoName;
  /** errno of a write when the file has no write handler (default EINVAL). */
  readonly writeErrno?: ErrnoName;
  /** Does the file exist for this context (CFTYPE_NOT_ON_ROOT, controller enabled, ...)? */
  readonly exists?: (ctx: C) => boolean;
  /** Write raw (unstripped) input, e.g. comm keeps inner text exactly. */
  readonly rawWrite?: boolean;
}

export interface NodeBase {
  readonly name: string;
  /** Absolute path inside the mount ('/', '/proc/meminfo'). */
  readonly path: string;
  readonly ino: number;
  /** Permission bits only. */
  readonly mode: number;
  readonly fs: FsKind;
}

export interface FileNode extends NodeBase {
  readonly kind: 'file';
  readonly def: FileDef<unknown>;
  readonly ctx: unknown;
  /** st_size: 0 for procfs/cgroupfs, 4096 for sysfs attributes. */
  readonly size: number;
  /** sysfs (KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK): opening without handler or mode bit -> EACCES. */
  readonly strictOpen: boolean;
  /** errno when the object behind the file is gone (removed cgroup: ENODEV, reaped task: ESRCH). */
  readonly gone?: () => ErrnoName | undefined;
}

export interface DirNode extends NodeBase {
  readonly kind: 'dir';
  lookup(name: string): Node | undefined;
  /** Children in readdir order (without '.' and '..'). */
  list(): Node[];
  /** Creates a child directory (cgroupfs only). */
  mkdir?(name: string): void;
  /** Removes the child directory `child` (cgroupfs only). */
  rmdir?(child: DirNode): void;
  /** The cgroup this directory is, for cgroupfs. */
  readonly cgroupIno?: number;
  /** Number of subdirectories (st_nlink = 2 + this); computed from list() when absent. */
  subdirCount?(): number;
}

export type Node = FileNode | DirNode;

/** Binds a table row to its context as a FileNode. */
export function bindFile<C>(
  def: FileDef<C>,
  ctx: C,
  at: { path: string; ino: number; fs: FsKind; size?: number; strictOpen?: boolean; gone?: () => ErrnoName | undefined },
): FileNode {
  return {
    kind: 'file',
    name: def.name,
    path: at.path,
    ino: at.ino,
    mode: def.mode,
    fs: at.fs,
    def: def as FileDef<unknown>,
    ctx,
    size: at.size ?? 0,
    strictOpen: at.strictOpen ?? false,
    gone: at.gone,
  };
}

/** path + '/' + name without doubling the root slash. */
export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** Rows of `table` that exist for `ctx`, in table order. */
export function visibleFiles<C>(table: readonly FileDef<C>[], ctx: C): FileDef<C>[] {
  return table.filter((d) => !d.exists || d.exists(ctx));
}

/** Index of a table by name, for O(1) lookup. */
export function indexTable<C>(table: readonly FileDef<C>[]): Map<string, FileDef<C>> {
  const m = new Map<string, FileDef<C>>();
  for (const d of table) {
    if (m.has(d.name)) throw new Error(`duplicate file ${d.name} in table`);
    m.set(d.name, d);
  }
  return m;
}
