/**
 * Hierarchical page counting and limiting (mm/page_counter.c): a charge of N pages is added to
 * the counter and every ancestor; it fails — and undoes exactly what it did — when any level
 * would exceed its max. Tracks the usage watermark and, at the level that failed, failcnt.
 */

/** "max": no limit. */
export const PAGE_COUNTER_MAX = Infinity;

export class PageCounter {
  usage = 0;
  max = PAGE_COUNTER_MAX;
  high = PAGE_COUNTER_MAX;
  low = 0;
  min = 0;
  watermark = 0;
  failcnt = 0;
  constructor(readonly parent: PageCounter | null) {}
}

/** Charges unconditionally (may exceed max): page_counter_charge. */
export function pageCounterCharge(counter: PageCounter, nrPages: number): void {
  for (let c: PageCounter | null = counter; c; c = c.parent) {
    c.usage += nrPages;
    if (c.usage > c.watermark) c.watermark = c.usage;
  }
}

/**
 * Charges if no level would exceed its max. Returns null on success, or the counter whose limit
 * was hit (its failcnt incremented); nothing stays charged then.
 */
export function pageCounterTryCharge(counter: PageCounter, nrPages: number): PageCounter | null {
  let c: PageCounter | null = counter;
  for (; c; c = c.parent) {
    const next = c.usage + nrPages;
    if (next > c.max) {
      c.failcnt++;
      const failed = c;
      for (let u: PageCounter | null = counter; u !== failed; u = u!.parent) u!.usage -= nrPages;
      return failed;
    }
    c.usage = next;
    if (next > c.watermark) c.watermark = next;
  }
  return null;
}

export function pageCounterUncharge(counter: PageCounter, nrPages: number): void {
  for (let c: PageCounter | null = counter; c; c = c.parent) {
    c.usage -= nrPages;
    if (c.usage < 0) throw new Error(`page_counter underflow: usage ${c.usage} after uncharging ${nrPages}`);
  }
}

/** page_counter_set_max: fails (returns false) while usage is above the new limit. */
export function pageCounterSetMax(counter: PageCounter, nrPages: number): boolean {
  if (counter.usage > nrPages) return false;
  counter.max = nrPages;
  return true;
}

/** The lowest max on the path to the root (v1 hierarchical_memory_limit). */
export function pageCounterHierarchicalMax(counter: PageCounter): number {
  let m = Infinity;
  for (let c: PageCounter | null = counter; c; c = c.parent) m = Math.min(m, c.max);
  return m;
}
