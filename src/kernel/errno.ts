/**
 * Errors are errno values. Inner kernel code throws a KernelError carrying the errno name;
 * the filesystem tree adds syscall and path; only the FUSE adapter turns it into a number.
 */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENOSPC: 28,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  EOPNOTSUPP: 95,
} as const;

export type ErrnoName = keyof typeof ERRNO;

export class KernelError extends Error {
  readonly code: ErrnoName;
  readonly errno: number;
  constructor(code: ErrnoName, message?: string) {
    super(message ? `${code}: ${message}` : code);
    this.code = code;
    this.errno = ERRNO[code];
    this.name = 'KernelError';
  }
}

/** Throw errno `code` (with an optional explanation for logs). */
export function fail(code: ErrnoName, message?: string): never {
  throw new KernelError(code, message);
}
