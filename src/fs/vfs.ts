/**
 * The contract between the virtual filesystem tree (src/fs) and its adapters (src/fuse, the
 * in-process test client, snapshot). Paths are absolute within the mount: '/', '/proc/meminfo',
 * '/sys/fs/cgroup/a/memory.max'. Every method is synchronous; errors are thrown as FsError.
 */
import type { ErrnoName } from '../kernel/errno.js';
import { ERRNO } from '../kernel/errno.js';

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

export interface VfsStat {
  /** Inode number: kernfs id for cgroup directories (stat -c %i). */
  ino: number;
  /** File type bits | permission bits, e.g. S_IFREG | 0o644. */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  /** Always 0 for kernel interface files, as on procfs/cgroupfs. */
  size: number;
  mtimeMs: number;
  atimeMs: number;
  ctimeMs: number;
}

export interface VfsDirent {
  name: string;
  stat: VfsStat;
}

/** Open flags we care about (numeric values as Linux O_*). */
export const O_ACCMODE = 3;
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;

export interface Vfs {
  getattr(path: string): VfsStat;
  readdir(path: string): VfsDirent[];
  readlink(path: string): string;
  /** Opens a file and returns a handle; a readable open renders a snapshot on the first read at 0. */
  open(path: string, flags: number): number;
  /** Reads from the open file's snapshot; a read at offset 0 re-renders it (seq_file behaviour). */
  read(fh: number, offset: number, length: number): Buffer;
  /** One write = one command; returns the byte count. */
  write(fh: number, data: Buffer, offset: number): number;
  release(fh: number): void;
  /** O_TRUNC / truncate(2) on an interface file: accepted, no effect. */
  truncate(path: string, size: number): void;
  mkdir(path: string, mode: number): void;
  rmdir(path: string): void;
  unlink(path: string): void;
  create(path: string, mode: number): number;
  rename(from: string, to: string): void;
  chmod(path: string, mode: number): void;
  chown(path: string, uid: number, gid: number): void;
  utimens(path: string, atimeMs: number, mtimeMs: number): void;
}

/** An error with an errno name plus the syscall and path it happened in. */
export class FsError extends Error {
  readonly code: ErrnoName;
  readonly errno: number;
  readonly syscall: string;
  readonly path: string;
  constructor(code: ErrnoName, syscall: string, path: string, detail?: string) {
    super(`${syscall} ${path}: ${code}${detail ? ` (${detail})` : ''}`);
    this.code = code;
    this.errno = ERRNO[code];
    this.syscall = syscall;
    this.path = path;
    this.name = 'FsError';
  }
}
