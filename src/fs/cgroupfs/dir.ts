/**
 * A cgroup directory (v1 or v2): its interface files come from the version's table, its
 * subdirectories are the online child cgroups. mkdir/rmdir create and offline cgroups; the
 * directory's inode number is the cgroup's kernfs id.
 */
import { cgroupMkdir, cgroupRmdir, type MemCgroup } from '../../kernel/index.js';
import type { TreeDeps, TreeEnv } from '../env.js';
import { InodeTable } from '../inode.js';
import { bindFile, childPath, indexTable, type DirNode, type FileDef, type FileNode, type Node } from '../node.js';
import type { CgCtx } from './cgroup_ctx.js';
import { CGROUP_V1_FILES } from './v1_files.js';
import { CGROUP_V2_FILES } from './v2_files.js';

/** The file table of a hierarchy version. */
export function cgroupFileTable(version: 'v1' | 'v2'): readonly FileDef<CgCtx>[] {
  return version === 'v1' ? CGROUP_V1_FILES : CGROUP_V2_FILES;
}

const INDEX = {
  v1: indexTable(CGROUP_V1_FILES),
  v2: indexTable(CGROUP_V2_FILES),
};

/** Names of the interface files a cgroup directory shows (for EEXIST checks and tests). */
export function cgroupFileNames(env: TreeEnv, cg: MemCgroup): string[] {
  const ctx: CgCtx = { env, cg };
  return cgroupFileTable(env.version)
    .filter((d) => !d.exists || d.exists(ctx))
    .map((d) => d.name);
}

/** The directory node of cgroup `cg` at `path`. */
export function cgroupDir(deps: TreeDeps, path: string, name: string, cg: MemCgroup): DirNode {
  const { env, inodes } = deps;
  const ctx: CgCtx = { env, cg };
  const table = cgroupFileTable(env.version);
  const index = INDEX[env.version];
  const gone = () => (cg.online ? undefined : ('ENODEV' as const));

  const file = (def: FileDef<CgCtx>): FileNode =>
    bindFile(def, ctx, {
      path: childPath(path, def.name),
      ino: inodes.intern(InodeTable.cgroupFileKey(cg.ino, def.name)),
      fs: 'cgroup',
      gone,
    });

  const child = (c: MemCgroup): DirNode => cgroupDir(deps, childPath(path, c.name), c.name, c);

  return {
    kind: 'dir',
    name,
    path,
    ino: cg.ino,
    // The hierarchy root is dr-xr-xr-x like on a real mount; children are drwxr-xr-x.
    mode: cg.parent ? 0o755 : 0o555,
    fs: 'cgroup',
    cgroupIno: cg.ino,
    subdirCount: () => (cg.online ? cg.children.filter((c) => c.online).length : 0),
    lookup(n: string): Node | undefined {
      if (!cg.online) return undefined;
      const def = index.get(n);
      if (def && (!def.exists || def.exists(ctx))) return file(def);
      for (const c of cg.children) if (c.online && c.name === n) return child(c);
      return undefined;
    },
    list(): Node[] {
      if (!cg.online) return [];
      const out: Node[] = [];
      for (const def of table) if (!def.exists || def.exists(ctx)) out.push(file(def));
      for (const c of cg.children) if (c.online) out.push(child(c));
      return out;
    },
    mkdir(n: string): void {
      cgroupMkdir(env.k, cg, n);
    },
    rmdir(childNode: DirNode): void {
      const target = cg.children.find((c) => c.online && c.ino === childNode.cgroupIno);
      if (!target) return;
      cgroupRmdir(env.k, target);
      inodes.forgetPrefix(`cg:${target.ino}/`);
    },
  };
}
