import { describe, expect, it } from 'vitest';
import { bootKernel } from '../../src/kernel/index.js';
import { runComparison } from '../../src/compare/run.js';
import type { Comparison } from '../../src/compare/run.js';
import { comparisonJson, formatComparison } from '../../src/compare/table.js';
import { renderPlotSvg } from '../../src/compare/plot.js';
import { slabUtilization } from '../../src/compare/utilization.js';

/** The direction of every effect the seed describes, on small runs. */
describe('compare: the effects have the seed\'s direction', () => {
  let churn: Comparison;
  let boot: Comparison;

  it('cgroup-churn: dying cgroups pile up under legacy, and fall to zero under objcg only after deferred work', () => {
    churn = runComparison({ workload: 'cgroup-churn', seed: 1, scale: 0.03 });
    const units = 30;
    expect(churn.legacy.nrDying).toBeGreaterThanOrEqual(units - 2);
    expect(churn.objcg.nrDyingAtEnd).toBeGreaterThanOrEqual(1);
    expect(churn.objcg.nrDying).toBe(0);
    expect(churn.none.nrDying).toBe(0);
    expect(churn.legacy.slabPages).toBeGreaterThan(churn.objcg.slabPages);
    expect(churn.legacy.nrCaches).toBeGreaterThan(churn.objcg.nrCaches);
  });

  it('boot: legacy uses more slab pages and memory than objcg; none is close to objcg in utilization', () => {
    boot = runComparison({ workload: 'boot', seed: 2, scale: 0.2 });
    expect(boot.legacy.slabPages).toBeGreaterThan(boot.objcg.slabPages);
    expect(boot.legacy.slabKb).toBeGreaterThan(boot.objcg.slabKb);
    expect(boot.objcg.slabUtilization).toBeGreaterThan(boot.legacy.slabUtilization);
    expect(Math.abs(boot.none.slabUtilization - boot.objcg.slabUtilization)).toBeLessThan(0.05);
    expect(boot.objcg.slabKb).toBeGreaterThanOrEqual(boot.none.slabKb * 0.9);
    // kmem accounting off charges nothing
    expect(boot.none.kmemUsagePeakBytes).toBe(0);
  });

  it('prints the thread-shaped table and JSON with one object per controller', () => {
    const text = formatComparison(churn);
    for (const row of ['memory.kmem.usage_in_bytes', 'memory.usage_in_bytes', 'Slab: (kB)', 'slab utilization', 'slab pages', 'kmem_caches', 'nr_dying_descendants']) {
      expect(text).toContain(row);
    }
    const json = comparisonJson(churn) as Record<string, Record<string, unknown>>;
    for (const c of ['legacy', 'objcg', 'none']) {
      for (const key of ['kmemUsagePeakBytes', 'memoryUsagePeakBytes', 'slabKb', 'slabUtilization', 'slabPages', 'nrCaches', 'nrDying']) {
        expect(typeof json[c][key]).toBe('number');
      }
    }
    expect(JSON.parse(JSON.stringify(json))).toBeTruthy();
  });

  it('renders the charts as SVG', async () => {
    const svg = await renderPlotSvg(churn);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Slab');
  });
});

/** Every workload small: the direction of each effect, and the same output for the same seed. */
const SMALL: Array<{ workload: string; scale: number; noneTolerance: number }> = [
  { workload: 'boot', scale: 0.1, noneTolerance: 0.05 },
  // power8: the seed's two cache sets give objcg a second set of 64 KiB per-CPU slabs (F5)
  { workload: 'sysbench-oltp', scale: 0.05, noneTolerance: 0.1 },
  { workload: 'kernel-build', scale: 0.01, noneTolerance: 0.1 },
  // 20 units: the clones' per-CPU slabs weigh more against a small slab total (F5)
  { workload: 'cgroup-churn', scale: 0.02, noneTolerance: 0.1 },
  { workload: 'fleet', scale: 0.1, noneTolerance: 0.05 },
];

describe.each(SMALL)('compare $workload (scale $scale)', ({ workload, scale, noneTolerance }) => {
  let c: Comparison;
  it('legacy holds more slab pages and charges more kmem than objcg; none is close to objcg', () => {
    c = runComparison({ workload, seed: 2, scale });
    expect(c.legacy.slabPages).toBeGreaterThan(c.objcg.slabPages);
    expect(c.legacy.kmemUsagePeakBytes).toBeGreaterThan(c.objcg.kmemUsagePeakBytes);
    expect(c.objcg.slabUtilization).toBeGreaterThan(c.legacy.slabUtilization);
    expect(c.none.slabUtilization).toBeGreaterThanOrEqual(c.objcg.slabUtilization - 0.01);
    expect(c.none.slabUtilization - c.objcg.slabUtilization).toBeLessThan(noneTolerance);
    expect(c.legacy.nrCaches).toBeGreaterThan(c.objcg.nrCaches);
    expect(c.none.kmemUsagePeakBytes).toBe(0);
    expect(c.objcg.nrDying).toBeLessThanOrEqual(c.legacy.nrDying);
  });

  it('the same seed gives the same table', () => {
    const again = runComparison({ workload, seed: 2, scale });
    const withoutWall = (x: Comparison) => formatComparison(x).replace(/^wall time:.*$/m, '');
    expect(withoutWall(again)).toBe(withoutWall(c));
  });
});

describe('compare with a workload parameter', () => {
  const bufferHeads = (r: Comparison['objcg']) => r.perCache.find((c) => c.name === 'buffer_head')?.liveObjects ?? 0;

  it('sysbench-oltp on XFS: no buffer_heads on data pages, so less kmem charged to mysqld under objcg', () => {
    const ext4 = runComparison({ workload: 'sysbench-oltp', seed: 2, scale: 0.05 });
    const xfs = runComparison({ workload: 'sysbench-oltp', seed: 2, scale: 0.05, params: { dataFs: 'xfs' } });
    expect(ext4.params).toEqual({ dataFs: 'ext4' });
    expect(xfs.params).toEqual({ dataFs: 'xfs' });
    expect(xfs.objcg.kmemUsagePeakBytes).toBeLessThan(ext4.objcg.kmemUsagePeakBytes);
    expect(bufferHeads(xfs.objcg)).toBeLessThan(bufferHeads(ext4.objcg));
    // the header names a parameter only when it differs from its default; the JSON has them all
    expect(formatComparison(xfs).split('\n')[0]).toMatch(/, seed 2, scale 0\.05, dataFs=xfs$/);
    expect(formatComparison(ext4).split('\n')[0]).toMatch(/, scale 0\.05$/);
    expect((comparisonJson(xfs) as { params: unknown }).params).toEqual({ dataFs: 'xfs' });
  });

  it.each<{ workload: string; params: Record<string, string>; error: RegExp }>([
    { workload: 'sysbench-oltp', params: { dataFs: 'btrfs' }, error: /bad value 'btrfs' for sysbench-oltp's dataFs \(allowed: ext4, xfs\)/ },
    { workload: 'fleet', params: { dataFs: 'zfs' }, error: /bad value 'zfs' for fleet's dataFs/ },
    { workload: 'sysbench-oltp', params: { dataFS: 'xfs' }, error: /unknown parameter 'dataFS' for workload sysbench-oltp \(known: dataFs\)/ },
    { workload: 'boot', params: { dataFs: 'xfs' }, error: /unknown parameter 'dataFs' for workload boot \(known: none\)/ },
  ])('rejects $params for $workload before running anything', ({ workload, params, error }) => {
    let ran = false;
    expect(() => runComparison({ workload, scale: 0.01, params, onControllerDone: () => (ran = true) })).toThrow(error);
    expect(ran).toBe(false);
  });
});

describe('utilization', () => {
  it('adds up over caches and stays within (0, 1]', () => {
    const k = bootKernel({ controller: 'legacy', seed: 1 });
    const u = slabUtilization(k);
    expect(u.utilization).toBeGreaterThan(0);
    expect(u.utilization).toBeLessThanOrEqual(1);
    expect(u.perCache.reduce((a, c) => a + c.slabBytes, 0)).toBe(u.slabBytes);
    expect(u.slabPages * k.pageSize).toBe(u.slabBytes);
    expect(u.utilizationObjectSize).toBeLessThanOrEqual(u.utilization);
  });
});
