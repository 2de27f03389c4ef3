/**
 * The memcgfs command line: one commander command per file in ./commands, one error handler.
 * Run through bin/memcgfs.js (which loads tsx), e.g. `npx memcgfs mount ./mount`.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { mountCommand } from './commands/mount.js';
import { umountCommand } from './commands/umount.js';
import { registerCompare } from './commands/compare.js';
import { registerSnapshot } from './commands/snapshot.js';
import { registerInspect } from './commands/inspect.js';
import { registerDrgn } from './commands/drgn.js';
import { handleError } from './errors.js';

/** The program with every command registered; exported for tests. */
export function buildProgram(): Command {
  const program = new Command('memcgfs')
    .description('a simulated Linux memory subsystem (SLUB + memory cgroups) mounted over FUSE')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      // Commander's own errors ("error: unknown option '--x'") get the same prefix as ours.
      outputError: (text, write) => write(`memcgfs: ${text.replace(/^error: /, '')}`),
    });
  mountCommand(program);
  umountCommand(program);
  registerCompare(program);
  registerSnapshot(program);
  registerInspect(program);
  registerDrgn(program);
  return program;
}

/** Runs the CLI on `argv` (node-style: [node, script, ...args]) and exits when it is done. */
export function run(argv: string[]): void {
  buildProgram()
    .parseAsync(argv)
    .then(
      // exit once stdout has taken everything: a pipe (`compare --json | jq`) is written
      // asynchronously, and exiting at once would cut the output at the pipe's buffer size
      () => process.stdout.write('', () => process.exit()),
      (err: unknown) => handleError(err),
    );
}

// `tsx src/cli/main.ts ...` runs it directly; bin/memcgfs.js imports it and calls run().
function isEntryPoint(): boolean {
  try {
    return !!process.argv[1] && pathToFileURL(realpathSync(process.argv[1])).href === import.meta.url;
  } catch {
    return false;
  }
}
if (isEntryPoint()) run(process.argv);
