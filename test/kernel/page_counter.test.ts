import { describe, expect, it } from 'vitest';
import { PageCounter, pageCounterTryCharge, pageCounterUncharge, pageCounterSetMax } from '../../src/kernel/page_counter.js';

describe('page_counter', () => {
  it('charges every level and records the watermark', () => {
    const root = new PageCounter(null);
    const child = new PageCounter(root);
    expect(pageCounterTryCharge(child, 10)).toBeNull();
    expect(root.usage).toBe(10);
    pageCounterUncharge(child, 4);
    expect(child.usage).toBe(6);
    expect(child.watermark).toBe(10);
  });

  it('fails at the limited level, counts failcnt there and undoes the partial charge', () => {
    const root = new PageCounter(null);
    const mid = new PageCounter(root);
    const leaf = new PageCounter(mid);
    mid.max = 5;
    pageCounterTryCharge(leaf, 3);
    expect(pageCounterTryCharge(leaf, 3)).toBe(mid);
    expect(mid.failcnt).toBe(1);
    expect(leaf.usage).toBe(3);
    expect(mid.usage).toBe(3);
    expect(root.usage).toBe(3);
  });

  it('refuses a max below the usage', () => {
    const c = new PageCounter(null);
    pageCounterTryCharge(c, 8);
    expect(pageCounterSetMax(c, 4)).toBe(false);
    expect(c.max).toBe(Infinity);
    expect(pageCounterSetMax(c, 8)).toBe(true);
  });

  it('throws on underflow instead of going negative', () => {
    const c = new PageCounter(null);
    expect(() => pageCounterUncharge(c, 1)).toThrow(/underflow/);
  });
});
