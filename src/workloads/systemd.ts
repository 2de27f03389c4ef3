/**
 * Userspace as systemd runs it: a unit is a cgroup (system.slice/<name>.service,
 * user.slice/user-1000.slice/user@1000.service/<name>.service, session scopes...), created with
 * mkdir -p and, on cgroup v2, with "+memory" written to every parent's cgroup.subtree_control.
 * PID 1 lives in init.scope and forks every service there — so copy_process charges the new
 * task's task_struct, cred, signal, mm... to init.scope — then the child joins its unit's
 * cgroup and execs, so everything from the exec on (the new mm, library mappings, file
 * lookups) is charged to the unit. This file holds that machinery and the behaviour of a
 * program's life (exec and library loading, threads, sockets, helpers, periodic wakeups) that
 * the scenario files compose.
 */
import {
  cgroupAttach,
  cgroupByPath,
  cgroupMkdir,
  cgroupRmdir,
  cgroupSubtreeControl,
  taskAnonFault,
  taskCacheAlloc,
  taskCloseFiles,
  taskExec,
  taskExit,
  taskFork,
  taskKfree,
  taskKmalloc,
  taskLookupMissing,
  taskOpenFiles,
  taskSocket,
  taskCloseSockets,
  findTask,
} from '../kernel/index.js';
import type { MemCgroup, Task } from '../kernel/index.js';
import type { WorkloadContext } from './types.js';
import type { Actor } from './sim.js';
import { MS } from './sim.js';
import { FileSet } from './files.js';
import { placeTask, wakeTask } from './sched.js';
import type { WorkloadRng } from './rng.js';

/** The file trees a distribution host has (sizes: a Fedora 31 install, see boot.ts). */
export interface HostFiles {
  /** /usr/lib64 and friends: shared objects, mapped by every program */
  readonly libs: FileSet;
  /** /usr/share: icons, fonts, locale, schemas, python modules */
  readonly share: FileSet;
  /** /etc: configuration */
  readonly etc: FileSet;
  /** /sys: walked by udev at coldplug and read by daemons */
  readonly sys: FileSet;
  /** /home/user: documents indexed by the desktop search */
  readonly home: FileSet;
}

/** What exec of a program does, beyond the kernel's fresh mm. */
export interface ProgramSpec {
  readonly comm: string;
  /** shared objects mapped (ldd | wc -l); each is a lookup, its pages, and ~4 VMAs */
  readonly libs: number;
  /** data files looked up and read at startup, and from which tree */
  readonly dataFiles: number;
  readonly dataSet?: keyof HostFiles;
  /** names probed that do not exist (config fallbacks, search paths): negative dentries */
  readonly negLookups: number;
  /** anonymous memory touched (heap, stacks), KiB */
  readonly anonKb: number;
}

/** VMAs per mapped shared object: text, rodata, data, bss/relro. */
const VMAS_PER_LIB = 4;

export class SystemdHost {
  readonly ctx: WorkloadContext;
  readonly files: HostFiles;
  readonly init: Task;
  readonly initScope: MemCgroup;

  constructor(ctx: WorkloadContext, files: HostFiles) {
    this.ctx = ctx;
    this.files = files;
    this.initScope = this.mkdirP('/init.scope');
    this.mkdirP('/system.slice');
    this.mkdirP('/user.slice');
    this.init = findTask(ctx.k, 1)!;
    cgroupAttach(ctx.k, this.initScope, 1, 'process');
  }

  /** mkdir -p of a unit's cgroup, enabling the memory controller on the way down (v2). */
  mkdirP(path: string): MemCgroup {
    const k = this.ctx.k;
    let cg = k.rootMemcg;
    for (const part of path.split('/').filter(Boolean)) {
      if (k.cgroupVersion === 'v2' && !cg.subtreeControl.has('memory')) cgroupSubtreeControl(k, cg, ['memory'], []);
      const next: MemCgroup | undefined = cg.children.find((c) => c.online && c.name === part);
      cg = next ?? cgroupMkdir(k, cg, part);
    }
    return cg;
  }

  /** A unit's cgroup goes away when the unit stops (systemd removes empty unit cgroups). */
  removeUnit(cg: MemCgroup): void {
    if (cg.online) cgroupRmdir(this.ctx.k, cg);
  }

  /**
   * systemd starts a process for a unit: PID 1 forks on the CPU it runs on (charged to
   * init.scope), the child moves itself into the unit's cgroup and execs the program.
   */
  *spawn(unit: MemCgroup | string, prog: ProgramSpec, migrate = 0.5): Generator<number, Task, void> {
    const cg = typeof unit === 'string' ? this.mkdirP(unit) : unit;
    wakeTask(this.ctx, this.init, migrate);
    const t = taskFork(this.ctx.k, this.init, { comm: prog.comm });
    cgroupAttach(this.ctx.k, cg, t.pid, 'process');
    yield* execProgram(this.ctx, this.files, t, prog, migrate);
    return t;
  }

  cgroup(path: string): MemCgroup | undefined {
    return cgroupByPath(this.ctx.k, path);
  }
}

/** Files handled between two yields of a long run of lookups. */
const LOOKUP_CHUNK = 32;
/** Time to look up and read one file that is not cached (metadata + data from an SSD). */
const COLD_FILE_NS = 60_000;

/**
 * `count` lookups (and reads) in `set` by `t`, spread over time: a program reading thousands of
 * files blocks on I/O and wakes again — on whichever CPU the scheduler picks — many times.
 */
export function* touchFiles(ctx: WorkloadContext, set: FileSet, t: Task, count: number, migrate: number, read = true): Actor {
  for (let done = 0; done < count && !t.exited; done += LOOKUP_CHUNK) {
    const n = Math.min(LOOKUP_CHUNK, count - done);
    const fresh = set.touch(ctx, t, n, read);
    if (done + n < count) {
      yield Math.max(1000, fresh * COLD_FILE_NS);
      wakeTask(ctx, t, migrate);
    }
  }
}

/**
 * execve() and the dynamic loader's work: the task is balanced to a CPU (sched_exec), gets a
 * fresh mm, maps its libraries (lookups, page cache, VMAs with anon_vmas for the writable
 * segments), probes missing paths, reads its data files and touches its heap.
 */
export function* execProgram(ctx: WorkloadContext, files: HostFiles, t: Task, prog: ProgramSpec, migrate = 0.5): Actor {
  const k = ctx.k;
  placeTask(ctx, t);
  taskExec(k, t, prog.comm);
  if (prog.libs > 0) {
    yield* touchFiles(ctx, files.libs, t, prog.libs, migrate);
    for (let i = 0; i < prog.libs * VMAS_PER_LIB && !t.exited; i++) taskCacheAlloc(k, t, 'vm_area_struct');
    for (let i = 0; i < prog.libs && !t.exited; i++) {
      taskCacheAlloc(k, t, 'anon_vma');
      taskCacheAlloc(k, t, 'anon_vma_chain');
    }
  }
  if (prog.negLookups > 0 && !t.exited) taskLookupMissing(k, t, prog.negLookups, 20);
  if (prog.dataFiles > 0 && !t.exited) yield* touchFiles(ctx, files[prog.dataSet ?? 'share'], t, prog.dataFiles, migrate);
  const pages = Math.ceil((prog.anonKb * 1024) / k.pageSize);
  if (pages > 0 && !t.exited) taskAnonFault(k, t, pages);
}

/** A process forks a child that execs `prog` (a helper, a compiler pass, a shell command). */
export function* forkExec(ctx: WorkloadContext, files: HostFiles, parent: Task, prog: ProgramSpec, migrate = 0.5): Generator<number, Task, void> {
  const child = taskFork(ctx.k, parent, { comm: prog.comm });
  yield* execProgram(ctx, files, child, prog, migrate);
  return child;
}

/**
 * Reading a /proc or /sys file: open (a struct file), seq_file's buffer (kvmalloc of a page,
 * GFP_KERNEL_ACCOUNT), close. Daemons and monitors do this on many wakeups.
 */
export function readProcFile(ctx: WorkloadContext, t: Task): void {
  const k = ctx.k;
  if (t.exited) return;
  taskOpenFiles(k, t, 1);
  const buf = taskKmalloc(k, t, 4096, { account: true });
  taskKfree(k, t, buf);
  taskCloseFiles(k, t, 1);
}

/** What a long-running daemon is made of. */
export interface DaemonSpec extends ProgramSpec {
  /** threads besides the main one */
  readonly threads: number;
  /** AF_UNIX sockets held (journald stream, D-Bus, its own listening sockets) */
  readonly unixSockets: number;
  /** inet sockets held */
  readonly tcpSockets?: number;
  readonly udpSockets?: number;
  /** files held open (logs, databases, inotify, eventfds...) */
  readonly openFiles: number;
  /** short-lived child processes run at startup (ExecStartPre=, scripts, helpers) */
  readonly helpers: number;
  readonly helper?: ProgramSpec;
  /** steady state: mean time between wakeups, ms */
  readonly wakeMs: number;
  /** probability that a wakeup reads a /proc or /sys file */
  readonly procReadProb: number;
  /** probability that a wakeup serves a new client connection (accept, talk, close) */
  readonly connProb?: number;
}

/** A small helper program (a shell script's commands, udev's *_id helpers). */
export const SMALL_HELPER: ProgramSpec = { comm: 'helper', libs: 6, dataFiles: 4, dataSet: 'etc', negLookups: 4, anonKb: 256 };

/**
 * A daemon's life: started by systemd, it maps its libraries, reads its configuration, runs
 * its helpers (each a fork + exec + exit inside the unit), creates its threads and sockets, then
 * sleeps and wakes — on whichever CPU the scheduler picks — until loop time `untilNs`. Then it
 * either keeps running (the workload ends with it alive) or exits and its unit is removed.
 */
export function* daemon(
  host: SystemdHost,
  unit: string,
  spec: DaemonSpec,
  rng: WorkloadRng,
  opts: { migrate: number; untilNs: number; exitAtEnd?: boolean },
): Actor {
  const ctx = host.ctx;
  const k = ctx.k;
  const cg = host.mkdirP(unit);
  const main = yield* host.spawn(cg, spec, opts.migrate);
  yield rng.around(20 * MS);
  for (let i = 0; i < spec.helpers; i++) {
    wakeTask(ctx, main, opts.migrate);
    const h = yield* forkExec(ctx, host.files, main, spec.helper ?? SMALL_HELPER, opts.migrate);
    yield rng.around(15 * MS);
    if (!h.exited) taskExit(k, h);
    yield rng.around(5 * MS);
  }
  const tasks: Task[] = [main];
  for (let i = 0; i < spec.threads; i++) {
    const th = taskFork(k, main, { thread: true });
    tasks.push(th);
    wakeTask(ctx, th, 1);
  }
  if (spec.unixSockets > 0) taskSocket(k, main, spec.unixSockets, 'unix');
  if (spec.tcpSockets) taskSocket(k, main, spec.tcpSockets, 'tcp');
  if (spec.udpSockets) taskSocket(k, main, spec.udpSockets, 'udp');
  if (spec.openFiles > 0) taskOpenFiles(k, main, spec.openFiles);
  for (;;) {
    const gap = rng.exp(spec.wakeMs * MS);
    if (ctx.loop.nowNs + gap >= opts.untilNs) break;
    yield gap;
    if (main.exited) return;
    const t = tasks[rng.int(tasks.length)];
    wakeTask(ctx, t, opts.migrate);
    if (rng.chance(spec.procReadProb)) readProcFile(ctx, t);
    if (spec.connProb && rng.chance(spec.connProb)) {
      taskSocket(k, t, 1, 'unix');
      taskCloseSockets(k, t, 1);
    }
  }
  if (opts.exitAtEnd) {
    yield Math.max(0, opts.untilNs - ctx.loop.nowNs);
    if (!main.exited) taskExit(k, main);
    host.removeUnit(cg);
  }
}

/**
 * A oneshot unit (systemd-tmpfiles-setup, a .mount unit's mount(8), a timer's job): its cgroup
 * is created, the program runs for `runMs`, forks `helpers` children, exits, and systemd
 * removes the now empty cgroup — which then lives on as a dying cgroup for as long as anything
 * it allocated pins it.
 */
export function* oneshot(
  host: SystemdHost,
  unit: string,
  prog: ProgramSpec,
  rng: WorkloadRng,
  opts: { runMs: number; helpers: number; migrate: number; helper?: ProgramSpec },
): Actor {
  const ctx = host.ctx;
  const cg = host.mkdirP(unit);
  const main = yield* host.spawn(cg, prog, opts.migrate);
  const slices = Math.max(1, opts.helpers);
  for (let i = 0; i < opts.helpers; i++) {
    yield rng.around((opts.runMs * MS) / (2 * slices));
    wakeTask(ctx, main, opts.migrate);
    const h = yield* forkExec(ctx, host.files, main, opts.helper ?? SMALL_HELPER, opts.migrate);
    yield rng.around((opts.runMs * MS) / (4 * slices));
    if (!h.exited) taskExit(ctx.k, h);
  }
  yield rng.around((opts.runMs * MS) / 4);
  if (!main.exited) taskExit(ctx.k, main);
  yield rng.around(2 * MS);
  host.removeUnit(cg);
}
