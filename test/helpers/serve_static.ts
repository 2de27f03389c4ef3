/**
 * A FUSE daemon serving the static test Vfs, run as its own process (never mount and read in the
 * same process: a synchronous access from the daemon's own thread deadlocks it).
 *
 *   node --import tsx test/helpers/serve_static.ts DIR [--no-auto-unmount] [--slow-path]
 *
 * Prints "memcgfs: mounted DIR (static)" when the mount answers and unmounts on
 * SIGINT/SIGTERM/SIGHUP; exits when DIR is unmounted under it.
 */
import { mountVfs } from '../../src/fuse/fuse_adapter.js';
import { serveUntilStopped } from '../../src/fuse/lifecycle.js';
import { createStaticVfs } from './static_vfs.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  if (!dir) throw new Error('usage: serve_static.ts DIR [--no-auto-unmount]');
  const vfs = createStaticVfs();
  const mount = await mountVfs(vfs, dir, {
    autoUnmount: !args.includes('--no-auto-unmount'),
    fastPath: !args.includes('--slow-path'),
  });
  const why = await serveUntilStopped(mount, () =>
    process.stdout.write(`memcgfs: mounted ${mount.dir} (static${mount.fastPath ? '' : ', slow path'})\n`),
  );
  process.stdout.write(`memcgfs: unmounted ${mount.dir} (${why})\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`memcgfs: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
