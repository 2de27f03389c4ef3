/** memory.min / memory.low: the test_memcg_min / test_memcg_low scenario of test_memcontrol.c. */
import { describe, expect, it } from 'vitest';
import { cgroupMkdir, cgroupSubtreeControl, memcgCounterInfo, memcgSetLimit, taskAnonFault, taskPagecacheRead, taskSpawn } from '../../src/kernel/index.js';
import { expectInvariants, smallKernel } from './helpers.js';

const MiB = 1024 * 1024;

function valuesClose(a: number, b: number, err: number): boolean {
  return Math.abs(a - b) <= ((a + b) / 100) * err;
}

describe.each(['min', 'low'] as const)('memory.%s protection', (knob) => {
  it('distributes reclaim pressure like the kernel', () => {
    const k = smallKernel('objcg');
    const pages = (bytes: number) => bytes / k.pageSize;
    cgroupSubtreeControl(k, k.rootMemcg, ['memory'], []);
    const A = cgroupMkdir(k, k.rootMemcg, 'A');
    cgroupSubtreeControl(k, A, ['memory'], []);
    const B = cgroupMkdir(k, A, 'B');
    cgroupSubtreeControl(k, B, ['memory'], []);
    memcgSetLimit(k, A, 'memory', 'max', pages(200 * MiB));
    memcgSetLimit(k, B, 'memory', knob, pages(50 * MiB));
    const kids = ['C', 'D', 'E', 'F'].map((n) => cgroupMkdir(k, B, n));
    const settings = [75, 25, 500, 0];
    kids.forEach((c, i) => memcgSetLimit(k, c, 'memory', knob, pages(settings[i] * MiB)));
    for (const i of [0, 1, 3]) taskPagecacheRead(k, taskSpawn(k, kids[i], 'cache'), pages(50 * MiB));
    const G = cgroupMkdir(k, A, 'G');
    const g = taskSpawn(k, G, 'hog');
    taskAnonFault(k, g, pages(148 * MiB));
    const cur = (m: typeof A) => memcgCounterInfo(k, m, 'memory').usageBytes;
    expect(valuesClose(cur(B), 50 * MiB, 3)).toBe(true);
    // The proportional-reclaim dynamics give what mainline's test_memcg_min expects (C ~29M within
    // 15 %, D ~21M within 20 %); the 2020 test text expected 33M/17M, the static split of B's 50M.
    expect(valuesClose(cur(kids[0]), 29 * MiB, 15)).toBe(true);
    expect(valuesClose(cur(kids[1]), 21 * MiB, 20)).toBe(true);
    expect(cur(kids[2])).toBe(0);
    if (knob === 'low') {
      expect(kids[0].events.low).toBe(0);
    }
    expectInvariants(k);
  });
});
