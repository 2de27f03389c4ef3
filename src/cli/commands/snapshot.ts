/**
 * `memcgfs snapshot OUT [--mount DIR | boot options] [--format json|dir]`: freezes the tree
 * (a live mount, or a kernel booted in-process with a workload) into a static fixture.
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CliError } from '../errors.js';

interface SnapshotOptions {
  mount?: string;
  format: 'json' | 'dir';
  controller: 'objcg' | 'legacy' | 'none';
  cgroup: 'v2' | 'v1';
  machine: string;
  workload: string;
  seed: number;
}

export function registerSnapshot(program: Command): void {
  program
    .command('snapshot')
    .description('freeze the tree (a live mount, or a kernel booted in-process) into a static fixture')
    .argument('<out>', 'output file (json) or directory (dir)')
    .option('--mount <dir>', 'read a running mount instead of booting a kernel')
    .addOption(new Option('--format <format>', 'json (path -> content) or dir').choices(['json', 'dir']).default('json'))
    .addOption(new Option('--controller <name>', 'slab controller').choices(['objcg', 'legacy', 'none']).default('objcg'))
    .addOption(new Option('--cgroup <version>', 'cgroup hierarchy').choices(['v2', 'v1']).default('v2'))
    .option('--machine <profile>', 'machine profile', 'desktop')
    .option('--workload <name>', "workload to run first ('none' for a bare kernel)", 'boot')
    .option('--seed <n>', 'seed', (v) => Number(v), 1)
    .action(async (out: string, opts: SnapshotOptions) => {
      const snap = await import('../../snapshot/snapshot.js');
      let source;
      if (opts.mount) {
        source = snap.mountSource(opts.mount);
      } else {
        const k = await import('../../kernel/index.js');
        const { createTree } = await import('../../fs/tree.js');
        const kernel = k.bootKernel({ controller: opts.controller, cgroupVersion: opts.cgroup, machine: opts.machine, seed: opts.seed });
        if (opts.workload !== 'none') {
          const { runWorkload } = await import('../../workloads/index.js');
          runWorkload(kernel, opts.workload, { seed: opts.seed });
        }
        source = snap.vfsSource(createTree(kernel));
      }
      let result;
      try {
        result = await snap.takeFixture(source);
      } catch (e) {
        throw new CliError(`snapshot failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (opts.format === 'json') writeFileSync(out, JSON.stringify(result.volume.toJSON(), null, 1) + '\n');
      else await snap.writeFixtureDir(result.volume, out);
      process.stderr.write(`memcgfs: snapshot of ${result.files} files written to ${out} (skipped ${result.skipped.length} unreadable or binary files)\n`);
    });
}
