/**
 * memcgfs/ at the mount root: the simulation's control directory, outside the kernel's tree
 * (like debugfs). `ctl` is a transaction file: write one command, read its reply on the same
 * open file (see open_file.ts); `info` describes the simulated machine. docs/control.md.
 */
import { executeControlCommand, type ControlDeps } from '../control/commands.js';
import { renderInfo } from '../control/info.js';
import { SNAPSHOT_FILE_MODE, renderSnapshotFile } from '../inspect/snapshot_file.js';
import type { TreeEnv } from './env.js';
import type { InodeTable } from './inode.js';
import { bindFile, childPath, indexTable, type DirNode, type FileDef, type Node } from './node.js';

export interface ControlCtx {
  readonly env: TreeEnv;
  readonly deps: ControlDeps;
}

export const CONTROL_FILES: readonly FileDef<ControlCtx>[] = [
  {
    name: 'ctl',
    mode: 0o600,
    transact: (c, input) => executeControlCommand(c.env.k, input, c.deps),
  },
  {
    name: 'info',
    mode: 0o444,
    show: (c) => renderInfo(c.env.k),
  },
  {
    // a consistent snapshot of the kernel's objects for `memcgfs inspect` / `memcgfs drgn`
    name: 'snapshot',
    mode: SNAPSHOT_FILE_MODE,
    show: (c) => renderSnapshotFile(c.env.k),
  },
];

const INDEX = indexTable(CONTROL_FILES);

/** The memcgfs/ directory. */
export function controlDir(env: TreeEnv, inodes: InodeTable, deps: ControlDeps, path: string): DirNode {
  const ctx: ControlCtx = { env, deps };
  const file = (def: FileDef<ControlCtx>): Node => {
    const p = childPath(path, def.name);
    return bindFile(def, ctx, { path: p, ino: inodes.intern(p), fs: 'control' });
  };
  return {
    kind: 'dir',
    name: 'memcgfs',
    path,
    ino: inodes.intern(path),
    mode: 0o755,
    fs: 'control',
    lookup: (n) => {
      const def = INDEX.get(n);
      return def ? file(def) : undefined;
    },
    list: () => CONTROL_FILES.map(file),
  };
}
