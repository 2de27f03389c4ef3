/**
 * dying_cgroups: every removed-but-not-released memcg ("dying", counted in
 * nr_dying_descendants) and what keeps it: each css reference is attributed to a holder —
 * legacy child caches the memcg created (with their slabs, pages and live objects), charged
 * pages, tasks, per-CPU stocks, obj_cgroups. Under the obj_cgroup controller objects never pin
 * a memcg: their obj_cgroup is reparented; the second part lists those obj_cgroups, killed at
 * offline and kept alive only by the objects (and stocks) still referring to them.
 */
import type { InspectScript } from '../../src/inspect/script.js';
import { ScriptError, parseScriptArgs } from '../../src/inspect/script.js';
import type { Program } from '../../src/inspect/program.js';
import { cgroupPath, forEachMemCgroup } from '../../src/inspect/helpers/cgroup.js';
import { forEachObjCgroup, memcgCssRefs, objcgRefs } from '../../src/inspect/helpers/memcg.js';
import { slabCacheUsage } from '../../src/inspect/helpers/slab.js';

export interface PinningCache {
  name: string;
  root: string;
  /** where its pages are charged now (the nearest live ancestor after reparenting) */
  chargedTo: string | null;
  deactivated: boolean;
  slabs: number;
  pages: number;
  objects: number;
  slabBytes: number;
}

export interface ObjcgPin {
  id: number;
  killed: boolean;
  refcnt: number;
  objects: number;
  byCache: Record<string, number>;
  stockCpus: number[];
  percpu: number;
}

export interface DyingCgroup {
  path: string;
  id: number;
  ino: number;
  serial: number;
  refcnt: number;
  tasks: number;
  pages: Record<string, number>;
  kernelStacks: number;
  stockCpus: number[];
  legacyCaches: PinningCache[];
  objcgs: ObjcgPin[];
  /** references nothing in the snapshot explains (e.g. queued work items) */
  other: number;
  /** dying descendants below it */
  dyingChildren: number;
}

export interface OrphanObjcg extends ObjcgPin {
  /** the memcg it charges now */
  memcg: string;
}

export interface DyingData {
  controller: string;
  dying: DyingCgroup[];
  /** obj_cgroups killed at their memcg's offline and still alive */
  killedObjcgs: OrphanObjcg[];
  summary: {
    dying: number;
    pinnedByLegacyCaches: number;
    legacyCaches: number;
    legacyCacheSlabBytes: number;
    legacyCacheObjects: number;
    pinnedByPages: number;
    pinnedByObjcgs: number;
    killedObjcgs: number;
    killedObjcgObjects: number;
  };
}

export function dyingCgroups(prog: Program): DyingData {
  const dying: DyingCgroup[] = [];
  for (const cg of forEachMemCgroup(prog)) {
    if (cg.online) continue;
    const refs = memcgCssRefs(cg);
    let dyingChildren = 0;
    const stack = [...cg.children];
    while (stack.length) {
      const c = stack.pop()!;
      if (!c.online) dyingChildren++;
      stack.push(...c.children);
    }
    dying.push({
      path: cgroupPath(cg),
      id: cg.id,
      ino: cg.ino,
      serial: cg.serial,
      refcnt: cg.refcnt,
      tasks: refs.tasks,
      pages: refs.pages,
      kernelStacks: refs.kernelStacks,
      stockCpus: refs.stockCpus,
      legacyCaches: refs.legacyCaches.map((c) => {
        const u = slabCacheUsage(c);
        return {
          name: c.name,
          root: (c.rootCache ?? c).name,
          chargedTo: c.memcg ? cgroupPath(c.memcg) : null,
          deactivated: c.deactivated,
          slabs: u.numSlabs,
          pages: u.numSlabs << c.order,
          objects: u.activeObjs,
          slabBytes: u.slabBytes,
        };
      }),
      objcgs: refs.objcgs.map((o) => objcgPin(o)),
      other: refs.other,
      dyingChildren,
    });
  }
  const killedObjcgs: OrphanObjcg[] = [];
  for (const o of forEachObjCgroup(prog)) if (o.killed) killedObjcgs.push({ ...objcgPin(o), memcg: cgroupPath(o.memcg) });
  const summary = {
    dying: dying.length,
    pinnedByLegacyCaches: dying.filter((d) => d.legacyCaches.length > 0).length,
    legacyCaches: dying.reduce((a, d) => a + d.legacyCaches.length, 0),
    legacyCacheSlabBytes: dying.reduce((a, d) => a + d.legacyCaches.reduce((b, c) => b + c.slabBytes, 0), 0),
    legacyCacheObjects: dying.reduce((a, d) => a + d.legacyCaches.reduce((b, c) => b + c.objects, 0), 0),
    pinnedByPages: dying.filter((d) => Object.keys(d.pages).length > 0).length,
    pinnedByObjcgs: dying.filter((d) => d.objcgs.length > 0).length,
    killedObjcgs: killedObjcgs.length,
    killedObjcgObjects: killedObjcgs.reduce((a, o) => a + o.objects, 0),
  };
  return { controller: prog.controller, dying, killedObjcgs, summary };
}

function objcgPin(o: Parameters<typeof objcgRefs>[0]): ObjcgPin {
  const r = objcgRefs(o);
  return { id: o.id, killed: o.killed, refcnt: o.refcnt, objects: r.objects, byCache: r.byCache, stockCpus: r.stockCpus, percpu: r.percpu };
}

const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

export const script: InspectScript<DyingData> = {
  name: 'dying_cgroups',
  summary: 'dying memory cgroups and what pins them (legacy child caches, pages, obj_cgroups)',
  usage: '',
  collect(prog, args) {
    const { positional } = parseScriptArgs(args, {});
    if (positional.length) throw new ScriptError('usage: dying_cgroups', 2);
    return dyingCgroups(prog);
  },
  format(d) {
    const out: string[] = [];
    for (const c of d.dying) {
      out.push(`${c.path} (css ${c.id}, ino ${c.ino}, serial ${c.serial}): ${plural(c.refcnt, 'reference')}`);
      for (const lc of c.legacyCaches) {
        out.push(
          `  legacy cache ${lc.name}: ${plural(lc.slabs, 'slab')}, ${plural(lc.pages, 'page')}, ${plural(lc.objects, 'live object')} (${kib(lc.slabBytes)})` +
            `${lc.deactivated ? ', deactivated' : ''}${lc.chargedTo ? `, charged to ${lc.chargedTo}` : ''}`,
        );
      }
      for (const [kind, n] of Object.entries(c.pages)) out.push(`  ${plural(n, 'page')} charged (${kind})`);
      if (c.tasks) out.push(`  ${plural(c.tasks, 'task')}`);
      if (c.kernelStacks) out.push(`  ${plural(c.kernelStacks, 'kernel stack')} accounted`);
      if (c.stockCpus.length) out.push(`  page stock of CPU ${c.stockCpus.join(', ')}`);
      for (const o of c.objcgs) out.push(`  obj_cgroup ${o.id}${o.killed ? ' (killed)' : ''}: ${plural(o.objects, 'object')}${fmtByCache(o.byCache)}`);
      if (c.dyingChildren) out.push(`  ${plural(c.dyingChildren, 'dying descendant')}`);
      if (c.other) out.push(`  ${plural(c.other, 'other reference')} (queued work)`);
    }
    if (d.killedObjcgs.length) {
      out.push('obj_cgroups alive after their memcg went offline:');
      for (const o of d.killedObjcgs) {
        out.push(`  obj_cgroup ${o.id} -> ${o.memcg}: refcnt ${o.refcnt}, ${plural(o.objects, 'object')}${fmtByCache(o.byCache)}${o.stockCpus.length ? `, stock of CPU ${o.stockCpus.join(', ')}` : ''}`);
      }
    }
    const s = d.summary;
    out.push(
      `${plural(s.dying, 'dying cgroup')} (controller ${d.controller}): ${s.pinnedByLegacyCaches} pinned by ${plural(s.legacyCaches, 'legacy child cache')} ` +
        `(${kib(s.legacyCacheSlabBytes)}, ${plural(s.legacyCacheObjects, 'object')}), ${s.pinnedByPages} by charged pages, ${s.pinnedByObjcgs} by obj_cgroups; ` +
        `${plural(s.killedObjcgs, 'killed obj_cgroup')} hold ${plural(s.killedObjcgObjects, 'object')}`,
    );
    return out.join('\n') + '\n';
  },
};

function fmtByCache(by: Record<string, number>): string {
  const e = Object.entries(by);
  return e.length ? ` (${e.map(([k, v]) => `${k} ${v}`).join(', ')})` : '';
}
