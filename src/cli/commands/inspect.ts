/**
 * `memcgfs inspect NAME [ARGS...]`: runs an inspection script (scripts/inspect/NAME.ts) on a
 * snapshot of a simulated kernel — read from a running mount (--mount DIR: DIR/memcgfs/snapshot),
 * from a saved snapshot file (--snapshot FILE), or taken from a kernel booted in-process
 * (--workload W --controller C ...). Text by default, the script's data as JSON with --json.
 * `memcgfs inspect` alone lists the scripts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { CgroupVersion, ControllerName, Kernel, ObjcgLayout } from '../../kernel/index.js';
import { parseSnapshot, readSnapshotFromMount, serializeSnapshot } from '../../inspect/snapshot_file.js';
import { takeSnapshot, type Snapshot } from '../../inspect/snapshot.js';
import { openProgram } from '../../inspect/program.js';
import { ScriptError } from '../../inspect/script.js';
import { PROFILES, type Profile } from '../../inspect/layouts.js';
import { INSPECT_SCRIPTS } from '../../../scripts/inspect/index.js';
import { CliError } from '../errors.js';
import { machineOverrides, parseInteger, parseSize } from '../options.js';

/** Where the kernel to inspect comes from. */
export interface SnapshotSourceOptions {
  mount?: string;
  snapshot?: string;
  workload: string;
  controller: ControllerName;
  objcgLayout?: ObjcgLayout;
  cgroup: CgroupVersion;
  machine: string;
  cpus?: number;
  mem?: number;
  nodes?: number;
  pageSize?: number;
  seed?: number;
  flush: boolean;
}

/** The options every snapshot-consuming command shares. */
export function addSnapshotSourceOptions(cmd: Command): Command {
  return cmd
    .option('--mount <dir>', 'inspect the running memcgfs mount at DIR (reads DIR/memcgfs/snapshot)')
    .option('--snapshot <file>', 'inspect a saved snapshot file')
    .option('--workload <name>', "in-process: workload to run after boot ('none' for an empty kernel)", 'boot')
    .addOption(new Option('--controller <name>', 'in-process: slab memory controller').choices(['legacy', 'objcg', 'none']).default('objcg'))
    .addOption(new Option('--objcg-layout <layout>', 'in-process: obj_cgroup cache layout').choices(['two-sets', 'single-set']))
    .addOption(new Option('--cgroup <version>', 'in-process: cgroup hierarchy').choices(['v2', 'v1']).default('v2'))
    .option('--machine <profile>', 'in-process: machine profile', 'desktop')
    .option('--cpus <n>', 'in-process: number of CPUs', parseInteger)
    .option('--mem <size>', 'in-process: physical memory, e.g. 1G', parseSize)
    .option('--nodes <n>', 'in-process: NUMA nodes', parseInteger)
    .option('--page-size <bytes>', 'in-process: page size (4096 or 65536)', parseSize)
    .option('--seed <n>', 'in-process: random seed', parseInteger)
    .option('--no-flush', 'in-process: do not run deferred work before the snapshot');
}

/** Boots a kernel in-process and runs the workload (src/workloads' runWorkload). */
export async function bootForInspection(opts: SnapshotSourceOptions): Promise<Kernel> {
  const k = await import('../../kernel/index.js');
  const overrides = machineOverrides(opts);
  const kernel = k.bootKernel({
    machine: opts.machine,
    machineOverrides: overrides,
    controller: opts.controller,
    objcgLayout: opts.objcgLayout,
    cgroupVersion: opts.cgroup,
    seed: opts.seed,
  });
  if (opts.workload !== 'none') {
    const { runWorkload } = await import('../../workloads/index.js');
    runWorkload(kernel, opts.workload);
  }
  if (opts.flush) k.flushDeferredWork(kernel);
  return kernel;
}

/** The snapshot the options ask for. */
export async function acquireSnapshot(opts: SnapshotSourceOptions): Promise<Snapshot> {
  if (opts.mount && opts.snapshot) throw new CliError('--mount and --snapshot exclude each other');
  if (opts.mount) return readSnapshotFromMount(opts.mount);
  if (opts.snapshot) return parseSnapshot(await readFile(opts.snapshot));
  return takeSnapshot(await bootForInspection(opts));
}

export interface InspectOptions extends SnapshotSourceOptions {
  json?: boolean;
  profile?: Profile;
  saveSnapshot?: string;
}

export interface Output {
  write(s: string): unknown;
}

/** Runs script `name` and prints its output; returns the exit status. */
export async function runInspect(
  name: string | undefined,
  args: readonly string[],
  opts: InspectOptions,
  io: { stdout: Output; stderr: Output } = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  if (!name) {
    const width = Math.max(...[...INSPECT_SCRIPTS.keys()].map((n) => n.length));
    for (const s of INSPECT_SCRIPTS.values()) io.stdout.write(`${s.name.padEnd(width)}  ${s.summary}\n    memcgfs inspect ${s.name}${s.usage ? ` ${s.usage}` : ''} [--json]\n`);
    return 0;
  }
  const script = INSPECT_SCRIPTS.get(name);
  if (!script) throw new CliError(`inspect: unknown script '${name}' (known: ${[...INSPECT_SCRIPTS.keys()].join(', ')})`);
  const snap = await acquireSnapshot(opts);
  if (opts.saveSnapshot) await writeFile(opts.saveSnapshot, serializeSnapshot(snap));
  const prog = openProgram(snap, opts.profile);
  let data: unknown;
  try {
    data = script.collect(prog, args, { mountDir: opts.mount });
  } catch (e) {
    if (e instanceof ScriptError) {
      io.stderr.write(`${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
  io.stdout.write(opts.json ? `${JSON.stringify(data)}\n` : script.format(data));
  return 0;
}

export function registerInspect(program: Command): Command {
  const cmd = program
    .command('inspect')
    .description('run an inspection script (memcg_slabinfo, slab_utilization, dying_cgroups) on a snapshot of the simulated kernel')
    .argument('[name]', 'script name; none lists the scripts')
    .argument('[args...]', "the script's arguments")
    .option('--json', "print the script's data as JSON")
    .addOption(new Option('--profile <profile>', 'kernel profile for struct shapes and addresses').choices([...PROFILES]))
    .option('--save-snapshot <file>', 'also write the snapshot to FILE')
    .allowUnknownOption();
  addSnapshotSourceOptions(cmd);
  return cmd.action(async (name: string | undefined, args: string[], opts: InspectOptions) => {
    const status = await runInspect(name, args, opts);
    if (status !== 0) process.exitCode = status;
  });
}
