/**
 * Argument parsing for control commands. Every parser throws KernelError('EINVAL') on malformed
 * input and looks objects up through the kernel API (ESRCH for an unknown pid, ENOENT for an
 * unknown cgroup), so a failed command changes nothing.
 */
import { cgroupByPath, fail, findTask, type Kernel, type MemCgroup, type Task } from '../kernel/index.js';

/** A non-negative decimal integer. */
export function parseCount(s: string | undefined, what: string): number {
  if (s === undefined || !/^(0|[1-9][0-9]*)$/.test(s)) fail('EINVAL', `${what}: expected a non-negative integer, got ${JSON.stringify(s)}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) fail('EINVAL', `${what}: too large`);
  return n;
}

/** A byte size: decimal with an optional K/M/G suffix (powers of 1024). */
export function parseSize(s: string | undefined, what: string): number {
  const m = s === undefined ? null : /^(0|[1-9][0-9]*)([kKmMgG]?)$/.exec(s);
  if (!m) fail('EINVAL', `${what}: expected a size like 64, 4K or 1M, got ${JSON.stringify(s)}`);
  const shift = { '': 0, k: 10, K: 10, m: 20, M: 20, g: 30, G: 30 }[m[2] as '' | 'k'];
  const n = Number(m[1]) * 2 ** shift;
  if (!Number.isSafeInteger(n)) fail('EINVAL', `${what}: too large`);
  return n;
}

/** Seconds as a non-negative decimal (fractions allowed), returned in nanoseconds. */
export function parseSecondsToNs(s: string | undefined): number {
  if (s === undefined || !/^(0|[1-9][0-9]*)(\.[0-9]+)?$/.test(s)) fail('EINVAL', `expected seconds, got ${JSON.stringify(s)}`);
  const ns = Math.round(Number(s) * 1e9);
  if (!Number.isSafeInteger(ns)) fail('EINVAL', 'too far');
  return ns;
}

/** A live task by pid. */
export function parseTask(k: Kernel, s: string | undefined): Task {
  const pid = parseCount(s, 'PID');
  const t = findTask(k, pid);
  if (!t || t.exited) fail('ESRCH', `no task ${pid}`);
  return t;
}

/** An online cgroup by its path in the hierarchy ('/', '/a/b'). */
export function parseCgroup(k: Kernel, s: string | undefined): MemCgroup {
  if (s === undefined || !s.startsWith('/')) fail('EINVAL', `expected a cgroup path starting with /, got ${JSON.stringify(s)}`);
  const cg = cgroupByPath(k, s);
  if (!cg) fail('ENOENT', `no cgroup ${s}`);
  return cg;
}

/** A handle printed by kmalloc/cache_alloc (decimal, or hex with 0x). */
export function parseHandle(s: string | undefined): number {
  if (s !== undefined && /^0x[0-9a-fA-F]+$/.test(s)) return Number.parseInt(s.slice(2), 16);
  return parseCount(s, 'HANDLE');
}

/** A task name: at most 15 bytes (TASK_COMM_LEN - 1). */
export function parseComm(s: string): string {
  if (Buffer.byteLength(s) > 15) fail('EINVAL', 'COMM is at most 15 bytes');
  return s;
}
