/**
 * The proc/ directory: the memory files (meminfo, slabinfo, vmstat, zoneinfo, cgroups,
 * kpagecgroup, kpageflags), sys/vm/drop_caches, and one directory per live process with
 * cgroup, comm, status and task/<tid>/ holding the same three files. Like procfs, readdir lists
 * thread-group leaders only, while lookup also finds any thread by its tid. Modes follow procfs:
 * directories dr-xr-xr-x, root-only files 0400, drop_caches 0200.
 */
import {
  cgroupNumCgroups,
  cgroupPath,
  dropCaches,
  findTask,
  forEachTask,
  kpagecgroupRead,
  kpageflagsRead,
  maxPfn,
  meminfo,
  nodeMeminfo,
  slabinfo,
  vmEvents,
  fail,
  type Task,
} from '../../kernel/index.js';
import type { TreeDeps, TreeEnv } from '../env.js';
import { PidSlot } from '../inode.js';
import { bindFile, childPath, indexTable, type DirNode, type FileDef, type Node } from '../node.js';
import { kstrtoint } from '../parse.js';
import { renderPidCgroup, renderProcCgroups } from './cgroups.js';
import { readPfnArray } from './kpage.js';
import { renderMeminfo } from './meminfo.js';
import { renderStatus } from './pid_status.js';
import { renderSlabinfo } from './slabinfo.js';
import { renderVmstat } from './vmstat.js';
import { renderZoneinfo } from './zoneinfo.js';

/** TASK_COMM_LEN - 1 */
const COMM_MAX = 15;

/** Files directly under proc/. */
export const PROC_FILES: readonly FileDef<TreeEnv>[] = [
  {
    name: 'cgroups',
    mode: 0o444,
    show: (e) => renderProcCgroups(e.version, cgroupNumCgroups(e.k)),
  },
  {
    name: 'kpagecgroup',
    mode: 0o400,
    readAt: (e, offset, length) => readPfnArray(offset, length, maxPfn(e.k), (s, n) => kpagecgroupRead(e.k, s, n)),
  },
  {
    name: 'kpageflags',
    mode: 0o400,
    readAt: (e, offset, length) => readPfnArray(offset, length, maxPfn(e.k), (s, n) => kpageflagsRead(e.k, s, n)),
  },
  {
    name: 'meminfo',
    mode: 0o444,
    show: (e) => renderMeminfo(meminfo(e.k), { pageSize: e.k.pageSize, memBytes: e.k.config.memBytes }),
  },
  {
    name: 'slabinfo',
    mode: 0o400,
    show: (e) => renderSlabinfo(slabinfo(e.k)),
    // SLUB has no tunables: slabinfo_write returns -EIO
    writeErrno: 'EIO',
  },
  {
    name: 'vmstat',
    mode: 0o444,
    show: (e) => renderVmstat(meminfo(e.k), vmEvents(e.k), e.k.pageSize),
  },
  {
    name: 'zoneinfo',
    mode: 0o444,
    show: (e) => {
      const nodes = [];
      for (let nid = 0; nid < e.k.config.nrNodes; nid++) nodes.push(nodeMeminfo(e.k, nid));
      return renderZoneinfo({
        nodes,
        wmarkLowPages: meminfo(e.k).wmarkLowPages,
        nrCpus: e.k.config.nrCpus,
        pageSize: e.k.pageSize,
        pgalloc: vmEvents(e.k).pgalloc,
      });
    },
  },
];

/** proc/sys/vm/ (only drop_caches is modelled). */
export const PROC_SYS_VM_FILES: readonly FileDef<TreeEnv>[] = [
  {
    name: 'drop_caches',
    mode: 0o200,
    // sysctl checks the mode bits even for root: reading a 0200 file is EACCES
    readErrno: 'EACCES',
    write: (e, input) => {
      let v: number;
      try {
        v = kstrtoint(input);
      } catch {
        fail('EINVAL', 'drop_caches takes 1..4');
      }
      if (v < 1 || v > 4) fail('EINVAL', 'drop_caches takes 1..4');
      dropCaches(e.k, v);
    },
  },
];

export interface PidCtx {
  readonly env: TreeEnv;
  readonly task: Task;
}

/** Files of /proc/<pid>/ and /proc/<pid>/task/<tid>/. */
export const PID_FILES: readonly FileDef<PidCtx>[] = [
  {
    name: 'cgroup',
    mode: 0o444,
    show: (c) => renderPidCgroup(c.env.version, cgroupPath(c.task.memcg)),
  },
  {
    name: 'comm',
    mode: 0o644,
    show: (c) => `${c.task.comm}\n`,
    write: (c, input) => {
      c.task.comm = Buffer.from(input, 'utf8').subarray(0, COMM_MAX).toString('utf8');
      c.env.k.generation++;
    },
  },
  {
    name: 'status',
    mode: 0o444,
    show: (c) => {
      const t = c.task;
      const k = c.env.k;
      return renderStatus({
        comm: t.comm,
        state: t.state,
        tgid: t.tgid,
        pid: t.pid,
        ppid: t.ppid,
        uid: t.uid,
        gid: t.gid,
        kthread: t.kthread,
        nrThreads: t.leader.threads.filter((x) => !x.exited).length,
        anonPages: t.leader.anonPages,
        filePages: t.leader.filePages,
        pageSize: k.pageSize,
        nrCpus: k.config.nrCpus,
        nrNodes: k.config.nrNodes,
        totalPages: Math.floor(k.config.memBytes / k.pageSize),
      });
    },
  },
];

const PROC_INDEX = indexTable(PROC_FILES);
const PID_INDEX = indexTable(PID_FILES);
const SYS_VM_INDEX = indexTable(PROC_SYS_VM_FILES);

function liveTask(env: TreeEnv, pid: number): Task | undefined {
  const t = findTask(env.k, pid);
  return t && !t.exited ? t : undefined;
}

/** A directory of fixed files bound to one context. */
function filesDir<C>(
  deps: TreeDeps,
  path: string,
  name: string,
  table: readonly FileDef<C>[],
  index: Map<string, FileDef<C>>,
  ctx: C,
  extra: { lookup?: (n: string) => Node | undefined; list?: () => Node[]; subdirCount?: () => number } = {},
): DirNode {
  const node = (def: FileDef<C>) =>
    bindFile(def, ctx, { path: childPath(path, def.name), ino: deps.inodes.intern(childPath(path, def.name)), fs: 'proc' });
  return {
    kind: 'dir',
    name,
    path,
    ino: deps.inodes.intern(path),
    mode: 0o555,
    fs: 'proc',
    subdirCount: extra.subdirCount,
    lookup(n) {
      const def = index.get(n);
      if (def) return node(def);
      return extra.lookup?.(n);
    },
    list() {
      return [...table.map(node), ...(extra.list?.() ?? [])];
    },
  };
}

/** /proc/<pid> (thread = false) or /proc/<pid>/task/<tid> (thread = true). */
function pidDir(deps: TreeDeps, path: string, task: Task, thread: boolean): DirNode {
  const ctx: PidCtx = { env: deps.env, task };
  const gone = () => (task.exited ? ('ESRCH' as const) : undefined);
  const slots: Record<string, PidSlot> = { cgroup: PidSlot.Cgroup, comm: PidSlot.Comm, status: PidSlot.Status };
  const file = (def: FileDef<PidCtx>): Node =>
    bindFile(def, ctx, {
      path: childPath(path, def.name),
      ino: deps.inodes.pidNode(task.pid, slots[def.name] ?? PidSlot.Dir, thread),
      fs: 'proc',
      gone,
    });
  const taskDir = (): DirNode => {
    const tpath = childPath(path, 'task');
    const threads = () => task.leader.threads.filter((t) => !t.exited);
    return {
      kind: 'dir',
      name: 'task',
      path: tpath,
      ino: deps.inodes.pidNode(task.pid, PidSlot.TaskDir, false),
      mode: 0o555,
      fs: 'proc',
      subdirCount: () => threads().length,
      lookup(n) {
        const t = threads().find((x) => String(x.pid) === n);
        return t ? pidDir(deps, childPath(tpath, n), t, true) : undefined;
      },
      list() {
        return threads().map((t) => pidDir(deps, childPath(tpath, String(t.pid)), t, true));
      },
    };
  };
  return {
    kind: 'dir',
    name: String(task.pid),
    path,
    ino: deps.inodes.pidNode(task.pid, PidSlot.Dir, thread),
    mode: 0o555,
    fs: 'proc',
    subdirCount: () => (thread ? 0 : 1),
    lookup(n) {
      const def = PID_INDEX.get(n);
      if (def) return file(def);
      if (!thread && n === 'task') return taskDir();
      return undefined;
    },
    list() {
      const out: Node[] = PID_FILES.map(file);
      if (!thread) out.push(taskDir());
      return out;
    },
  };
}

/** proc/ itself. */
export function procDir(deps: TreeDeps, path: string): DirNode {
  const sysDir = (): DirNode => {
    const sysPath = childPath(path, 'sys');
    const vmDir = (): DirNode =>
      filesDir(deps, childPath(sysPath, 'vm'), 'vm', PROC_SYS_VM_FILES, SYS_VM_INDEX, deps.env);
    return filesDir(deps, sysPath, 'sys', [], new Map(), deps.env, {
      lookup: (n) => (n === 'vm' ? vmDir() : undefined),
      list: () => [vmDir()],
    });
  };
  return filesDir(deps, path, 'proc', PROC_FILES, PROC_INDEX, deps.env, {
    lookup(n) {
      if (n === 'sys') return sysDir();
      if (!/^[1-9][0-9]*$/.test(n)) return undefined;
      const t = liveTask(deps.env, Number(n));
      return t ? pidDir(deps, childPath(path, n), t, false) : undefined;
    },
    subdirCount() {
      let n = 1;
      for (const t of forEachTask(deps.env.k)) if (!t.exited && t.pid === t.tgid) n++;
      return n;
    },
    list() {
      const out: Node[] = [sysDir()];
      for (const t of forEachTask(deps.env.k)) {
        if (t.exited || t.pid !== t.tgid) continue;
        out.push(pidDir(deps, childPath(path, String(t.pid)), t, false));
      }
      return out;
    },
  });
}
