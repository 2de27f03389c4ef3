/**
 * The control commands that drive the simulation from a shell (memcgfs/ctl), as one table:
 * name, argument synopsis, help text and the function that runs it against the kernel API.
 * `help` and docs/control.md render from this table. Each command either succeeds and returns
 * its reply, or throws a KernelError and leaves the kernel as it was.
 *
 * Replies: "pid N" (spawn, fork), "handle H ..." (allocations), "ok N" (activities: how many
 * objects or pages the task actually got or released), "ok" otherwise.
 */
import {
  checkInvariants,
  clockAdvance,
  fail,
  flushDeferredWork,
  taskAnonFault,
  taskAnonFree,
  taskCacheAlloc,
  taskCacheFree,
  taskCloseFiles,
  taskCreateFiles,
  taskExit,
  taskFork,
  taskKfree,
  taskKmalloc,
  taskLookupMissing,
  taskMigrateCpu,
  taskOpenFiles,
  taskPagecacheRead,
  taskSocket,
  taskSpawn,
  taskUnlinkFiles,
  type Kernel,
} from '../kernel/index.js';
import { parseCgroup, parseComm, parseCount, parseHandle, parseSecondsToNs, parseSize, parseTask } from './args.js';

/** Runs a named workload (src/workloads' runWorkload; injectable for tests). */
export type WorkloadRunner = (k: Kernel, name: string) => unknown;

export interface ControlDeps {
  /** The workload registry; null when the tree was built without one. */
  workloads: WorkloadRunner | null;
}

export interface ControlCommand {
  readonly name: string;
  /** Argument synopsis, e.g. "PID COUNT [NAMELEN]". */
  readonly args: string;
  readonly help: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  run(k: Kernel, argv: readonly string[], deps: ControlDeps): string;
}

/** Default name length of negative dentries: kselftest alloc_dcache uses 109-byte names. */
const DEFAULT_NAMELEN = 109;

/** Runs `alloc` `count` times; on failure frees what was allocated, then rethrows. */
function allocMany(count: number, alloc: () => number, free: (h: number) => void): number[] {
  const handles: number[] = [];
  try {
    for (let i = 0; i < count; i++) handles.push(alloc());
  } catch (e) {
    for (const h of handles.reverse()) free(h);
    throw e;
  }
  return handles;
}

function handleReply(handles: number[]): string {
  return `handle ${handles.join(' ')}`;
}

/** kmalloc flags after COUNT: account | noaccount, reclaimable. */
function kmallocFlags(words: readonly string[]): { account?: boolean; reclaimable?: boolean } {
  const opts: { account?: boolean; reclaimable?: boolean } = {};
  for (const w of words) {
    if (w === 'account') opts.account = true;
    else if (w === 'noaccount') opts.account = false;
    else if (w === 'reclaimable') opts.reclaimable = true;
    else fail('EINVAL', `unknown kmalloc flag ${JSON.stringify(w)}`);
  }
  return opts;
}

export const CONTROL_COMMANDS: readonly ControlCommand[] = [
  {
    name: 'spawn',
    args: 'CGROUP_PATH [COMM]',
    help: 'start a new process in the cgroup (path as in /proc/<pid>/cgroup, e.g. /a/b); replies "pid N"',
    minArgs: 1,
    maxArgs: 2,
    run(k, [path, comm]) {
      const cg = parseCgroup(k, path);
      const t = taskSpawn(k, cg, parseComm(comm ?? 'sh'));
      return `pid ${t.pid}`;
    },
  },
  {
    name: 'fork',
    args: 'PID [thread] [COMM]',
    help: 'fork the task (or create a thread with "thread") in the same cgroup; replies "pid N"',
    minArgs: 1,
    maxArgs: 3,
    run(k, [pid, a, b]) {
      const parent = parseTask(k, pid);
      const thread = a === 'thread';
      const comm = thread ? b : a;
      if (!thread && b !== undefined) fail('EINVAL', 'usage: fork PID [thread] [COMM]');
      const t = taskFork(k, parent, { thread, ...(comm !== undefined ? { comm: parseComm(comm) } : {}) });
      return `pid ${t.pid}`;
    },
  },
  {
    name: 'exit',
    args: 'PID',
    help: 'end the task (a thread-group leader takes its threads with it)',
    minArgs: 1,
    maxArgs: 1,
    run(k, [pid]) {
      const t = parseTask(k, pid);
      if (t.kthread) fail('EINVAL', 'kernel threads do not exit');
      taskExit(k, t);
      return 'ok';
    },
  },
  {
    name: 'migrate',
    args: 'PID CPU',
    help: 'move the task to another CPU (its next allocations use that CPU\'s caches and stock)',
    minArgs: 2,
    maxArgs: 2,
    run(k, [pid, cpu]) {
      taskMigrateCpu(k, parseTask(k, pid), parseCount(cpu, 'CPU'));
      return 'ok';
    },
  },
  {
    name: 'dentries',
    args: 'PID COUNT [NAMELEN]',
    help: `look up COUNT missing names (negative dentries; names >= 32 bytes also allocate an external name); NAMELEN defaults to ${DEFAULT_NAMELEN} like kselftest alloc_dcache`,
    minArgs: 2,
    maxArgs: 3,
    run(k, [pid, count, nameLen]) {
      const t = parseTask(k, pid);
      const n = taskLookupMissing(k, t, parseCount(count, 'COUNT'), nameLen === undefined ? DEFAULT_NAMELEN : parseCount(nameLen, 'NAMELEN'));
      return `ok ${n}`;
    },
  },
  {
    name: 'files',
    args: 'PID COUNT',
    help: 'create COUNT files (dentry + inode + page cache tree nodes)',
    minArgs: 2,
    maxArgs: 2,
    run(k, [pid, count]) {
      return `ok ${taskCreateFiles(k, parseTask(k, pid), parseCount(count, 'COUNT'))}`;
    },
  },
  {
    name: 'unlink',
    args: 'PID COUNT',
    help: 'unlink up to COUNT of the files the task created',
    minArgs: 2,
    maxArgs: 2,
    run(k, [pid, count]) {
      return `ok ${taskUnlinkFiles(k, parseTask(k, pid), parseCount(count, 'COUNT'))}`;
    },
  },
  {
    name: 'open',
    args: 'PID COUNT',
    help: 'open COUNT files (struct file held until close or exit)',
    minArgs: 2,
    maxArgs: 2,
    run(k, [pid, count]) {
      return `ok ${taskOpenFiles(k, parseTask(k, pid), parseCount(count, 'COUNT'))}`;
    },
  },
  {
    name: 'close',
    args: 'PID COUNT',
    help: 'close up to COUNT of the task\'s open files',
    minArgs: 2,
    maxArgs: 2,
    run(k, [pid, count]) {
      return `ok ${taskCloseFiles(k, parseTask(k, pid), parseCount(count, 'COUNT'))}`;
    },
  },
  {
    name: 'socket',
    args: 'PID COUNT tcp|udp|unix',
    help: 'create COUNT sockets of the protocol',
    minArgs: 3,
    maxArgs: 3,
    run(k, [pid, count, proto]) {
      if (proto !== 'tcp' && proto !== 'udp' && proto !== 'unix') fail('EINVAL', 'protocol is tcp, udp or unix');
      return `ok ${taskSocket(k, parseTask(k, pid), parseCount(count, 'COUNT'), proto)}`;
    },
  },
  {
    name: 'kmalloc',
    args: 'PID SIZE [COUNT] [account|noaccount] [reclaimable]',
    help: 'kmalloc COUNT (default 1) objects of SIZE bytes (K/M suffixes allowed); replies "handle H ..."',
    minArgs: 2,
    maxArgs: 5,
    run(k, [pid, size, count, ...flags]) {
      const t = parseTask(k, pid);
      const bytes = parseSize(size, 'SIZE');
      let n = 1;
      let rest = flags;
      if (count !== undefined && /^[0-9]/.test(count)) n = parseCount(count, 'COUNT');
      else if (count !== undefined) rest = [count, ...flags];
      const opts = kmallocFlags(rest);
      return handleReply(allocMany(n, () => taskKmalloc(k, t, bytes, opts), (h) => taskKfree(k, t, h)));
    },
  },
  {
    name: 'kfree',
    args: 'PID HANDLE',
    help: 'free an object the task kmalloc\'ed',
    minArgs: 2,
    maxArgs: 2,
    run(k, [pid, handle]) {
      taskKfree(k, parseTask(k, pid), parseHandle(handle));
      return 'ok';
    },
  },
  {
    name: 'cache_alloc',
    args: 'PID CACHE [COUNT]',
    help: 'allocate COUNT (default 1) objects from the named slab cache; replies "handle H ..."',
    minArgs: 2,
    maxArgs: 3,
    run(k, [pid, cache, count]) {
      const t = parseTask(k, pid);
      const n = count === undefined ? 1 : parseCount(count, 'COUNT');
      return handleReply(allocMany(n, () => taskCacheAlloc(k, t, cache!), (h) => taskCacheFree(k, t, h)));
    },
  },
  {
    name: 'cache_free',
    args: 'PID HANDLE',
    help: 'free an object the task allocated with cache_alloc',
    minArgs: 2,
    maxArgs: 2,
    run(k, [pid, handle]) {
      taskCacheFree(k, parseTask(k, pid), parseHandle(handle));
      return 'ok';
    },
  },
  {
    name: 'anon',
    args: 'PID PAGES',
    help: 'fault in PAGES anonymous pages',
    minArgs: 2,
    maxArgs: 2,
    run(k, [pid, pages]) {
      return `ok ${taskAnonFault(k, parseTask(k, pid), parseCount(pages, 'PAGES'))}`;
    },
  },
  {
    name: 'anon_free',
    args: 'PID PAGES',
    help: 'unmap up to PAGES of the task\'s anonymous pages',
    minArgs: 2,
    maxArgs: 2,
    run(k, [pid, pages]) {
      return `ok ${taskAnonFree(k, parseTask(k, pid), parseCount(pages, 'PAGES'))}`;
    },
  },
  {
    name: 'pagecache',
    args: 'PID PAGES',
    help: 'read PAGES pages of a file into the page cache',
    minArgs: 2,
    maxArgs: 2,
    run(k, [pid, pages]) {
      return `ok ${taskPagecacheRead(k, parseTask(k, pid), parseCount(pages, 'PAGES'))}`;
    },
  },
  {
    name: 'advance',
    args: 'SECONDS',
    help: 'advance the virtual clock (timers and deferred work that fall due run); fractions allowed',
    minArgs: 1,
    maxArgs: 1,
    run(k, [seconds]) {
      clockAdvance(k, parseSecondsToNs(seconds));
      return 'ok';
    },
  },
  {
    name: 'flush',
    args: '',
    help: 'run every queued work item and RCU callback now',
    minArgs: 0,
    maxArgs: 0,
    run(k) {
      flushDeferredWork(k);
      return 'ok';
    },
  },
  {
    name: 'workload',
    args: 'NAME',
    help: 'run a named workload scenario (src/workloads)',
    minArgs: 1,
    maxArgs: 1,
    run(k, [name], deps) {
      if (!deps.workloads) fail('ENOENT', 'no workloads are available');
      deps.workloads(k, name!);
      return 'ok';
    },
  },
  {
    name: 'check',
    args: '',
    help: 'check the kernel\'s invariants; replies "ok" or one violation per line',
    minArgs: 0,
    maxArgs: 0,
    run(k) {
      const v = checkInvariants(k);
      return v.length === 0 ? 'ok' : v.join('\n');
    },
  },
  {
    name: 'help',
    args: '',
    help: 'list the commands',
    minArgs: 0,
    maxArgs: 0,
    run() {
      return renderHelp().trimEnd();
    },
  },
];

const BY_NAME = new Map(CONTROL_COMMANDS.map((c) => [c.name, c]));

/** One line per command: "name ARGS  help". */
export function renderHelp(): string {
  let s = '';
  for (const c of CONTROL_COMMANDS) {
    const usage = c.args ? `${c.name} ${c.args}` : c.name;
    s += `${usage.padEnd(54)} ${c.help}\n`;
  }
  return s;
}

/**
 * The command table as Markdown, embedded in docs/control.md between the commands markers
 * (a test keeps them equal). Regenerate with:
 *   npx tsx -e "import('./src/control/commands.ts').then((m) => process.stdout.write(m.renderCommandTableMarkdown()))"
 */
export function renderCommandTableMarkdown(): string {
  let s = '| command | reply | what it does |\n|---|---|---|\n';
  for (const c of CONTROL_COMMANDS) {
    const usage = c.args ? `${c.name} ${c.args}` : c.name;
    const cell = (text: string): string => text.replace(/\|/g, '\\|');
    s += `| \`${cell(usage)}\` | ${replyOf(c.name)} | ${cell(c.help)} |\n`;
  }
  return s;
}

function replyOf(name: string): string {
  if (name === 'spawn' || name === 'fork') return '`pid N`';
  if (name === 'kmalloc' || name === 'cache_alloc') return '`handle H ...`';
  if (['dentries', 'files', 'unlink', 'open', 'close', 'socket', 'anon', 'anon_free', 'pagecache'].includes(name)) return '`ok N`';
  if (name === 'check') return '`ok` or violations';
  if (name === 'help') return 'this list';
  return '`ok`';
}

/**
 * Executes one command line (surrounding whitespace ignored; exactly one line). Returns the
 * reply text, newline-terminated; throws KernelError on failure.
 */
export function executeControlCommand(k: Kernel, line: string, deps: ControlDeps): string {
  const text = line.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
  if (text === '') fail('EINVAL', 'empty command');
  if (text.includes('\n')) fail('EINVAL', 'one command per write');
  const argv = text.split(/[ \t]+/);
  const cmd = BY_NAME.get(argv[0]!);
  if (!cmd) fail('EINVAL', `unknown command ${JSON.stringify(argv[0])} (try "help")`);
  const args = argv.slice(1);
  if (args.length < cmd.minArgs || args.length > cmd.maxArgs) {
    fail('EINVAL', `usage: ${cmd.name}${cmd.args ? ` ${cmd.args}` : ''}`);
  }
  return `${cmd.run(k, args, deps)}\n`;
}
