/**
 * Userspace as systemd runs it: a unit is a cgroup (system.slice/<name>.service,
 * user.slice/user-1000.slice/user@1000.service/<name>.service, session scopes...), created with
 * mkdir -p and, on cgroup v2, with "+memory" written to every parent's cgroup.subtree_control.
 * PID 1 lives in init.scope and forks every service there — so copy_process charges the new
 * task's task_struct, cred, signal, mm... to init.scope — then the child joins its unit's
 * cgroup and execs, so everything from the exec on (the new mm, library mappings, file
 * lookups) is charged to the unit. This file holds that machinery and the behaviour of a
 * program's life (exec and library loading, threads, its event loop and the file descriptors
 * it holds, helpers, periodic wakeups that read /proc and sysfs) that the scenario files compose.
 *
 * A daemon's file descriptors follow from the event loop it is built on (what `ls -l
 * /proc/PID/fd` shows on Fedora 31 for each kind):
 *  - sd-event (libsystemd: journald, udevd, logind, machined, the user manager; dbus-broker's
 *    own loop is built the same way): an epoll instance watching every fd the daemon waits on,
 *    a signalfd (sd_event_add_signal) and a timerfd per clock it arms timers on (CLOCK_MONOTONIC
 *    and CLOCK_REALTIME/BOOTTIME: 2);
 *  - GLib (GMainLoop, GDBus: NetworkManager, polkitd, accounts-daemon, udisksd, the GNOME
 *    daemons): poll(), so no epoll objects; one eventfd per GMainContext that can be woken (the
 *    main context, the GDBus worker, GLib's worker "gmain": 3); GFileMonitor puts its watches
 *    on one inotify instance; g_spawn sets up a pipe per child to report exec errors;
 *  - epoll loops of their own (dbus-daemon, Xwayland's ospoll, cupsd, sssd's tevent, auditd's
 *    libev, httpd's event MPM): an epoll instance watching their sockets;
 *  - poll/select loops (sshd, chronyd, avahi, pulseaudio, cron): none of these objects.
 * The unit tables give the total number of non-socket descriptors; the loop's anonymous fds are
 * part of it, the rest are regular files. timerfd and eventfd contexts are kmalloc(GFP_KERNEL)
 * in 5.5 (not accounted); their files and pseudo dentries are (taskTimerfd, taskEventfd).
 * A daemon that serves local clients adds each accepted connection to its epoll instance when
 * its loop is an epoll (sd_event_add_io, dbus-daemon's and libwayland-server's loops:
 * epoll_ctl ADD) and removes it when the client goes (DEL); poll()-based loops (GLib's, the
 * poll daemons') only pass a longer array to poll().
 * Wayland clients (GTK 3 programs) hold shared-memory buffers as memfds (taskMemfd), see
 * DaemonIo.memfdKb.
 */
import {
  cgroupAttach,
  cgroupByPath,
  cgroupMkdir,
  cgroupRmdir,
  cgroupSubtreeControl,
  taskAnonFault,
  taskCacheAlloc,
  taskCreateFiles,
  taskEpoll,
  taskEpollCtl,
  taskEventfd,
  taskExec,
  taskExit,
  taskFork,
  taskInotify,
  taskLookupMissing,
  taskMemfd,
  taskOpenFiles,
  taskPipe,
  taskSignalfd,
  taskSocket,
  taskCloseSockets,
  taskTimerfd,
  findTask,
} from '../kernel/index.js';
import type { MemCgroup, Task } from '../kernel/index.js';
import type { WorkloadContext } from './types.js';
import type { Actor } from './sim.js';
import { MS } from './sim.js';
import { FileSet } from './files.js';
import { placeTask, runTask, wakeTask } from './sched.js';
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
  /** /proc: the global files (meminfo, stat, pressure, net, sys) and the per-process ones daemons read */
  readonly proc: FileSet;
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

/** The event loop a program is built on (see the header). */
export type MainLoopKind = 'sd-event' | 'glib' | 'epoll' | 'poll';

/** A daemon's descriptors beyond its AF_UNIX sockets and regular files. */
export interface DaemonIo {
  readonly loop: MainLoopKind;
  /** inotify watches (GFileMonitor, sd-journal, udev's "watch" option); 0 = no inotify instance */
  readonly inotify?: number;
  /** inet sockets held: listening on 0.0.0.0 and on :: (dual stack), client sockets */
  readonly tcp?: number;
  readonly udp?: number;
  readonly tcp6?: number;
  readonly udp6?: number;
  /** watches of a second epoll instance (libwayland-server's display loop inside gnome-shell) */
  readonly extraEpollWatches?: number;
  /** files the daemon creates on tmpfs (/run): state files, its database, pid files */
  readonly runFiles?: number;
  /** pipes set up for each helper it runs (output capture, exec error reporting); default from the loop */
  readonly helperPipes?: number;
  /** shared-memory files it holds (memfd_create: Wayland wl_shm pools), KiB each, all pages touched */
  readonly memfdKb?: readonly number[];
}

/** What each kind of loop holds: anonymous fds, and pipes per child it spawns. */
const LOOP_FDS: Record<MainLoopKind, { epoll: boolean; signalfds: number; timerfds: number; eventfds: number; helperPipes: number }> = {
  'sd-event': { epoll: true, signalfds: 1, timerfds: 2, eventfds: 0, helperPipes: 0 },
  glib: { epoll: false, signalfds: 0, timerfds: 0, eventfds: 3, helperPipes: 1 },
  epoll: { epoll: true, signalfds: 0, timerfds: 0, eventfds: 0, helperPipes: 0 },
  poll: { epoll: false, signalfds: 0, timerfds: 0, eventfds: 0, helperPipes: 0 },
};

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
 * CPU time of handling one file: the system calls the model performs for it (openat's path
 * walk, fstat, read, close: a few microseconds each on a 2019 core), not the program's own
 * processing of the data, which the workloads do not know.
 */
const FILE_CPU_NS = 10_000;

/**
 * `count` lookups (and reads) in `set` by `t`, spread over time: a program reading thousands of
 * files blocks on I/O and wakes again — on whichever CPU the scheduler picks — many times.
 */
export function* touchFiles(ctx: WorkloadContext, set: FileSet, t: Task, count: number, migrate: number, read = true): Actor {
  for (let done = 0; done < count && !t.exited; done += LOOKUP_CHUNK) {
    const n = Math.min(LOOKUP_CHUNK, count - done);
    const fresh = set.touch(ctx, t, n, read);
    runTask(ctx, t, n * FILE_CPU_NS);
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

/**
 * A process forks a child that execs `prog` (a helper, a compiler pass, a shell command).
 * `pipes` pipes are set up for it first, in the parent (pipe() before fork: the parent's CPU
 * and cgroup); the child holds them, and they go when it exits and the parent has read them.
 */
export function* forkExec(ctx: WorkloadContext, files: HostFiles, parent: Task, prog: ProgramSpec, migrate = 0.5, pipes = 0): Generator<number, Task, void> {
  const child = taskFork(ctx.k, parent, { comm: prog.comm });
  if (pipes > 0) taskPipe(ctx.k, child, pipes);
  yield* execProgram(ctx, files, child, prog, migrate);
  return child;
}

/** What a long-running daemon is made of. */
export interface DaemonSpec extends ProgramSpec {
  /** threads besides the main one */
  readonly threads: number;
  /** AF_UNIX sockets held (journald stream, D-Bus, its own listening sockets) */
  readonly unixSockets: number;
  /** non-socket descriptors held (ls -l /proc/PID/fd): the loop's anonymous fds, then regular files */
  readonly openFiles: number;
  /** its event loop, inet sockets, inotify watches, /run files */
  readonly io: DaemonIo;
  /** short-lived child processes run at startup (ExecStartPre=, scripts, helpers) */
  readonly helpers: number;
  readonly helper?: ProgramSpec;
  /** steady state: mean time between wakeups, ms */
  readonly wakeMs: number;
  /** probability that a wakeup reads a /proc file (or a sysfs attribute, for daemons that watch devices) */
  readonly procReadProb: number;
  /** probability that a wakeup serves a new client connection (accept, talk, close) */
  readonly connProb?: number;
}

/** A small helper program (a shell script's commands, udev's *_id helpers). */
export const SMALL_HELPER: ProgramSpec = { comm: 'helper', libs: 6, dataFiles: 4, dataSet: 'etc', negLookups: 4, anonKb: 256 };

/** The descriptors setupDaemonIo made that later calls refer to. */
export interface DaemonFds {
  /** the epoll instance its loop waits in (sd-event, an epoll loop), if any */
  readonly loopEpoll?: number;
  /** the second epoll instance (libwayland-server's display loop), if any */
  readonly extraEpoll?: number;
}

/**
 * The daemon sets up its event loop once its threads run: sockets, the loop's anonymous fds
 * (epoll watching everything it waits on, signalfd, timerfds, eventfds, inotify), its regular
 * files, its state files in /run and its shared-memory files.
 */
export function setupDaemonIo(ctx: WorkloadContext, main: Task, spec: DaemonSpec): DaemonFds {
  const k = ctx.k;
  const io = spec.io;
  const loop = LOOP_FDS[io.loop];
  const inet = (io.tcp ?? 0) + (io.udp ?? 0) + (io.tcp6 ?? 0) + (io.udp6 ?? 0);
  if (spec.unixSockets > 0) taskSocket(k, main, spec.unixSockets, 'unix');
  if (io.tcp) taskSocket(k, main, io.tcp, 'tcp');
  if (io.udp) taskSocket(k, main, io.udp, 'udp');
  if (io.tcp6) taskSocket(k, main, io.tcp6, 'tcp6');
  if (io.udp6) taskSocket(k, main, io.udp6, 'udp6');
  let anon = 0;
  if (loop.signalfds > 0) anon += taskSignalfd(k, main, loop.signalfds);
  if (loop.timerfds > 0 && !main.exited) anon += taskTimerfd(k, main, loop.timerfds);
  if (loop.eventfds > 0 && !main.exited) anon += taskEventfd(k, main, loop.eventfds);
  const inotify = io.inotify ?? 0;
  if (inotify > 0 && !main.exited) {
    taskInotify(k, main, inotify);
    anon++;
  }
  let loopEpoll: number | undefined;
  let extraEpoll: number | undefined;
  if (loop.epoll && !main.exited) {
    const waited = spec.unixSockets + inet + loop.signalfds + loop.timerfds + loop.eventfds + (inotify > 0 ? 1 : 0);
    loopEpoll = taskEpoll(k, main, waited);
    anon++;
  }
  if (io.extraEpollWatches && !main.exited) {
    extraEpoll = taskEpoll(k, main, io.extraEpollWatches);
    anon++;
  }
  for (const kb of io.memfdKb ?? []) {
    if (main.exited) break;
    taskMemfd(k, main, Math.ceil((kb * 1024) / k.pageSize), { nameLen: MEMFD_NAME_LEN });
    anon++;
  }
  const regular = spec.openFiles - anon;
  if (regular > 0 && !main.exited) taskOpenFiles(k, main, regular);
  if (io.runFiles && !main.exited) taskCreateFiles(k, main, io.runFiles, 16, 'tmpfs');
  return { loopEpoll, extraEpoll };
}

/** Length of a memfd's name ("wayland-cursor", "gdk-wayland"). */
const MEMFD_NAME_LEN = 14;

/**
 * A daemon's life: started by systemd, it maps its libraries, reads its configuration, runs
 * its helpers (each a fork + exec + exit inside the unit), creates its threads, sets up its
 * event loop and descriptors, then sleeps and wakes — on whichever CPU the scheduler picks —
 * until loop time `untilNs`, reading a /proc file (or a sysfs attribute) on some wakeups. Then
 * it either keeps running (the workload ends with it alive) or exits and its unit is removed.
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
  const helperPipes = spec.io.helperPipes ?? LOOP_FDS[spec.io.loop].helperPipes;
  for (let i = 0; i < spec.helpers; i++) {
    wakeTask(ctx, main, opts.migrate);
    const h = yield* forkExec(ctx, host.files, main, spec.helper ?? SMALL_HELPER, opts.migrate, helperPipes);
    yield rng.around(15 * MS);
    if (!h.exited) taskExit(k, h);
    yield rng.around(5 * MS);
  }
  const tasks: Task[] = [main];
  for (let i = 0; i < spec.threads; i++) {
    const th = taskFork(k, main, { thread: true });
    tasks.push(th);
    placeTask(ctx, th); // wake_up_new_task
  }
  const fds = setupDaemonIo(ctx, main, spec);
  // an accepted client joins the loop's epoll set; libwayland-server's loop (gnome-shell) is
  // where a GLib compositor's clients go
  const connEpoll = fds.loopEpoll ?? fds.extraEpoll;
  // daemons that watch devices read sysfs attributes; the others read /proc
  const readSet = spec.dataSet === 'sys' ? host.files.sys : host.files.proc;
  for (;;) {
    const gap = rng.exp(spec.wakeMs * MS);
    if (ctx.loop.nowNs + gap >= opts.untilNs) break;
    yield gap;
    if (main.exited) return;
    const t = tasks[rng.int(tasks.length)];
    wakeTask(ctx, t, opts.migrate);
    if (rng.chance(spec.procReadProb)) readSet.touch(ctx, t, 1, true);
    if (spec.connProb && rng.chance(spec.connProb)) {
      taskSocket(k, t, 1, 'unix');
      if (connEpoll !== undefined && !t.exited) {
        taskEpollCtl(k, t, connEpoll, 1);
        taskEpollCtl(k, t, connEpoll, -1);
      }
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
 * is created, the program runs for `runMs`, forks `helpers` children (each with `helperPipes`
 * pipes: a shell script's command substitution or pipeline), creates `runFiles` entries on
 * tmpfs (/run, /tmp: pinned in memory, charged to the unit), exits, and systemd removes the now
 * empty cgroup — which then lives on as a dying cgroup for as long as anything it allocated
 * pins it.
 */
export function* oneshot(
  host: SystemdHost,
  unit: string,
  prog: ProgramSpec,
  rng: WorkloadRng,
  opts: { runMs: number; helpers: number; migrate: number; helper?: ProgramSpec; helperPipes?: number; runFiles?: number },
): Actor {
  const ctx = host.ctx;
  const cg = host.mkdirP(unit);
  const main = yield* host.spawn(cg, prog, opts.migrate);
  if (opts.runFiles && !main.exited) taskCreateFiles(ctx.k, main, opts.runFiles, 16, 'tmpfs');
  const slices = Math.max(1, opts.helpers);
  for (let i = 0; i < opts.helpers; i++) {
    yield rng.around((opts.runMs * MS) / (2 * slices));
    wakeTask(ctx, main, opts.migrate);
    const h = yield* forkExec(ctx, host.files, main, opts.helper ?? SMALL_HELPER, opts.migrate, opts.helperPipes ?? 0);
    yield rng.around((opts.runMs * MS) / (4 * slices));
    if (!h.exited) taskExit(ctx.k, h);
  }
  yield rng.around((opts.runMs * MS) / 4);
  if (!main.exited) taskExit(ctx.k, main);
  yield rng.around(2 * MS);
  host.removeUnit(cg);
}
