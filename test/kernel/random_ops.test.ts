/**
 * Random mixes of what userspace can ask of the kernel — cgroups made and removed, tasks forked
 * and killed, objects, pages and files allocated and freed, limits, reclaim, time — on a machine
 * small enough to run out of memory, with some invalid arguments among them. Whatever happens,
 * the kernel throws nothing but KernelError and every invariant holds after every step.
 */
import { describe, expect, it } from 'vitest';
import {
  KernelError,
  Rng,
  cgroupAttach,
  cgroupMkdir,
  cgroupRmdir,
  cgroupSubtreeControl,
  checkInvariants,
  clockAdvance,
  dropCaches,
  findTask,
  flushDeferredWork,
  forEachCgroup,
  forEachTask,
  memcgReclaim,
  memcgSetLimit,
  taskAnonFault,
  taskAnonFree,
  taskCacheAlloc,
  taskClose,
  taskCloseFiles,
  taskCreateFile,
  taskCreateFiles,
  taskEpoll,
  taskExec,
  taskExit,
  taskFork,
  taskKfree,
  taskKmalloc,
  taskLookupMissing,
  taskMemfd,
  taskOpenFiles,
  taskPagecacheRead,
  taskPagecacheWrite,
  taskPipe,
  taskProcRead,
  taskSocket,
  taskSpawn,
  taskUnlink,
  taskUnlinkFiles,
} from '../../src/kernel/index.js';
import type { CgroupVersion, ControllerName, Kernel, MemCgroup, Task } from '../../src/kernel/index.js';
import { tinyKernel } from './helpers.js';

const SEEDS = [1, 2, 3];
const STEPS = 120;

/** Runs `steps` random operations; returns the first violation (a non-KernelError or a broken invariant), or null. */
function runRandomOps(controller: ControllerName, cgroupVersion: CgroupVersion, seed: number, steps: number): string | null {
  const k: Kernel = tinyKernel(controller, { cgroupVersion, seed });
  const rng = new Rng(seed);
  const int = (n: number): number => Math.floor(rng.next() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)];
  /** mostly modest counts, sometimes far more than the machine has, sometimes nonsense */
  const amount = (modest: number, huge: number): number => {
    const r = rng.next();
    if (r < 0.03) return pick([-1, 0.5, NaN, Infinity]);
    return r < 0.8 ? int(modest) : int(huge);
  };
  const online = (): MemCgroup[] => [...forEachCgroup(k)].filter((c) => c.online);
  const children = (): MemCgroup[] => online().filter((c) => c.parent);
  const users = (): Task[] => [...forEachTask(k)].filter((t) => !t.kthread && t.pid !== 1);
  const anyTask = (): Task => {
    const l = users();
    return l.length ? pick(l) : taskSpawn(k, k.rootMemcg, 'sh', { cpu: int(k.config.nrCpus) });
  };
  const kmallocs = new Map<number, number[]>();
  const handles = new Map<number, number[]>();
  const files: number[] = [];
  const remember = (m: Map<number, number[]>, t: Task, h: number): void => {
    m.set(t.tgid, [...(m.get(t.tgid) ?? []), h]);
  };
  const forget = (m: Map<number, number[]>): [Task, number] | null => {
    for (const [tgid, hs] of m) {
      const t = findTask(k, tgid);
      if (t && hs.length) return [t, hs.splice(int(hs.length), 1)[0]];
    }
    return null;
  };
  if (cgroupVersion === 'v2') cgroupSubtreeControl(k, k.rootMemcg, ['memory'], []);
  let names = 0;
  const ops: Array<[string, number, () => unknown]> = [
    ['mkdir', 4, () => {
      const c = cgroupMkdir(k, pick(online()), pick([`c${names++}`, `c${names}`, 'a/b', '']));
      if (cgroupVersion === 'v2' && rng.next() < 0.7) cgroupSubtreeControl(k, c, ['memory'], []);
    }],
    ['rmdir', 4, () => { const c = children(); if (c.length) cgroupRmdir(k, pick(c)); }],
    ['spawn', 3, () => taskSpawn(k, pick(online()), 'd', { cpu: int(k.config.nrCpus) })],
    ['fork', 2, () => taskFork(k, anyTask(), { thread: rng.next() < 0.3 })],
    ['exit', 3, () => { const l = users(); if (l.length) taskExit(k, pick(l)); }],
    ['attach', 3, () => cgroupAttach(k, pick(online()), anyTask().pid, pick(['process', 'thread'] as const))],
    ['exec', 1, () => taskExec(k, anyTask(), 'e')],
    ['kmalloc', 5, () => { const t = anyTask(); remember(kmallocs, t, taskKmalloc(k, t, amount(3000, 40000), { account: rng.next() < 0.7, reclaimable: rng.next() < 0.2 })); }],
    ['kfree', 3, () => { const f = forget(kmallocs); if (f) taskKfree(k, f[0], f[1]); }],
    ['cache_alloc', 3, () => taskCacheAlloc(k, anyTask(), pick(['dentry', 'filp', 'task_struct', 'kmalloc-64', 'radix_tree_node', 'no_such_cache']))],
    ['anon', 5, () => taskAnonFault(k, anyTask(), amount(2000, 60000))],
    ['anon_free', 2, () => taskAnonFree(k, anyTask(), amount(2000, 60000))],
    ['read', 3, () => taskPagecacheRead(k, anyTask(), amount(2000, 40000), { fs: pick(['ext4', 'xfs'] as const) })],
    ['write', 2, () => taskPagecacheWrite(k, anyTask(), amount(1000, 20000), { fs: pick(['ext4', 'xfs'] as const), cached: rng.next() < 0.3 })],
    ['lookup', 2, () => taskLookupMissing(k, anyTask(), amount(300, 3000), pick([8, 40, 0, 300]))],
    ['create_files', 2, () => taskCreateFiles(k, anyTask(), amount(200, 2000), 12, pick(['ext4', 'xfs', 'tmpfs', 'proc', 'sysfs'] as const))],
    ['unlink_files', 1, () => taskUnlinkFiles(k, anyTask(), amount(100, 1000))],
    ['create_file', 2, () => files.push(taskCreateFile(k, anyTask(), { fs: pick(['ext4', 'xfs', 'tmpfs'] as const) }))],
    ['unlink', 1, () => taskUnlink(k, anyTask(), files.length ? files.splice(int(files.length), 1)[0] : 12345)],
    ['file_read', 2, () => taskPagecacheRead(k, anyTask(), amount(500, 5000), { file: files.length ? pick(files) : 12345 })],
    ['open', 2, () => taskOpenFiles(k, anyTask(), amount(100, 1000))],
    ['close', 1, () => taskCloseFiles(k, anyTask(), amount(100, 1000))],
    ['socket', 1, () => taskSocket(k, anyTask(), amount(50, 300), pick(['tcp', 'udp', 'unix', 'tcp6'] as const))],
    ['memfd', 1, () => { const t = anyTask(); remember(handles, t, taskMemfd(k, t, amount(500, 5000))); }],
    ['epoll', 1, () => { const t = anyTask(); remember(handles, t, taskEpoll(k, t, amount(20, 100))); }],
    ['close_handle', 1, () => { const f = forget(handles); if (f) taskClose(k, f[0], f[1]); }],
    ['proc_read', 1, () => taskProcRead(k, anyTask(), amount(20, 100))],
    ['pipe', 1, () => taskPipe(k, anyTask(), amount(10, 50))],
    ['limit', 2, () => {
      const c = children();
      if (c.length) memcgSetLimit(k, pick(c), 'memory', pick(['max', 'high'] as const), rng.next() < 0.3 ? Infinity : int(30000));
    }],
    ['reclaim', 1, () => { const c = children(); if (c.length) memcgReclaim(k, pick(c), int(10000)); }],
    ['drop_caches', 1, () => dropCaches(k, int(5))],
    ['advance', 3, () => clockAdvance(k, int(20e9))],
    ['flush', 1, () => flushDeferredWork(k)],
  ];
  const total = ops.reduce((a, o) => a + o[1], 0);
  for (let step = 0; step < steps; step++) {
    let x = rng.next() * total;
    const op = ops.find((o) => (x -= o[1]) < 0) ?? ops[0];
    try {
      op[2]();
    } catch (e) {
      if (!(e instanceof KernelError)) return `step ${step} (${op[0]}): ${e instanceof Error ? e.stack : String(e)}`;
    }
    const bad = checkInvariants(k);
    if (bad.length) return `step ${step} (${op[0]}): ${bad.slice(0, 3).join('; ')}`;
  }
  return null;
}

describe.each(['objcg', 'legacy', 'none'] as ControllerName[])('random operations on a tiny machine (%s)', (controller) => {
  it.each(SEEDS)('seed %i: only KernelErrors, invariants after every step', (seed) => {
    // odd seeds on cgroup v2, even ones on v1 (its kmem counter and its rules)
    expect(runRandomOps(controller, seed % 2 ? 'v2' : 'v1', seed, STEPS)).toBeNull();
  });
});
