/** The kernel's write parsers: memparse, page_counter_memparse, kstrtoint. */
import { describe, expect, it } from 'vitest';
import { kstrtoint, memparse, pageCounterMemparse, strstrip } from '../../src/fs/parse.js';

const errno = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('page_counter_memparse', () => {
  const cases: Array<{ input: string; token: 'max' | '-1'; pages?: number; errno?: string }> = [
    { input: 'max', token: 'max', pages: Infinity },
    { input: '-1', token: '-1', pages: Infinity },
    { input: '-1', token: 'max', errno: 'EINVAL' },
    { input: 'max', token: '-1', errno: 'EINVAL' },
    { input: '1g', token: 'max', pages: 262144 },
    { input: '100M', token: '-1', pages: 25600 },
    { input: '12345', token: '-1', pages: 3 },
    { input: '4097', token: '-1', pages: 1 },
    { input: '0', token: 'max', pages: 0 },
    { input: '', token: 'max', pages: 0 },
    { input: '0x1000', token: 'max', pages: 1 },
    { input: '010000', token: 'max', pages: 1 },
    { input: 'garbage', token: 'max', errno: 'EINVAL' },
    { input: '1.5M', token: 'max', errno: 'EINVAL' },
    { input: '100 M', token: 'max', errno: 'EINVAL' },
    { input: '1kb', token: 'max', errno: 'EINVAL' },
    { input: '9223372036854771712', token: '-1', pages: Infinity },
    { input: '8E', token: 'max', pages: Infinity },
  ];
  it.each(cases)('$input with $token', ({ input, token, pages, errno: code }) => {
    if (code) expect(errno(() => pageCounterMemparse(input, token, 4096))).toBe(code);
    else expect(pageCounterMemparse(input, token, 4096)).toBe(pages);
  });

  it('memparse consumes the suffix', () => {
    expect(memparse('2K')).toEqual({ bytes: 2048n, end: 2 });
    expect(memparse('k')).toEqual({ bytes: 0n, end: 1 });
  });
});

describe('kstrtoint', () => {
  it.each([
    ['42', 42],
    ['-5', -5],
    ['+7', 7],
    ['0x10', 16],
    ['010', 8],
    ['2147483647', 2147483647],
  ])('%s -> %d', (s, v) => expect(kstrtoint(s)).toBe(v));
  it.each([
    ['', 'EINVAL'],
    ['abc', 'EINVAL'],
    ['1 2', 'EINVAL'],
    ['2147483648', 'ERANGE'],
    ['99999999999999999999999', 'ERANGE'],
  ])('%s -> %s', (s, code) => expect(errno(() => kstrtoint(s))).toBe(code));
});

describe('strstrip', () => {
  it('strips isspace() on both ends only', () => {
    expect(strstrip(' \t1 2\n')).toBe('1 2');
    expect(strstrip('\n')).toBe('');
  });
});
