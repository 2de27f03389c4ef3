import { describe, expect, it } from 'vitest';
import { PageAllocator, PageKind } from '../../src/kernel/page_alloc.js';

describe('buddy page allocator', () => {
  it('splits and coalesces blocks so that freeing everything restores the free count', () => {
    const pa = new PageAllocator(4096, 1);
    const got: Array<[number, number]> = [];
    for (let i = 0; i < 100; i++) {
      const order = i % 4;
      const pfn = pa.alloc(order, 0, PageKind.Anon);
      expect(pfn).toBeGreaterThanOrEqual(0);
      expect(pfn % (1 << order)).toBe(0);
      got.push([pfn, order]);
    }
    expect(pa.count(PageKind.Anon)).toBe(got.reduce((a, [, o]) => a + (1 << o), 0));
    for (const [pfn, order] of got.reverse()) pa.free(pfn, order);
    // PFN 0 is reserved from the start
    expect(pa.count(PageKind.Free)).toBe(4095);
    expect(pa.count(PageKind.Reserved)).toBe(1);
    pa.drainPcp();
    // fully coalesced: the node is three max-order blocks again, and the first block without PFN 0
    const blocks = [0, 1, 2].map(() => pa.alloc(10, 0, PageKind.File)).sort((a, b) => a - b);
    expect(blocks).toEqual([1024, 2048, 3072]);
    expect(pa.alloc(10, 0, PageKind.File)).toBe(-1);
    expect(pa.alloc(9, 0, PageKind.File)).toBe(512);
  });

  it('never hands out the same page twice, nor PFN 0 (zero stands for "no page")', () => {
    const pa = new PageAllocator(1024, 2);
    const seen = new Set<number>();
    for (;;) {
      const pfn = pa.alloc(0, 1, PageKind.Anon);
      if (pfn < 0) break;
      expect(seen.has(pfn)).toBe(false);
      seen.add(pfn);
    }
    expect(seen.size).toBe(1023);
    expect(seen.has(0)).toBe(false);
  });
});
