/**
 * `memcgfs drgn [SCRIPT.py [ARGS...]]`: runs an ordinary drgn script against the simulated
 * kernel with real drgn. The snapshot (from --mount, --snapshot or an in-process boot) becomes a
 * drgn image (src/inspect/image.ts: an ELF core + a layout/symbol file), and Debian's
 * /usr/bin/python3 with python3-drgn runs scripts/drgn/memcgfs_drgn.py, which builds the
 * drgn.Program and runs SCRIPT with `prog` set, as `drgn SCRIPT.py ARGS` would. Without SCRIPT,
 * an interactive drgn console. Cgroup directories under /sys/fs/cgroup (and under the mount's
 * sys/fs/cgroup) resolve to the image's cgroups, so `memcgfs drgn memcg_slabinfo.py
 * /sys/fs/cgroup/foo` works as on a real machine.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { writeDrgnImage } from '../../inspect/image.js';
import { PROFILES, type Profile } from '../../inspect/layouts.js';
import { CliError } from '../errors.js';
import { acquireSnapshot, addSnapshotSourceOptions, type SnapshotSourceOptions } from './inspect.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The adapter that turns an image into a drgn.Program. */
export const DRGN_ADAPTER = path.join(REPO_ROOT, 'scripts/drgn/memcgfs_drgn.py');

/** Debian's python, which sees python3-drgn (a pyenv python first on PATH does not). */
export function defaultPython(): string {
  return process.env.MEMCGFS_PYTHON || '/usr/bin/python3';
}

/** drgn's version as `python` sees it, or null when it cannot import drgn. */
export function drgnVersion(python = defaultPython()): string | null {
  try {
    return execFileSync(python, ['-c', 'import drgn; print(drgn.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export interface DrgnOptions extends SnapshotSourceOptions {
  profile?: Profile;
  python?: string;
  imageDir?: string;
  cgroupfsPrefix?: string[];
}

/** Builds the image and runs the adapter; resolves with the script's exit status. */
export async function runDrgn(script: string | undefined, args: readonly string[], opts: DrgnOptions, stdio: 'inherit' | 'pipe' = 'inherit'): Promise<{ status: number; stdout: string; stderr: string }> {
  const python = opts.python ?? defaultPython();
  if (drgnVersion(python) === null) {
    throw new CliError(`${python} cannot import drgn: install Debian's python3-drgn (apt-get install -y python3-drgn) or pass --python`);
  }
  const snap = await acquireSnapshot(opts);
  const dir = opts.imageDir ?? mkdtempSync(path.join(os.tmpdir(), 'memcgfs-drgn-'));
  try {
    writeDrgnImage(snap, dir, { profile: opts.profile });
    const argv = [DRGN_ADAPTER, '--image', dir];
    const prefixes = [...(opts.cgroupfsPrefix ?? [])];
    if (opts.mount) prefixes.push(path.join(path.resolve(opts.mount), 'sys/fs/cgroup'));
    for (const p of prefixes) argv.push('--cgroupfs-prefix', p);
    if (script) argv.push(script, ...args);
    return await new Promise((resolve, reject) => {
      const child = spawn(python, argv, { stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ status: code ?? (signal ? 128 : 1), stdout, stderr }));
    });
  } finally {
    if (!opts.imageDir) rmSync(dir, { recursive: true, force: true });
  }
}

export function registerDrgn(program: Command): Command {
  // options after SCRIPT belong to the script (passThroughOptions needs positional options)
  program.enablePositionalOptions();
  const cmd = program
    .command('drgn')
    .description('run a drgn script (or an interactive drgn console) against the simulated kernel')
    .argument('[script]', 'drgn script to run, with `prog` set')
    .argument('[args...]', "the script's arguments")
    .addOption(new Option('--profile <profile>', 'kernel profile the image imitates (default: legacy-v5.8 or objcg-v5.11 by controller)').choices([...PROFILES]))
    .option('--python <path>', "python with drgn (default $MEMCGFS_PYTHON or Debian's /usr/bin/python3)")
    .option('--image-dir <dir>', 'write the drgn image to DIR and keep it (default: a temporary directory)')
    .option('--cgroupfs-prefix <dir>', 'another directory standing for the cgroup file system (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .passThroughOptions();
  addSnapshotSourceOptions(cmd);
  return cmd.action(async (script: string | undefined, args: string[], opts: DrgnOptions) => {
    const { status } = await runDrgn(script, args, opts);
    if (status !== 0) process.exitCode = status;
  });
}
