/**
 * `memcgfs mount [DIR]`: boots a simulated kernel, runs a workload on it, and serves its
 * /sys/fs/cgroup and /proc at DIR in the foreground until SIGINT/SIGTERM/SIGHUP or until someone
 * unmounts DIR (`memcgfs umount`). With --realtime (the default) the kernel's virtual clock follows
 * wall time, so deferred work and timers run as they would on a live machine.
 */
import { Command, Option } from 'commander';
import type { CgroupVersion, ControllerName, Kernel } from '../../kernel/index.js';
import type { Vfs } from '../../fs/vfs.js';
import { mountVfs } from '../../fuse/fuse_adapter.js';
import { serveUntilStopped } from '../../fuse/lifecycle.js';
import { CliError, formatError } from '../errors.js';
import { machineOverrides, parseInteger, parseSize } from '../options.js';


export interface MountCommandOptions {
  controller: ControllerName;
  cgroup: CgroupVersion;
  machine: string;
  cpus?: number;
  pageSize?: number;
  mem?: number;
  nodes?: number;
  seed?: number;
  workload: string;
  realtime: boolean;
  attrTimeout: number;
  entryTimeout: number;
}

const REALTIME_TICK_MS = 100;

/**
 * Gathers everything the mount needs, apart from printing. The kernel, tree and workloads are
 * imported here rather than at the top so that other commands (umount) start fast.
 */
async function bootAndBuild(
  opts: MountCommandOptions,
): Promise<{ kernel: Kernel; vfs: Vfs; advance: (ns: number) => void }> {
  const k = await import('../../kernel/index.js');
  if (!(opts.machine in k.MACHINE_PROFILES)) {
    throw new CliError(`unknown machine '${opts.machine}' (known: ${Object.keys(k.MACHINE_PROFILES).join(', ')})`);
  }
  const overrides = machineOverrides(opts);

  const kernel = k.bootKernel({
    machine: opts.machine,
    machineOverrides: overrides,
    controller: opts.controller,
    cgroupVersion: opts.cgroup,
    seed: opts.seed,
  });
  if (opts.workload !== 'none') {
    const { runWorkload } = await import('../../workloads/index.js');
    runWorkload(kernel, opts.workload);
  }
  const { createTree } = await import('../../fs/tree.js');
  return {
    kernel,
    vfs: createTree(kernel, { cgroupVersion: opts.cgroup }),
    advance: (ns) => k.clockAdvance(kernel, ns),
  };
}

/** Runs the daemon; resolves only after it has unmounted. */
export async function runMount(dir: string, opts: MountCommandOptions): Promise<void> {
  const { kernel, vfs, advance } = await bootAndBuild(opts);

  // Nothing a client does may take the daemon down, including a closed stdout/stderr pipe.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);

  const mount = await mountVfs(vfs, dir, { create: true, attrTimeout: opts.attrTimeout, entryTimeout: opts.entryTimeout });

  // From here on, only synchronous code until serveUntilStopped() has its signal handlers in.
  const reported = new Set<string>();
  const reportOnce = (what: string, err: unknown) => {
    const msg = `memcgfs: ${what}: ${err instanceof Error && what === 'internal error' ? err.stack : formatError(err)}`;
    if (reported.has(msg)) return;
    reported.add(msg);
    process.stderr.write(`${msg}\n`);
  };
  process.on('uncaughtException', (err) => reportOnce('internal error', err));
  process.on('unhandledRejection', (err) => reportOnce('internal error', err));

  let realtime: NodeJS.Timeout | undefined;
  if (opts.realtime) {
    let last = performance.now();
    realtime = setInterval(() => {
      const now = performance.now();
      const ns = Math.round((now - last) * 1e6);
      last = now;
      try {
        advance(ns);
      } catch (err) {
        reportOnce('clock', err);
      }
    }, REALTIME_TICK_MS);
  }

  try {
    const why = await serveUntilStopped(mount, () =>
      process.stdout.write(
        `memcgfs: mounted ${mount.dir} (controller ${kernel.controller}, cgroup ${kernel.cgroupVersion}, machine ${kernel.config.name})\n`,
      ),
    );
    process.stdout.write(`memcgfs: unmounted ${mount.dir} (${why})\n`);
  } finally {
    clearInterval(realtime);
  }
}

export function mountCommand(program: Command): Command {
  return program
    .command('mount')
    .description('boot a simulated kernel and serve its /sys/fs/cgroup and /proc at DIR (foreground)')
    .argument('[dir]', 'mount point, created if missing', './mount')
    .addOption(
      new Option('--controller <name>', 'slab memory controller').choices(['legacy', 'objcg', 'none']).default('objcg'),
    )
    .addOption(new Option('--cgroup <version>', 'cgroup hierarchy').choices(['v2', 'v1']).default('v2'))
    .option('--machine <profile>', 'machine profile: desktop, power8 or server', 'desktop')
    .option('--cpus <n>', 'number of CPUs (overrides the profile)', parseInteger)
    .option('--page-size <bytes>', 'page size: 4K or 64K (overrides the profile)', parseSize)
    .option('--mem <size>', 'physical memory, e.g. 16G (overrides the profile)', parseSize)
    .option('--nodes <n>', 'NUMA nodes: 1 or 2 (overrides the profile)', parseInteger)
    .option('--seed <n>', 'random seed for the kernel and the workload', parseInteger)
    .option('--workload <name>', "workload to run after boot ('none' for an empty kernel)", 'boot')
    .option('--realtime', 'advance the virtual clock with wall time', true)
    .option('--no-realtime', 'keep the virtual clock still unless something advances it')
    .option(
      '--attr-timeout <seconds>',
      'seconds the kernel may cache attributes (mode, inode, link count); names are always looked up afresh',
      parseFloat,
      1,
    )
    .option('--entry-timeout <seconds>', 'seconds the kernel may cache name lookups (0: cgroups removed by the simulation vanish at once)', parseFloat, 0)
    .action(async (dir: string, opts: MountCommandOptions) => {
      await runMount(dir, opts);
    });
}
