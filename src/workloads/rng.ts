/**
 * The workloads' own seeded random numbers (mulberry32). A workload never draws from the
 * kernel's generator, so the same seed makes the same decisions under every slab controller:
 * the comparison runs differ only in what the kernel does with them.
 */
export class WorkloadRng {
  private state: number;

  constructor(seed: number) {
    // splitmix the seed once so that small seeds (1, 2, 3) start far apart
    let z = (Math.imul(seed | 0, 0x9e3779b9) + 0x7f4a7c15) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    this.state = (z ^ (z >>> 16)) >>> 0 || 0x6d2b79f5;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Exponentially distributed with the given mean (think times, inter-arrival times). */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** A value around `mean`, uniformly within ±`spread` (a fraction of the mean). */
  around(mean: number, spread = 0.5): number {
    return mean * (1 - spread + 2 * spread * this.next());
  }

  /** An independent generator derived from this one (for one actor of a workload). */
  fork(): WorkloadRng {
    return new WorkloadRng(this.int(0x7fffffff));
  }
}
