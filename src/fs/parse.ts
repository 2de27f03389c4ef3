/**
 * Parsers for what users write into interface files, with the kernel's exact acceptance rules:
 * kstrtoint/kstrtoull (lib/kstrtox.c), memparse (lib/cmdline.c) and page_counter_memparse
 * (mm/page_counter.c). All throw KernelError with the errno the kernel returns.
 */
import { fail } from '../kernel/index.js';

const U64_MASK = (1n << 64n) - 1n;

/** strstrip(): drops leading and trailing isspace() characters. */
export function strstrip(s: string): string {
  return s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
}

function digitValue(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return 99;
}

/** _parse_integer_fixup_radix with base 0: "0x" + xdigit -> 16, leading "0" -> 8, else 10. */
function fixupRadix(s: string, i: number): { base: number; i: number } {
  if (s[i] === '0') {
    if ((s[i + 1] === 'x' || s[i + 1] === 'X') && i + 2 < s.length && digitValue(s[i + 2]!) < 16) {
      return { base: 16, i: i + 2 };
    }
    return { base: 8, i };
  }
  return { base: 10, i };
}

/** _parse_integer: digits from i; value wraps at 64 bits; reports overflow. */
function parseDigits(s: string, i: number, base: number): { value: bigint; end: number; overflow: boolean } {
  let value = 0n;
  let overflow = false;
  const b = BigInt(base);
  let j = i;
  for (; j < s.length; j++) {
    const d = digitValue(s[j]!);
    if (d >= base) break;
    const next = value * b + BigInt(d);
    if (next > U64_MASK) overflow = true;
    value = next & U64_MASK;
  }
  return { value, end: j, overflow };
}

/** kstrtoull(s, 0): whole string must be a number (one trailing '\n' allowed). */
export function kstrtoull(s: string): bigint {
  let i = 0;
  if (s[0] === '+') i = 1;
  const r = fixupRadix(s, i);
  const p = parseDigits(s, r.i, r.base);
  if (p.end === r.i) fail('EINVAL', `not a number: ${JSON.stringify(s)}`);
  if (p.overflow) fail('ERANGE', `out of range: ${s}`);
  let end = p.end;
  if (s[end] === '\n') end++;
  if (end !== s.length) fail('EINVAL', `trailing characters: ${JSON.stringify(s)}`);
  return p.value;
}

/** kstrtoll(s, 0). */
export function kstrtoll(s: string): bigint {
  if (s[0] === '-') {
    const v = kstrtoull(s.slice(1));
    if (v > 1n << 63n) fail('ERANGE', `out of range: ${s}`);
    return -v;
  }
  const v = kstrtoull(s);
  if (v > (1n << 63n) - 1n) fail('ERANGE', `out of range: ${s}`);
  return v;
}

export const INT_MAX = 2147483647;

/** kstrtoint(s, 0): EINVAL on syntax, ERANGE outside int. */
export function kstrtoint(s: string): number {
  const v = kstrtoll(s);
  if (v > 2147483647n || v < -2147483648n) fail('ERANGE', `out of range: ${s}`);
  return Number(v);
}

/** kstrtoull limited to a safe JS integer (callers range-check further). */
export function kstrtoulNumber(s: string): number {
  const v = kstrtoull(s);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  return Number(v);
}

/**
 * memparse(): simple_strtoull(base 0) then an optional K/M/G/T/P/E suffix (powers of 1024).
 * Returns the value and how many characters were consumed.
 */
export function memparse(s: string): { bytes: bigint; end: number } {
  const r = fixupRadix(s, 0);
  const p = parseDigits(s, r.i, r.base);
  let value = p.value;
  let end = p.end;
  const suffix = s[end];
  const shifts: Record<string, number> = { k: 1, K: 1, m: 2, M: 2, g: 3, G: 3, t: 4, T: 4, p: 5, P: 5, e: 6, E: 6 };
  if (suffix !== undefined && shifts[suffix] !== undefined) {
    value = (value << BigInt(10 * shifts[suffix]!)) & U64_MASK;
    end++;
  }
  return { bytes: value, end };
}

/**
 * page_counter_memparse(buf, maxToken): maxToken ("max" in v2, "-1" in v1) means unlimited
 * (Infinity); otherwise memparse with nothing left over, rounded down to whole pages.
 */
export function pageCounterMemparse(buf: string, maxToken: 'max' | '-1', pageSize: number): number {
  if (buf === maxToken) return Infinity;
  const { bytes, end } = memparse(buf);
  if (end !== buf.length) fail('EINVAL', `bad size: ${JSON.stringify(buf)}`);
  const pageCounterMax = ((1n << 63n) - 1n) / BigInt(pageSize);
  const pages = bytes / BigInt(pageSize);
  return pages >= pageCounterMax ? Infinity : Number(pages);
}
