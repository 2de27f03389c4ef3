/**
 * cgroup v2 interface files of a 5.9 kernel whose only controller is memory: the core files
 * (kernel/cgroup/cgroup.c cgroup_base_files, without PSI) and the memory controller's
 * (mm/memcontrol.c memory_files[] + swap_files[]). Each table is the single source of truth for
 * its files' names, modes and handlers; `exists` encodes CFTYPE_NOT_ON_ROOT and "controller
 * files appear in a child only when the parent's cgroup.subtree_control enables memory".
 */
import {
  cgroupAttach,
  cgroupControllers,
  cgroupPopulated,
  cgroupSetMaxDepth,
  cgroupSetMaxDescendants,
  cgroupStat,
  cgroupSubtreeControl,
  fail,
  memcgCounterInfo,
  memcgSetLimit,
  memcgStatHierarchical,
  type CounterName,
  type LimitName,
  type MemcgEvents,
} from '../../kernel/index.js';
import { maxOrBytes, u64 } from '../format.js';
import type { FileDef } from '../node.js';
import { kstrtoint, pageCounterMemparse } from '../parse.js';
import { liveTasks, parseMaxOrInt, parsePid, pidLines, showMaxOrInt, type CgCtx } from './cgroup_ctx.js';
import { renderMemoryStatV2, renderMemoryStatV2Legacy } from './memory_stat.js';

const notOnRoot = (c: CgCtx): boolean => c.cg.parent !== null;

/** Controllers in ssid order (only memory exists in this kernel). */
const SSID_ORDER = ['memory'];

function controllerList(names: Iterable<string>): string {
  const set = new Set(names);
  const list = SSID_ORDER.filter((n) => set.has(n));
  return list.length === 0 ? '' : `${list.join(' ')}\n`;
}

/**
 * cgroup_subtree_control_write token rules: space-separated "+name"/"-name", empty tokens
 * skipped, a later token for the same controller wins, anything else EINVAL.
 */
export function parseSubtreeControl(input: string): { enable: string[]; disable: string[] } {
  const enable = new Set<string>();
  const disable = new Set<string>();
  for (const tok of input.split(' ')) {
    if (tok === '') continue;
    const name = tok.slice(1);
    if (!SSID_ORDER.includes(name)) fail('EINVAL', `unknown controller ${JSON.stringify(name)}`);
    if (tok[0] === '+') {
      enable.add(name);
      disable.delete(name);
    } else if (tok[0] === '-') {
      disable.add(name);
      enable.delete(name);
    } else {
      fail('EINVAL', `token must start with + or -: ${JSON.stringify(tok)}`);
    }
  }
  return { enable: [...enable], disable: [...disable] };
}

/** Effective freeze: this cgroup or an ancestor is frozen (cgroup.events "frozen"). */
function effectivelyFrozen(c: CgCtx): boolean {
  for (let cg: CgCtx['cg'] | null = c.cg; cg; cg = cg.parent) if (cg.frozen) return true;
  return false;
}

/** Core cgroup files (cgroup_base_files order). */
export const CGROUP_V2_CORE_FILES: readonly FileDef<CgCtx>[] = [
  {
    name: 'cgroup.type',
    mode: 0o644,
    exists: notOnRoot,
    show: () => 'domain\n',
    // Threaded cgroups are not modelled: "threaded" is refused, any other word is EINVAL.
    write: (_c, input) => fail(input === 'threaded' ? 'EOPNOTSUPP' : 'EINVAL', 'threaded mode is not modelled'),
  },
  {
    name: 'cgroup.procs',
    mode: 0o644,
    // v2 lists thread-group leaders unsorted (css_task_iter order); zombies are skipped.
    show: (c) => pidLines(liveTasks(c.cg).filter((t) => t.pid === t.tgid).map((t) => t.pid)),
    write: (c, input) => cgroupAttach(c.env.k, c.cg, parsePid(input), 'process'),
  },
  {
    name: 'cgroup.threads',
    mode: 0o644,
    show: (c) => pidLines(liveTasks(c.cg).map((t) => t.pid)),
    write: (c, input) => cgroupAttach(c.env.k, c.cg, parsePid(input), 'thread'),
  },
  {
    name: 'cgroup.controllers',
    mode: 0o444,
    show: (c) => controllerList(cgroupControllers(c.env.k, c.cg)),
  },
  {
    name: 'cgroup.subtree_control',
    mode: 0o644,
    show: (c) => controllerList(c.cg.subtreeControl),
    write: (c, input) => {
      const { enable, disable } = parseSubtreeControl(input);
      cgroupSubtreeControl(c.env.k, c.cg, enable, disable);
    },
  },
  {
    name: 'cgroup.events',
    mode: 0o444,
    exists: notOnRoot,
    show: (c) => `populated ${cgroupPopulated(c.cg) ? 1 : 0}\nfrozen ${effectivelyFrozen(c) ? 1 : 0}\n`,
  },
  {
    name: 'cgroup.max.descendants',
    mode: 0o644,
    show: (c) => showMaxOrInt(c.cg.maxDescendants),
    write: (c, input) => cgroupSetMaxDescendants(c.env.k, c.cg, parseMaxOrInt(input)),
  },
  {
    name: 'cgroup.max.depth',
    mode: 0o644,
    show: (c) => showMaxOrInt(c.cg.maxDepth),
    write: (c, input) => cgroupSetMaxDepth(c.env.k, c.cg, parseMaxOrInt(input)),
  },
  {
    name: 'cgroup.stat',
    mode: 0o444,
    show: (c) => {
      const st = cgroupStat(c.env.k, c.cg);
      return `nr_descendants ${st.nrDescendants}\nnr_dying_descendants ${st.nrDyingDescendants}\n`;
    },
  },
  {
    name: 'cgroup.freeze',
    mode: 0o644,
    exists: notOnRoot,
    show: (c) => `${c.cg.frozen ? 1 : 0}\n`,
    write: (c, input) => {
      const v = kstrtoint(input);
      if (v !== 0 && v !== 1) fail('ERANGE', 'cgroup.freeze takes 0 or 1');
      // Departure: tasks of the model never run on their own, so freezing only changes what
      // cgroup.freeze and cgroup.events report (the kernel has no freezer hook to call).
      c.cg.frozen = v === 1;
      c.env.k.generation++;
    },
  },
  {
    name: 'cpu.stat',
    mode: 0o444,
    // The model has no CPU time; the core cpu.stat keys of 5.9 read 0.
    show: () => 'usage_usec 0\nuser_usec 0\nsystem_usec 0\n',
  },
];

/** Memory files of a non-root cgroup exist when the parent enables memory for its children. */
function memoryEnabled(c: CgCtx): boolean {
  return c.cg.parent !== null && c.cg.parent.subtreeControl.has('memory');
}

function eventsText(e: MemcgEvents): string {
  return `low ${u64(e.low)}\nhigh ${u64(e.high)}\nmax ${u64(e.max)}\noom ${u64(e.oom)}\noom_kill ${u64(e.oomKill)}\n`;
}

/** memory.min/low/high/max and swap.high/max: page_counter_memparse(buf, "max"). */
function limitFile(name: string, which: CounterName, limit: LimitName, field: 'maxBytes' | 'highBytes' | 'lowBytes' | 'minBytes'): FileDef<CgCtx> {
  return {
    name,
    mode: 0o644,
    exists: memoryEnabled,
    show: (c) => maxOrBytes(memcgCounterInfo(c.env.k, c.cg, which)[field]),
    write: (c, input) => memcgSetLimit(c.env.k, c.cg, which, limit, pageCounterMemparse(input, 'max', c.env.k.pageSize)),
  };
}

/** memory_files[] and swap_files[] (5.9 order). memory.stat also exists on the root. */
export const MEMORY_V2_FILES: readonly FileDef<CgCtx>[] = [
  {
    name: 'memory.current',
    mode: 0o444,
    exists: memoryEnabled,
    show: (c) => `${u64(memcgCounterInfo(c.env.k, c.cg, 'memory').usageBytes)}\n`,
  },
  limitFile('memory.min', 'memory', 'min', 'minBytes'),
  limitFile('memory.low', 'memory', 'low', 'lowBytes'),
  limitFile('memory.high', 'memory', 'high', 'highBytes'),
  limitFile('memory.max', 'memory', 'max', 'maxBytes'),
  {
    name: 'memory.events',
    mode: 0o444,
    exists: memoryEnabled,
    show: (c) => eventsText(c.cg.events),
  },
  {
    name: 'memory.events.local',
    mode: 0o444,
    exists: memoryEnabled,
    show: (c) => eventsText(c.cg.eventsLocal),
  },
  {
    name: 'memory.stat',
    mode: 0o444,
    exists: (c) => c.cg.parent === null || memoryEnabled(c),
    show: (c) =>
      (c.env.k.controller === 'legacy' ? renderMemoryStatV2Legacy : renderMemoryStatV2)(memcgStatHierarchical(c.env.k, c.cg)),
  },
  {
    name: 'memory.oom.group',
    mode: 0o644,
    exists: memoryEnabled,
    show: (c) => `${c.cg.oomGroup ? 1 : 0}\n`,
    write: (c, input) => {
      const v = kstrtoint(input);
      if (v !== 0 && v !== 1) fail('EINVAL', 'memory.oom.group takes 0 or 1');
      c.cg.oomGroup = v === 1;
      c.env.k.generation++;
    },
  },
  // In 5.9 memcg->swap (v2) and memcg->memsw (v1) are one page_counter (a union).
  {
    name: 'memory.swap.current',
    mode: 0o444,
    exists: memoryEnabled,
    show: (c) => `${u64(memcgCounterInfo(c.env.k, c.cg, 'memsw').usageBytes)}\n`,
  },
  limitFile('memory.swap.high', 'memsw', 'high', 'highBytes'),
  limitFile('memory.swap.max', 'memsw', 'max', 'maxBytes'),
  {
    name: 'memory.swap.events',
    mode: 0o444,
    exists: memoryEnabled,
    // The model has no swap device: nothing is ever swapped, so no swap event fires.
    show: () => 'high 0\nmax 0\nfail 0\n',
  },
];

/** Every v2 file, core first (the directory's readdir order). */
export const CGROUP_V2_FILES: readonly FileDef<CgCtx>[] = [...CGROUP_V2_CORE_FILES, ...MEMORY_V2_FILES];
