/**
 * --plot: two charts in one SVG — Slab (kB) over virtual time for each controller, and slab
 * utilization per cache at the end of the run (the caches holding the most slab memory) —
 * described in Vega-Lite and rendered to SVG headless by Vega (no browser, no canvas needed
 * for SVG output). Why these libraries: a declarative chart spec is data, kept in one place,
 * and Vega's renderer is maintained and deterministic; a hand-drawn SVG would re-implement
 * axes, scales and legends.
 */
import type { Comparison } from './run.js';
import { CONTROLLERS } from './run.js';

/** Number of caches shown in the utilization chart. */
const TOP_CACHES = 20;

export function plotSpec(c: Comparison): Record<string, unknown> {
  const series: Array<{ t: number; controller: string; slabKb: number }> = [];
  for (const name of CONTROLLERS) for (const s of c[name].samples) series.push({ t: s.tNs / 1e9, controller: name, slabKb: s.slabKb });
  const bySize = [...c.legacy.perCache].sort((a, b) => b.slabBytes - a.slabBytes).slice(0, TOP_CACHES).map((u) => u.name);
  const util: Array<{ cache: string; controller: string; utilization: number; slabKb: number }> = [];
  for (const name of CONTROLLERS) {
    for (const u of c[name].perCache) if (bySize.includes(u.name)) util.push({ cache: u.name, controller: name, utilization: u.utilization * 100, slabKb: u.slabBytes / 1024 });
  }
  const color = { field: 'controller', type: 'nominal', scale: { domain: [...CONTROLLERS] }, title: 'controller' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `memcgfs compare: ${c.workload} on ${c.machine.name} (${c.machine.nrCpus} CPUs), seed ${c.seed}`,
    vconcat: [
      {
        title: 'meminfo Slab over virtual time (sampled every 5 s)',
        width: 640,
        height: 260,
        data: { values: series },
        mark: { type: 'line', point: false },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'virtual time (s)' },
          y: { field: 'slabKb', type: 'quantitative', title: 'Slab (kB)' },
          color,
        },
      },
      {
        title: `slab utilization per cache at the end (top ${TOP_CACHES} caches by legacy slab memory; live objects x s->size / slab bytes)`,
        width: 640,
        height: 260,
        data: { values: util },
        mark: 'bar',
        encoding: {
          x: { field: 'cache', type: 'nominal', sort: bySize, title: null, axis: { labelAngle: -45 } },
          xOffset: { field: 'controller', type: 'nominal', sort: [...CONTROLLERS] },
          y: { field: 'utilization', type: 'quantitative', title: 'utilization (%)', scale: { domain: [0, 100] } },
          color,
          tooltip: [{ field: 'cache' }, { field: 'controller' }, { field: 'utilization', format: '.1f' }, { field: 'slabKb', format: '.0f' }],
        },
      },
    ],
  };
}

/** Renders the comparison's charts to an SVG document. */
export async function renderPlotSvg(c: Comparison): Promise<string> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  const compiled = vl.compile(plotSpec(c) as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
