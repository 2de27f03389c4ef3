import { describe, expect, it } from 'vitest';
import { calculateAlignment, calculateOrder, slotSize } from '../../src/kernel/slab_common.js';
import { SLAB_HAS_CTOR, SLAB_HWCACHE_ALIGN, SLAB_TYPESAFE_BY_RCU } from '../../src/kernel/slab_flags.js';

// kernel-spec 2.3: objperslab/pagesperslab for nr_cpu_ids = 1 2 4 8 16 32 64 (4 KiB pages)
const TABLE: Array<[number, string[]]> = [
  [8, ['512/1', '512/1', '512/1', '512/1', '512/1', '512/1', '512/1']],
  [192, ['21/1', '21/1', '21/1', '21/1', '42/2', '42/2', '42/2']],
  [256, ['16/1', '16/1', '16/1', '32/2', '32/2', '32/2', '32/2']],
  [512, ['8/1', '16/2', '16/2', '32/4', '32/4', '32/4', '32/4']],
  [1024, ['8/2', '16/4', '16/4', '32/8', '32/8', '32/8', '32/8']],
  [2048, ['8/4', '16/8', '16/8', '16/8', '16/8', '16/8', '16/8']],
  [8192, ['4/8', '4/8', '4/8', '4/8', '4/8', '4/8', '4/8']],
  [136, ['30/1', '30/1', '30/1', '30/1', '30/1', '30/1', '60/2']],
  [584, ['14/2', '14/2', '28/4', '28/4', '28/4', '28/4', '56/8']],
  [600, ['13/2', '13/2', '27/4', '27/4', '27/4', '54/8', '54/8']],
  [704, ['11/2', '23/4', '23/4', '23/4', '46/8', '46/8', '46/8']],
  [1128, ['14/4', '14/4', '29/8', '29/8', '29/8', '29/8', '29/8']],
  [2112, ['15/8', '15/8', '15/8', '15/8', '15/8', '15/8', '15/8']],
  [5888, ['5/8', '5/8', '5/8', '5/8', '5/8', '5/8', '5/8']],
  [9792, ['3/8', '3/8', '3/8', '3/8', '3/8', '3/8', '3/8']],
];
const CPUS = [1, 2, 4, 8, 16, 32, 64];

describe('SLUB calculate_order', () => {
  for (const [size, cols] of TABLE) {
    it(`size ${size} matches the kernel for every CPU count`, () => {
      const got = CPUS.map((cpus) => {
        const order = calculateOrder(size, cpus, 4096);
        return `${Math.floor((4096 << order) / size)}/${1 << order}`;
      });
      expect(got).toEqual(cols);
    });
  }

  it('uses larger slabs per object on 64 KiB pages', () => {
    const order = calculateOrder(192, 80, 65536);
    expect(order).toBe(0);
    expect(Math.floor(65536 / 192)).toBe(341);
  });
});

describe('slot size (calculate_sizes)', () => {
  const cases: Array<[string, number, number, number]> = [
    ['filp', 184, SLAB_HWCACHE_ALIGN, 192],
    ['mm_struct', 1568, SLAB_HWCACHE_ALIGN, 1600],
    ['task_struct', 5840, SLAB_HWCACHE_ALIGN, 5888],
    ['sighand_cache', 2080, SLAB_HWCACHE_ALIGN | SLAB_TYPESAFE_BY_RCU | SLAB_HAS_CTOR, 2112],
    ['kmalloc-96', 96, 0, 96],
    ['small hwcache object', 24, SLAB_HWCACHE_ALIGN, 32],
  ];
  for (const [name, objectSize, flags, size] of cases) {
    it(`${name}: ${objectSize} -> ${size}`, () => {
      expect(slotSize(objectSize, flags, calculateAlignment(flags, objectSize))).toBe(size);
    });
  }
});
