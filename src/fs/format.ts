/**
 * printf-style helpers shared by the renderers. Every interface file is built from these so that
 * widths match the kernel's format strings exactly (`%-16s%8lu kB`, `%6lu`, ...).
 */

/** Decimal text of a non-negative integer-valued number, exact even above 2^53 (`%llu`). */
export function u64(n: number): string {
  if (Number.isSafeInteger(n)) return String(n);
  if (!Number.isFinite(n)) throw new RangeError(`u64: ${n}`);
  return BigInt(Math.trunc(n)).toString();
}

/** `%<width>lu`: right-aligned, never truncated. */
export function padNum(n: number, width: number): string {
  return u64(n).padStart(width, ' ');
}

/** `%-<width>s`: left-aligned, never truncated. */
export function padLabel(s: string, width: number): string {
  return s.padEnd(width, ' ');
}

/** v2 limit files: "max" when unlimited, bytes otherwise (memory.max, memory.high, ...). */
export function maxOrBytes(bytes: number): string {
  return bytes === Infinity ? 'max\n' : `${u64(bytes)}\n`;
}

/**
 * v1 shows an unlimited page_counter as PAGE_COUNTER_MAX * PAGE_SIZE, where
 * PAGE_COUNTER_MAX = LONG_MAX / PAGE_SIZE (9223372036854771712 with 4 KiB pages).
 */
export function v1UnlimitedBytes(pageSize: number): bigint {
  const longMax = (1n << 63n) - 1n;
  const ps = BigInt(pageSize);
  return (longMax / ps) * ps;
}

/** v1 byte value: the unlimited sentinel when Infinity. */
export function v1Bytes(bytes: number, pageSize: number): string {
  return bytes === Infinity ? v1UnlimitedBytes(pageSize).toString() : u64(bytes);
}

/** A list printed as "a-b,c" (cpulist / Cpus_allowed_list style) for 0..n-1. */
export function rangeList(n: number): string {
  if (n <= 0) return '';
  return n === 1 ? '0' : `0-${n - 1}`;
}
