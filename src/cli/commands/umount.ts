/**
 * `memcgfs umount [DIR]`: unmounts a memcgfs mount. A live mount is unmounted politely
 * (fusermount -u; its daemon notices and exits), one with open files or a stale one (its daemon
 * was killed: "Transport endpoint is not connected") is detached lazily, and a hung one has its
 * FUSE connection aborted first.
 */
import type { Command } from 'commander';
import { MEMCGFS_FSTYPE, mountState, unmountDir } from '../../fuse/mountpoint.js';
import { CliError } from '../errors.js';

/** Unmounts `dir`; returns what it found there ('live', 'stale' or 'hung'). */
export async function runUmount(dir: string, opts: { force?: boolean } = {}): Promise<string> {
  const state = await mountState(dir);
  if (state.kind === 'none') throw new CliError(`umount: ${dir}: not mounted`);
  const type = state.entry.fsType;
  if (type !== MEMCGFS_FSTYPE && !(state.kind === 'stale' && type.startsWith('fuse')) && !opts.force) {
    throw new CliError(`umount: ${dir}: not a memcgfs mount (${type}); use --force to unmount it anyway`);
  }
  await unmountDir(dir);
  return state.kind;
}

export function umountCommand(program: Command): Command {
  return program
    .command('umount')
    .alias('unmount')
    .description('unmount a memcgfs mount (also a stale one left by a killed daemon)')
    .argument('[dir]', 'mount point', './mount')
    .option('--force', 'unmount even if it is not a memcgfs mount')
    .action(async (dir: string, opts: { force?: boolean }) => {
      const kind = await runUmount(dir, opts);
      process.stdout.write(`memcgfs: unmounted ${dir}${kind === 'live' ? '' : ` (${kind})`}\n`);
    });
}
