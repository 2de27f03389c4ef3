/**
 * The workloads' own seeded random numbers (mulberry32). A workload never draws from the
 * kernel's generator, so the same seed makes the same decisions under every slab controller:
 * the comparison runs differ only in what the kernel does with them.
 */
import { Rng } from '../kernel/index.js';

/** splitmix the seed once so that small seeds (1, 2, 3) start far apart. */
function mixSeed(seed: number): number {
  let z = (Math.imul(seed | 0, 0x9e3779b9) + 0x7f4a7c15) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0 || 0x6d2b79f5;
}

export class WorkloadRng extends Rng {
  constructor(seed: number) {
    // the kernel's generator starts from seed ^ 0x9e3779b9: hand it the mixed state that way
    super((mixSeed(seed) ^ 0x9e3779b9) | 0);
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
