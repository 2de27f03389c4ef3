/**
 * `memcgfs compare --workload W [--machine M] [--seed N] [--scale X] [--param NAME=VALUE]...
 * [--json] [--plot FILE.svg]`: runs one workload with one seed under the legacy, objcg and none
 * slab controllers, in process, sampling every 5 s of virtual time, and prints the seed thread's
 * table (or JSON). --param sets one of the workload's declared parameters for all three runs.
 * A progress bar goes to stderr when it is a terminal.
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { CliError } from '../errors.js';
// statically, for --help's list of parameters: the bundle holds the workloads anyway, and
// evaluating them costs a CLI start ~nothing
import { findWorkload, listWorkloads, resolveParams } from '../../workloads/index.js';

interface CompareCommandOptions {
  workload: string;
  machine?: string;
  cpus?: number;
  seed: number;
  scale: number;
  param?: Record<string, string>;
  json?: boolean;
  plot?: string;
  progress: boolean;
}

function parseNumber(what: string, integer: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive ${integer ? 'integer' : 'number'}`);
    return n;
  };
}

/** commander's collect pattern for a repeatable `--param NAME=VALUE`. */
function collectParam(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected NAME=VALUE');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** "sysbench-oltp: dataFs=ext4|xfs; fleet: dataFs=ext4|xfs", from the workloads' declarations. */
function paramsHelp(): string {
  const parts = listWorkloads()
    .filter((w) => Object.keys(w.params).length > 0)
    .map((w) => `${w.name}: ${Object.entries(w.params).map(([name, p]) => `${name}=${p.values ? p.values.join('|') : `VALUE (default ${p.default})`}`).join(', ')}`);
  return parts.length ? parts.join('; ') : 'none declared';
}

async function runCompare(opts: CompareCommandOptions): Promise<void> {
  const { MACHINE_PROFILES } = await import('../../kernel/index.js');
  const known = listWorkloads();
  const spec = known.find((w) => w.name === opts.workload);
  if (!spec) throw new CliError(`compare: unknown workload '${opts.workload}' (known: ${known.map((w) => w.name).join(', ')})`);
  const machine = opts.machine ?? spec.defaultMachine;
  if (!(machine in MACHINE_PROFILES)) throw new CliError(`compare: unknown machine '${machine}' (known: ${Object.keys(MACHINE_PROFILES).join(', ')})`);
  try {
    resolveParams(findWorkload(spec.name), opts.param);
  } catch (e) {
    throw new CliError(`compare: ${(e as Error).message}`);
  }
  const { runComparison } = await import('../../compare/run.js');
  const { formatComparison, comparisonJson } = await import('../../compare/table.js');

  const bar = opts.progress && process.stderr.isTTY ? await progressBar() : null;
  let comparison;
  try {
    comparison = runComparison({
      workload: opts.workload,
      machine,
      machineOverrides: opts.cpus ? { nrCpus: opts.cpus } : undefined,
      seed: opts.seed,
      scale: opts.scale,
      params: opts.param,
      onProgress: bar ? (c, tNs) => bar.update(c, tNs) : undefined,
      onControllerDone: bar ? (c, r) => bar.done(c, r.virtualNs) : undefined,
    });
  } finally {
    bar?.stop();
  }
  if (opts.plot) {
    const { renderPlotSvg } = await import('../../compare/plot.js');
    writeFileSync(opts.plot, await renderPlotSvg(comparison));
  }
  process.stdout.write(opts.json ? JSON.stringify(comparisonJson(comparison), null, 2) + '\n' : formatComparison(comparison));
}

/** cli-progress on stderr: virtual seconds reached by the controller being run. */
async function progressBar() {
  const { default: cliProgress } = await import('cli-progress');
  const b = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'compare {controller} |{bar}| {value}/{total} s virtual', hideCursor: true, fps: 5, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let total = 0;
  let current = '';
  let started = false;
  return {
    update(controller: string, tNs: number) {
      const s = Math.floor(tNs / 1e9);
      if (!started) {
        b.start(Math.max(total, 1), 0, { controller });
        started = true;
      }
      if (controller !== current) current = controller;
      if (s > total) total = s; // the first run discovers the length; later runs know it
      b.setTotal(Math.max(total, 1));
      b.update(s, { controller });
    },
    done(_controller: string, virtualNs: number) {
      total = Math.max(total, Math.floor(virtualNs / 1e9));
    },
    stop() {
      if (started) b.stop();
    },
  };
}

export function registerCompare(program: Command): Command {
  return program
    .command('compare')
    .description('run a workload under the legacy, objcg and none slab controllers and compare them (the seed thread\'s table)')
    .requiredOption('--workload <name>', 'workload: boot, sysbench-oltp, kernel-build, cgroup-churn, fleet')
    .option('--machine <profile>', "machine profile (default: the workload's own, e.g. power8 for kernel-build)")
    .option('--cpus <n>', 'number of CPUs (overrides the profile)', parseNumber('--cpus', true))
    .option('--seed <n>', 'random seed (the same for all three runs)', parseNumber('--seed', true), 1)
    .option('--scale <x>', 'volume factor of the workload (1 = as documented; smaller for quick runs)', parseNumber('--scale', false), 1)
    .option('--param <name=value>', `set a workload parameter, repeatable (${paramsHelp()})`, collectParam)
    .option('--json', 'print JSON: one object per controller')
    .option('--plot <file.svg>', 'write Slab over time and utilization per cache as an SVG chart')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (opts: CompareCommandOptions) => {
      await runCompare(opts);
    });
}
