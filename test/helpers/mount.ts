/**
 * End-to-end harness: runs a FUSE daemon as a child process on a fresh temporary directory, waits
 * for its ready line, and guarantees the mount is gone afterwards, even when a test fails or the
 * daemon hangs. The test process only ever touches the mount from other processes (execa) or
 * asynchronously.
 *
 * stop() does what libfuse's own test harness does: SIGTERM, wait, SIGKILL, then for anything
 * still mounted abort a hung FUSE connection (/sys/fs/fuse/connections/N/abort) and detach it
 * (fusermount -u -z, umount -l). Every daemon is also registered for an exit-time cleanup in case
 * a test file never reaches its afterAll.
 *
 *   const d = await startStaticServer();            // test/helpers/serve_static.ts
 *   const d = await startMemcgfs(['--workload', 'none']);   // bin/memcgfs.js mount
 *   await execa('cat', ['proc/meminfo'], { cwd: d.dir });
 *   await d.stop();
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import {
  abortFuseConnection,
  detachMount,
  findMount,
  mountState,
  readMountinfoSync,
} from '../../src/fuse/mountpoint.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** tsx's ESM loader by absolute path: `--import tsx` would resolve from the child's cwd. */
export const TSX_IMPORT = path.join(REPO_ROOT, 'node_modules/tsx/dist/esm/index.mjs');
export const MEMCGFS_BIN = path.join(REPO_ROOT, 'bin/memcgfs.js');
export const SERVE_STATIC = path.join(REPO_ROOT, 'test/helpers/serve_static.ts');

const READY = /memcgfs: mounted (\S+)/;

export interface DaemonExit {
  exitCode: number | undefined;
  signal: string | undefined;
  /** True when the daemon exited with status 0 on its own after SIGTERM and left no mount. */
  clean: boolean;
  /** Everything the daemon printed (stdout and stderr interleaved). */
  output: string;
}

export interface Daemon {
  /** The mount point (absolute). */
  readonly dir: string;
  readonly pid: number;
  /** Everything printed so far. */
  output(): string;
  /** Resolves when the daemon process exits (for tests that end it some other way). */
  exited(): Promise<void>;
  /**
   * Ends the daemon and removes the mount whatever state they are in. Idempotent. `graceMs` is
   * how long SIGTERM gets before SIGKILL (default 5 s).
   */
  stop(opts?: { graceMs?: number }): Promise<DaemonExit>;
}

export interface StartOptions {
  /** Mount point to use instead of a fresh temporary one (its parent must exist). */
  dir?: string;
  /** How long to wait for the ready line (default 30 s). */
  readyTimeoutMs?: number;
  env?: Record<string, string>;
}

const live = new Set<{ pid: number; dir: string }>();
let hooksInstalled = false;

/** Last-resort cleanup when the test process exits without stopping its daemons. */
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const d of live) {
      try {
        process.kill(d.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      try {
        if (readMountinfoSync().some((m) => m.mountPoint === d.dir)) {
          execFileSync('umount', ['-l', d.dir], { stdio: 'ignore', timeout: 5000 });
        }
      } catch {
        // nothing more we can do here
      }
    }
  });
  // Signals are covered by execa's `cleanup` (it terminates children, which then unmount).
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 25): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= end) return false;
    await delay(stepMs);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes whatever is mounted at `dir`, aborting a hung connection first. */
export async function forceUnmount(dir: string): Promise<void> {
  for (let i = 0; i < 4; i++) {
    const state = await mountState(dir, 1000);
    if (state.kind === 'none') return;
    if (state.kind === 'hung') await abortFuseConnection(state.entry);
    await detachMount(dir).catch(() => undefined);
  }
}

/**
 * Starts `command args` (which must mount at the directory it is given and print
 * "memcgfs: mounted DIR" when ready) and waits until the mount answers.
 */
export async function startDaemon(
  command: string,
  argsFor: (dir: string) => string[],
  opts: StartOptions = {},
): Promise<Daemon> {
  installExitHooks();
  const tmp = opts.dir ? undefined : await fsp.mkdtemp(path.join(os.tmpdir(), 'memcgfs-test-'));
  const dir = opts.dir ?? path.join(tmp as string, 'mnt');
  if (!fs.existsSync(dir) && !opts.dir) await fsp.mkdir(dir);

  const child: ResultPromise = execa(command, argsFor(dir), {
    cwd: REPO_ROOT,
    stdin: 'ignore',
    reject: false,
    buffer: false,
    env: opts.env,
    cleanup: true,
  });
  const pid = child.pid as number;
  const record = { pid, dir };
  live.add(record);

  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  let exitInfo: { exitCode?: number; signal?: string } | undefined;
  const exited = child.then((r) => {
    exitInfo = { exitCode: r.exitCode, signal: r.signal };
  });

  let stopping: Promise<DaemonExit> | undefined;
  const stop = ({ graceMs = 5000 }: { graceMs?: number } = {}): Promise<DaemonExit> =>
    (stopping ??= (async () => {
      let killed = false;
      if (!exitInfo && alive(pid)) {
        child.kill('SIGTERM');
        if (!(await waitFor(() => exitInfo !== undefined, graceMs))) {
          killed = true;
          child.kill('SIGKILL');
          await waitFor(() => exitInfo !== undefined, 2000);
        }
      }
      const leftover = (await findMount(dir)) !== undefined;
      if (leftover) await forceUnmount(dir);
      if (!exitInfo) {
        // Still there after SIGKILL: blocked on its own mount (D state) until the abort above.
        child.kill('SIGKILL');
        await waitFor(() => exitInfo !== undefined, 5000);
      }
      live.delete(record);
      if (tmp && !(await findMount(dir))) {
        await fsp.rmdir(dir).catch(() => undefined);
        await fsp.rmdir(tmp).catch(() => undefined);
      }
      const info = exitInfo ?? {};
      return {
        exitCode: info.exitCode,
        signal: info.signal,
        clean: !killed && !leftover && info.exitCode === 0,
        output: out,
      };
    })());

  const daemon: Daemon = {
    dir,
    pid,
    output: () => out,
    exited: () => exited,
    stop,
  };

  const ready = await waitFor(() => READY.test(out) || exitInfo !== undefined, opts.readyTimeoutMs ?? 30_000);
  if (!ready || !READY.test(out)) {
    const result = await stop();
    const why = ready ? `exited (code ${result.exitCode}, signal ${result.signal})` : 'timed out';
    throw new Error(`daemon ${command} ${argsFor(dir).join(' ')} ${why} before mounting:\n${result.output}`);
  }
  return daemon;
}

/** `node bin/memcgfs.js mount DIR ...args` (the real tree). */
export function startMemcgfs(args: string[] = [], opts: StartOptions = {}): Promise<Daemon> {
  return startDaemon(process.execPath, (dir) => [MEMCGFS_BIN, 'mount', dir, ...args], opts);
}

/** The static test Vfs (test/helpers/static_vfs.ts) served by test/helpers/serve_static.ts. */
export function startStaticServer(args: string[] = [], opts: StartOptions = {}): Promise<Daemon> {
  return startDaemon(process.execPath, (dir) => ['--import', TSX_IMPORT, SERVE_STATIC, dir, ...args], opts);
}
