/**
 * /proc/kpagecgroup and /proc/kpageflags (fs/proc/page.c): arrays of native-endian u64 indexed
 * by PFN. Offset and count must be multiples of 8 (EINVAL otherwise); reads stop at
 * max_pfn * 8 (EOF) and are clamped to the PFNs that remain.
 */
import { fail } from '../../kernel/index.js';

/** Reads [offset, offset+length) through `readPfns(startPfn, count)`. */
export function readPfnArray(
  offset: number,
  length: number,
  maxPfn: number,
  readPfns: (startPfn: number, count: number) => BigUint64Array,
): Buffer {
  if (offset % 8 !== 0 || length % 8 !== 0) fail('EINVAL', 'offset and count must be multiples of 8');
  const start = offset / 8;
  const count = Math.min(length / 8, Math.max(0, maxPfn - start));
  if (count <= 0) return Buffer.alloc(0);
  const arr = readPfns(start, count);
  return Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
}
