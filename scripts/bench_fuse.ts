/**
 * FUSE read benchmark (`npm run bench:fuse -- [--json] [--seconds N] [--rounds N] [--cpu N] [--workload NAME]`).
 *
 * Measures open+read-to-EOF+close rates of one reader process on:
 *   meminfo     memcgfs proc/meminfo               (node bin/memcgfs.js mount, default workload)
 *   memoryStat  memcgfs memory.stat of a cgroup    (a child cgroup if there is one)
 *   bare        a bare fuse-native server returning constant text (same mount options)
 *   host        the host's /proc/meminfo
 * plus the time of `ls -l` on that cgroup directory and the daemon's RSS.
 *
 * The reader is a small C program compiled into a temp dir at run time (a Python loop if gcc is
 * missing): a Node reader's own overhead would dominate. It chdir()s into the file's directory
 * and opens the bare name, so every target costs one lookup per open whatever its depth. Targets
 * are measured in interleaved rounds and each rate is the median over rounds, which keeps slow
 * drifts of a shared 2-vCPU machine from favouring one target.
 *
 * --cpu N runs every server and the reader on CPU N (taskset): on a small VM, cross-CPU wakeups
 * dominate and swing from run to run with where the scheduler puts the threads; on one CPU the
 * rates measure what each request costs instead.
 *
 * Every server runs in its own process (this script runs itself with --serve-bare DIR for the
 * bare one) and every mount is removed on exit.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { detachMount, findMount, mountState, abortFuseConnection } from '../src/fuse/mountpoint.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TSX_IMPORT = path.join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');

const READER_C = String.raw`
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: reader FILE SECONDS\n"); return 2; }
  char *d = strdup(argv[1]), *b = strdup(argv[1]);
  const char *dir = dirname(d), *base = basename(b);
  if (chdir(dir)) { perror(dir); return 1; }
  double secs = atof(argv[2]), t0 = now(), end = t0 + secs, t;
  static char buf[131072];
  long n = 0;
  do {
    for (int i = 0; i < 10; i++) {
      int fd = open(base, O_RDONLY);
      if (fd < 0) { perror(argv[1]); return 1; }
      ssize_t r, got = 0;
      while ((r = read(fd, buf, sizeof buf)) > 0) got += r;
      if (r < 0) { perror("read"); return 1; }
      close(fd);
      if (got == 0) { fprintf(stderr, "%s: empty read\n", argv[1]); return 1; }
      n++;
    }
    t = now();
  } while (t < end);
  printf("%.1f\n", n / (t - t0));
  return 0;
}
`;

const READER_PY = `
import os, sys, time
path, secs = sys.argv[1], float(sys.argv[2])
os.chdir(os.path.dirname(path)); base = os.path.basename(path)
n = 0; t0 = time.monotonic(); end = t0 + secs
while True:
    for _ in range(10):
        fd = os.open(base, os.O_RDONLY)
        got = 0
        while True:
            b = os.read(fd, 131072)
            if not b: break
            got += len(b)
        os.close(fd)
        if got == 0: sys.exit(path + ': empty read')
        n += 1
    t = time.monotonic()
    if t >= end: break
print('%.1f' % (n / (t - t0)))
`;

interface Reader {
  command: string;
  prefix: string[];
  kind: 'C' | 'Python';
}

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: Math.ceil(timeoutMs), maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ ok: !err, stdout: String(stdout), stderr: String(stderr || (err && err.message) || '') }),
    );
  });
}

async function buildReader(tmp: string): Promise<Reader> {
  const src = path.join(tmp, 'reader.c');
  const bin = path.join(tmp, 'reader');
  await fsp.writeFile(src, READER_C);
  if ((await run('gcc', ['-O2', '-o', bin, src])).ok) return { command: bin, prefix: [], kind: 'C' };
  const py = path.join(tmp, 'reader.py');
  await fsp.writeFile(py, READER_PY);
  if ((await run('python3', ['-c', 'print(1)'])).ok) return { command: 'python3', prefix: [py], kind: 'Python' };
  throw new Error('neither gcc nor python3 is available to build the reader');
}

async function readRate(reader: Reader, file: string, seconds: number): Promise<number> {
  const r = await run(...pinned(reader.command, [...reader.prefix, file, String(seconds)]), (seconds + 30) * 1000);
  if (!r.ok) throw new Error(`reader failed on ${file}: ${r.stderr.trim()}`);
  return Number(r.stdout.trim());
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A FUSE server in a child process, up once it printed its ready line. */
interface Server {
  dir: string;
  child: ChildProcess;
  output: () => string;
}

const servers: Server[] = [];
/** Command prefix that pins a process to one CPU (--cpu), or nothing. */
let pinTo: string[] = [];

function pinned(cmd: string, args: string[]): [string, string[]] {
  return pinTo.length ? [pinTo[0], [...pinTo.slice(1), cmd, ...args]] : [cmd, args];
}

async function startServer(args: string[], dir: string, timeoutMs = 60_000): Promise<Server> {
  const [cmd, argv] = pinned(process.execPath, args);
  const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const server = { dir, child, output: () => out };
  servers.push(server);
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const check = () => {
      if (/mounted /.test(out)) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(/mounted /.test(out));
    });
  });
  if (!ready) {
    await stopServer(server);
    throw new Error(out.trim().split('\n').filter(Boolean).pop() ?? 'server did not start');
  }
  return server;
}

async function stopServer(s: Server): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) {
    s.child.kill('SIGTERM');
    const exited = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      s.child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!exited) s.child.kill('SIGKILL');
  }
  const state = await mountState(s.dir, 1000);
  if (state.kind === 'hung') await abortFuseConnection(state.entry);
  if (state.kind !== 'none') await detachMount(s.dir).catch(() => undefined);
}

/** --serve-bare DIR: the baseline, a raw fuse-native server with our mount options. */
async function serveBare(dir: string): Promise<void> {
  const require = createRequire(import.meta.url);
  const Fuse = require('fuse-native') as {
    new (mnt: string, ops: object, opts: object): {
      mount(cb: (err: Error | null) => void): void;
      unmount(cb: () => void): void;
    };
    ENOENT: number;
  };
  const text = Buffer.from(fs.readFileSync('/proc/meminfo'));
  const now = Date.now();
  const base = { uid: 0, gid: 0, size: 0, mtime: now, atime: now, ctime: now };
  const dirStat = { ...base, mode: 0o40755, nlink: 3 };
  const fileStat = { ...base, mode: 0o100444, nlink: 1 };
  type Cb = (...a: unknown[]) => void;
  const ops = {
    getattr(p: string, cb: Cb) {
      if (p === '/' || p === '/proc') return cb(0, dirStat);
      if (p === '/proc/meminfo') return cb(0, fileStat);
      cb(Fuse.ENOENT);
    },
    readdir(p: string, cb: Cb) {
      cb(0, p === '/' ? ['proc'] : ['meminfo']);
    },
    open(_p: string, _flags: number, cb: Cb) {
      cb(0, 42);
    },
    read(_p: string, _fd: number, buf: Buffer, len: number, pos: number, cb: Cb) {
      cb(pos >= text.length ? 0 : text.copy(buf, 0, pos, Math.min(text.length, pos + len)));
    },
    release(_p: string, _fd: number, cb: Cb) {
      cb(0);
    },
  };
  // the same caching as the memcgfs mount's defaults (attributes 1 s, names never), for a fair ratio
  class Bare extends Fuse {
    _fuseOptions(): string {
      return '-ofsname=bare,subtype=bare,default_permissions,direct_io,attr_timeout=1,entry_timeout=0,allow_other,auto_unmount';
    }
  }
  const fuse = new Bare(dir, ops, {});
  await new Promise<void>((resolve, reject) => fuse.mount((err) => (err ? reject(err) : resolve())));
  process.stdout.write(`bare: mounted ${dir}\n`);
  const stop = () => fuse.unmount(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** A cgroup directory with memory.stat: the first child cgroup, else the root. */
async function findCgroup(mnt: string): Promise<string | undefined> {
  for (const root of ['sys/fs/cgroup', 'sys/fs/cgroup/memory']) {
    const abs = path.join(mnt, root);
    let entries: fs.Dirent[];
    try {
      entries = await fsp.readdir(abs, { withFileTypes: true });
    } catch {
      continue;
    }
    const names = new Set(entries.map((e) => e.name));
    if (!names.has('memory.stat')) continue;
    for (const e of entries) {
      if (e.isDirectory() && (await fsp.access(path.join(abs, e.name, 'memory.stat')).then(() => true, () => false))) {
        return path.join(abs, e.name);
      }
    }
    return abs;
  }
  return undefined;
}

async function timeLs(dir: string, runs = 20): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await run('ls', ['-l', dir]);
    if (!r.ok) throw new Error(`ls -l ${dir}: ${r.stderr.trim()}`);
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function rssOf(pid: number): Promise<{ rssMb: number; hwmMb: number } | undefined> {
  try {
    const status = await fsp.readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

interface Target {
  key: 'host' | 'bare' | 'meminfo' | 'memoryStat';
  label: string;
  file?: string;
  unavailable?: string;
  rates: number[];
}

async function bench(opts: {
  json: boolean;
  seconds: number;
  rounds: number;
  workload: string;
  cpu?: number;
}): Promise<void> {
  if (opts.cpu !== undefined) pinTo = ['taskset', '-c', String(opts.cpu)];
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'memcgfs-bench-'));
  const log = (s: string) => {
    if (!opts.json) process.stderr.write(`${s}\n`);
  };
  const cleanup = async () => {
    for (const s of servers) await stopServer(s).catch(() => undefined);
    for (const s of servers) if (!(await findMount(s.dir))) await fsp.rmdir(s.dir).catch(() => undefined);
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => void cleanup().finally(() => process.exit(130)));
  }

  try {
    const reader = await buildReader(tmp);
    const bareDir = path.join(tmp, 'bare');
    const memDir = path.join(tmp, 'memcgfs');
    await fsp.mkdir(bareDir);
    await fsp.mkdir(memDir);

    const targets: Target[] = [
      { key: 'host', label: 'host /proc/meminfo', file: '/proc/meminfo', rates: [] },
      { key: 'bare', label: 'bare fuse-native, constant text', rates: [] },
      { key: 'meminfo', label: 'memcgfs proc/meminfo', rates: [] },
      { key: 'memoryStat', label: 'memcgfs memory.stat', rates: [] },
    ];
    const byKey = (k: Target['key']) => targets.find((t) => t.key === k) as Target;

    log('starting the bare server and memcgfs ...');
    await startServer(['--import', TSX_IMPORT, fileURLToPath(import.meta.url), '--serve-bare', bareDir], bareDir);
    byKey('bare').file = path.join(bareDir, 'proc/meminfo');

    let daemon: Server | undefined;
    let cgroupDir: string | undefined;
    try {
      daemon = await startServer([path.join(ROOT, 'bin/memcgfs.js'), 'mount', memDir, '--workload', opts.workload], memDir);
      byKey('meminfo').file = path.join(memDir, 'proc/meminfo');
      cgroupDir = await findCgroup(memDir);
      if (cgroupDir) {
        byKey('memoryStat').file = path.join(cgroupDir, 'memory.stat');
        byKey('memoryStat').label = `memcgfs ${path.relative(memDir, cgroupDir)}/memory.stat`;
      } else {
        byKey('memoryStat').unavailable = 'no cgroup directory with memory.stat in the mount';
      }
    } catch (err) {
      const why = `memcgfs did not mount: ${err instanceof Error ? err.message : String(err)}`;
      byKey('meminfo').unavailable = why;
      byKey('memoryStat').unavailable = why;
    }

    const live = targets.filter((t) => t.file && !t.unavailable);
    log(`reader: ${reader.kind}${opts.cpu === undefined ? '' : `; everything on CPU ${opts.cpu}`}; ${opts.rounds} interleaved rounds of ${(opts.seconds / opts.rounds).toFixed(2)} s per target`);
    for (const t of live) await readRate(reader, t.file as string, 0.2).catch(() => 0); // warm-up
    for (let round = 0; round < opts.rounds; round++) {
      for (const t of live) {
        try {
          t.rates.push(await readRate(reader, t.file as string, opts.seconds / opts.rounds));
        } catch (err) {
          t.unavailable = err instanceof Error ? err.message : String(err);
        }
      }
    }

    const lsMs = cgroupDir ? await timeLs(cgroupDir).catch(() => undefined) : undefined;
    const rss = daemon?.child.pid ? await rssOf(daemon.child.pid) : undefined;

    const rate = (t: Target) => (t.unavailable || t.rates.length === 0 ? null : Math.round(median(t.rates)));
    const result = {
      meminfo: rate(byKey('meminfo')),
      memoryStat: rate(byKey('memoryStat')),
      bare: rate(byKey('bare')),
      host: rate(byKey('host')),
    };

    if (opts.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      const bare = result.bare;
      const width = Math.max(...targets.map((t) => t.label.length)) + 2;
      const lines = [`${'target'.padEnd(width)}${'reads/s'.padStart(10)}${'vs bare'.padStart(10)}`];
      for (const t of targets) {
        const r = rate(t);
        const ratio = r !== null && bare ? `${(r / bare).toFixed(2)}x` : '';
        lines.push(`${t.label.padEnd(width)}${(r === null ? 'n/a' : String(r)).padStart(10)}${ratio.padStart(10)}`);
        if (t.unavailable) lines.push(`  (${t.unavailable})`);
      }
      if (cgroupDir) {
        lines.push(`ls -l ${path.relative(memDir, cgroupDir)}: ${lsMs === undefined ? 'failed' : `${lsMs.toFixed(1)} ms (median of 20 runs, incl. spawning ls)`}`);
      }
      if (rss) lines.push(`daemon RSS (workload ${opts.workload}): ${rss.rssMb.toFixed(0)} MB (peak ${rss.hwmMb.toFixed(0)} MB)`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  } finally {
    await cleanup();
  }
}

function parseArgs(argv: string[]) {
  const opts = {
    json: false,
    seconds: 2,
    rounds: 10,
    workload: 'boot',
    cpu: undefined as number | undefined,
    serveBare: undefined as string | undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') opts.json = true;
    else if (a === '--seconds') opts.seconds = Number(argv[++i]);
    else if (a === '--rounds') opts.rounds = Number(argv[++i]);
    else if (a === '--cpu') opts.cpu = Number(argv[++i]);
    else if (a === '--workload') opts.workload = argv[++i];
    else if (a === '--serve-bare') opts.serveBare = argv[++i];
    else throw new Error(`unknown argument ${a} (usage: bench_fuse.ts [--json] [--seconds N] [--rounds N] [--cpu N] [--workload NAME])`);
  }
  if (!(opts.seconds > 0)) throw new Error('--seconds must be positive');
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error('--rounds must be a positive integer');
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.serveBare) return serveBare(opts.serveBare);
  await bench(opts);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench_fuse: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
