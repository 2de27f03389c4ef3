/**
 * cgroup v1 memory hierarchy files of a 5.9 kernel (kernel/cgroup/cgroup-v1.c
 * cgroup1_base_files + mm/memcontrol.c mem_cgroup_legacy_files[] and memsw_files[], swap
 * accounting on). All files exist on the root too, except that cgroup.sane_behavior and
 * release_agent exist only there. Limits parse with page_counter_memparse(buf, "-1"): "-1" is
 * unlimited and "max" is EINVAL.
 */
import {
  cgroupAttach,
  fail,
  memcgCounterInfo,
  memcgForceEmpty,
  memcgHierarchicalLimitBytes,
  memcgResetFailcnt,
  memcgResetWatermark,
  memcgSetLimit,
  memcgSlabinfo,
  memcgStatHierarchical,
  memcgStatLocal,
  memcgV1UsageBytes,
  type CounterName,
} from '../../kernel/index.js';
import { u64, v1Bytes } from '../format.js';
import type { FileDef } from '../node.js';
import { kstrtoull, pageCounterMemparse } from '../parse.js';
import { renderMemcgSlabinfo } from '../procfs/slabinfo.js';
import { liveTasks, parsePid, pidLines, type CgCtx } from './cgroup_ctx.js';
import { renderMemoryStatV1, renderNumaStatV1 } from './memory_stat.js';

const onlyOnRoot = (c: CgCtx): boolean => c.cg.parent === null;

/** PATH_MAX: longest release_agent path. */
const PATH_MAX = 4096;

function u64Value(input: string): bigint {
  return kstrtoull(input);
}

/** A 0/1 flag written with write_u64: any non-zero value stores 1. */
function flagFile(name: string, get: (c: CgCtx) => boolean, set: (c: CgCtx, v: boolean) => void): FileDef<CgCtx> {
  return {
    name,
    mode: 0o644,
    show: (c) => `${get(c) ? 1 : 0}\n`,
    write: (c, input) => {
      set(c, u64Value(input) !== 0n);
      c.env.k.generation++;
    },
  };
}

/** The usage/max_usage/limit/failcnt quartet of one page_counter. */
function counterFiles(prefix: string, which: CounterName): FileDef<CgCtx>[] {
  return [
    {
      name: `${prefix}usage_in_bytes`,
      mode: 0o444,
      show: (c) => `${u64(memcgV1UsageBytes(c.env.k, c.cg, which))}\n`,
    },
    {
      name: `${prefix}max_usage_in_bytes`,
      mode: 0o644,
      show: (c) => `${u64(memcgCounterInfo(c.env.k, c.cg, which).watermarkBytes)}\n`,
      // mem_cgroup_reset: the written text is not parsed
      write: (c) => memcgResetWatermark(c.env.k, c.cg, which),
    },
    {
      name: `${prefix}limit_in_bytes`,
      mode: 0o644,
      show: (c) => `${v1Bytes(memcgCounterInfo(c.env.k, c.cg, which).maxBytes, c.env.k.pageSize)}\n`,
      write: (c, input) => memcgSetLimit(c.env.k, c.cg, which, 'max', pageCounterMemparse(input, '-1', c.env.k.pageSize)),
    },
    {
      name: `${prefix}failcnt`,
      mode: 0o644,
      show: (c) => `${u64(memcgCounterInfo(c.env.k, c.cg, which).failcnt)}\n`,
      write: (c) => memcgResetFailcnt(c.env.k, c.cg, which),
    },
  ];
}

function byName(files: FileDef<CgCtx>[], name: string): FileDef<CgCtx> {
  const f = files.find((d) => d.name === name);
  if (!f) throw new Error(`no ${name}`);
  return f;
}

const MEMORY = counterFiles('memory.', 'memory');
const KMEM = counterFiles('memory.kmem.', 'kmem');
const TCP = counterFiles('memory.kmem.tcp.', 'tcpmem');
const MEMSW = counterFiles('memory.memsw.', 'memsw');

/** min of the memsw limit over the memcg and its ancestors (bytes). */
function hierarchicalMemswLimitBytes(c: CgCtx): number {
  let min = Infinity;
  for (let m: CgCtx['cg'] | null = c.cg; m; m = m.parent) {
    min = Math.min(min, memcgCounterInfo(c.env.k, m, 'memsw').maxBytes);
  }
  return min;
}

/** cgroup.event_control: "<event_fd> <control_fd> [args]". */
function eventControlWrite(input: string): never {
  // Well-formed requests need real file descriptors of the writer, which a FUSE request does
  // not carry: the fd lookup fails as it would for a closed descriptor.
  if (/^\d+ \d+( .*)?$/.test(input)) fail('EBADF', 'cgroup.event_control needs the writer\'s eventfd');
  fail('EINVAL', 'expected "<event_fd> <fd> [args]"');
}

/** Core v1 files (cgroup1_base_files order) followed by the memory controller's. */
export const CGROUP_V1_FILES: readonly FileDef<CgCtx>[] = [
  {
    name: 'cgroup.procs',
    mode: 0o644,
    // v1 builds a pidlist: thread-group ids, sorted and de-duplicated
    show: (c) => pidLines([...new Set(liveTasks(c.cg).map((t) => t.tgid))].sort((a, b) => a - b)),
    write: (c, input) => cgroupAttach(c.env.k, c.cg, parsePid(input), 'process'),
  },
  flagFile('cgroup.clone_children', (c) => c.cg.cloneChildren, (c, v) => (c.cg.cloneChildren = v)),
  {
    name: 'cgroup.sane_behavior',
    mode: 0o444,
    exists: onlyOnRoot,
    show: () => '0\n',
  },
  {
    name: 'tasks',
    mode: 0o644,
    show: (c) => pidLines(liveTasks(c.cg).map((t) => t.pid).sort((a, b) => a - b)),
    write: (c, input) => cgroupAttach(c.env.k, c.cg, parsePid(input), 'thread'),
  },
  flagFile('notify_on_release', (c) => c.cg.notifyOnRelease, (c, v) => (c.cg.notifyOnRelease = v)),
  {
    name: 'release_agent',
    mode: 0o644,
    exists: onlyOnRoot,
    show: (c) => `${c.env.state.releaseAgent}\n`,
    write: (c, input) => {
      if (input.length >= PATH_MAX) fail('EINVAL', 'path too long');
      c.env.state.releaseAgent = input;
    },
  },
  // mem_cgroup_legacy_files[]
  byName(MEMORY, 'memory.usage_in_bytes'),
  byName(MEMORY, 'memory.max_usage_in_bytes'),
  byName(MEMORY, 'memory.limit_in_bytes'),
  {
    name: 'memory.soft_limit_in_bytes',
    mode: 0o644,
    show: (c) => {
      const soft = c.cg.softLimit;
      return `${v1Bytes(soft === Infinity ? Infinity : soft * c.env.k.pageSize, c.env.k.pageSize)}\n`;
    },
    write: (c, input) => memcgSetLimit(c.env.k, c.cg, 'memory', 'soft', pageCounterMemparse(input, '-1', c.env.k.pageSize)),
  },
  byName(MEMORY, 'memory.failcnt'),
  {
    name: 'memory.stat',
    mode: 0o444,
    show: (c) =>
      renderMemoryStatV1({
        local: memcgStatLocal(c.env.k, c.cg),
        hierarchical: memcgStatHierarchical(c.env.k, c.cg),
        hierarchicalMemoryLimitBytes: memcgHierarchicalLimitBytes(c.env.k, c.cg),
        hierarchicalMemswLimitBytes: hierarchicalMemswLimitBytes(c),
        pageSize: c.env.k.pageSize,
      }),
  },
  {
    name: 'memory.force_empty',
    mode: 0o200,
    write: (c) => memcgForceEmpty(c.env.k, c.cg),
  },
  {
    name: 'memory.use_hierarchy',
    mode: 0o644,
    show: (c) => `${c.cg.useHierarchy ? 1 : 0}\n`,
    write: (c, input) => {
      // mem_cgroup_hierarchy_write (5.9)
      const v = u64Value(input);
      if (v !== 0n && v !== 1n) fail('EINVAL', 'use_hierarchy takes 0 or 1');
      const want = v === 1n;
      if (c.cg.useHierarchy === want) return;
      const parent = c.cg.parent;
      if (parent && parent.useHierarchy) fail('EINVAL', 'the parent uses hierarchy');
      if (c.cg.children.length > 0) fail('EBUSY', 'the cgroup has children');
      c.cg.useHierarchy = want;
      c.env.k.generation++;
    },
  },
  {
    name: 'cgroup.event_control',
    mode: 0o200,
    write: (_c, input) => eventControlWrite(input),
  },
  {
    name: 'memory.swappiness',
    mode: 0o644,
    show: (c) => `${c.cg.swappiness}\n`,
    write: (c, input) => {
      const v = u64Value(input);
      if (v > 200n) fail('EINVAL', 'swappiness is 0..200');
      c.cg.swappiness = Number(v);
      c.env.k.generation++;
    },
  },
  {
    name: 'memory.move_charge_at_immigrate',
    mode: 0o644,
    show: (c) => `${c.cg.moveChargeAtImmigrate}\n`,
    write: (c, input) => {
      const v = u64Value(input);
      if (v & ~3n) fail('EINVAL', 'move_charge_at_immigrate is a 2-bit mask');
      // Departure: the model records the mask but never moves charges with a task.
      c.cg.moveChargeAtImmigrate = Number(v);
      c.env.k.generation++;
    },
  },
  {
    name: 'memory.oom_control',
    mode: 0o644,
    show: (c) =>
      `oom_kill_disable ${c.cg.oomKillDisable ? 1 : 0}\nunder_oom ${c.cg.underOom ? 1 : 0}\noom_kill ${u64(c.cg.events.oomKill)}\n`,
    write: (c, input) => {
      const v = u64Value(input);
      if (!c.cg.parent || (v !== 0n && v !== 1n)) fail('EINVAL', 'oom_kill_disable takes 0 or 1, not on the root');
      c.cg.oomKillDisable = v === 1n;
      c.env.k.generation++;
    },
  },
  {
    // Only usable through cgroup.event_control: no read or write handler of its own.
    name: 'memory.pressure_level',
    mode: 0o444,
  },
  {
    name: 'memory.numa_stat',
    mode: 0o444,
    show: (c) =>
      renderNumaStatV1(
        memcgStatLocal(c.env.k, c.cg),
        memcgStatHierarchical(c.env.k, c.cg),
        c.env.k.pageSize,
        c.env.k.config.nrNodes,
      ),
  },
  byName(KMEM, 'memory.kmem.limit_in_bytes'),
  byName(KMEM, 'memory.kmem.usage_in_bytes'),
  byName(KMEM, 'memory.kmem.failcnt'),
  byName(KMEM, 'memory.kmem.max_usage_in_bytes'),
  {
    // Departure: 5.9 emptied this file (the objcg controller has no per-memcg caches). We keep
    // it useful under both controllers: legacy lists the memcg's own child caches under their
    // root names; objcg shows per-cache counts from the obj_cgroup vectors, the numbers
    // tools/cgroup/memcg_slabinfo.py prints. Header only when there is at least one row.
    name: 'memory.kmem.slabinfo',
    mode: 0o444,
    show: (c) => renderMemcgSlabinfo(memcgSlabinfo(c.env.k, c.cg)),
  },
  byName(TCP, 'memory.kmem.tcp.limit_in_bytes'),
  byName(TCP, 'memory.kmem.tcp.usage_in_bytes'),
  byName(TCP, 'memory.kmem.tcp.failcnt'),
  byName(TCP, 'memory.kmem.tcp.max_usage_in_bytes'),
  // memsw_files[]
  byName(MEMSW, 'memory.memsw.usage_in_bytes'),
  byName(MEMSW, 'memory.memsw.max_usage_in_bytes'),
  byName(MEMSW, 'memory.memsw.limit_in_bytes'),
  byName(MEMSW, 'memory.memsw.failcnt'),
];
