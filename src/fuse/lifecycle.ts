/**
 * How a FUSE daemon ends: on SIGINT, SIGTERM or SIGHUP it unmounts and returns; when its mount
 * disappears under it (memcgfs umount, fusermount -u) it returns without unmounting. A second
 * signal while unmounting exits at once.
 */
import type { VfsMount } from './fuse_adapter.js';
import { findMount } from './mountpoint.js';

const MOUNT_WATCH_MS = 1000;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Resolves with the reason the daemon stopped ('SIGTERM', 'unmounted externally', ...).
 * `onServing` runs once the signal handlers are in: print the ready line there, not before,
 * or a client that reacts to it at once may signal a process that still dies of SIGTERM.
 */
export function serveUntilStopped(mount: VfsMount, onServing?: () => void): Promise<string> {
  // Signal handlers go in synchronously: a SIGTERM right after the ready line must unmount.
  const entry = findMount(mount.dir);
  return new Promise<string>((resolve, reject) => {
    let stopping = false;
    const listeners = new Map<string, () => void>();

    const stop = (why: string, unmount: boolean) => {
      if (stopping) {
        if (unmount) process.exit(1); // a second signal: stop waiting for the unmount
        return;
      }
      stopping = true;
      clearInterval(watch);
      const done = unmount ? mount.unmount() : Promise.resolve();
      done.then(
        () => {
          for (const [sig, fn] of listeners) process.off(sig, fn);
          resolve(why);
        },
        (err: unknown) => reject(err),
      );
    };

    for (const sig of SIGNALS) {
      const fn = () => stop(sig, true);
      listeners.set(sig, fn);
      process.on(sig, fn);
    }
    onServing?.();
    const watch = setInterval(() => {
      Promise.all([entry, findMount(mount.dir)]).then(
        ([was, now]) => {
          if (!now || (was && now.mountId !== was.mountId)) stop('unmounted externally', false);
        },
        () => undefined,
      );
    }, MOUNT_WATCH_MS);
  });
}
