/**
 * sys/devices/system/node/: the node masks (possible, online, has_memory, has_normal_memory,
 * has_cpu) and node<N>/meminfo. sysfs attributes are 0444 with st_size 4096.
 */
import { nodeMeminfo } from '../../kernel/index.js';
import type { TreeDeps, TreeEnv } from '../env.js';
import { rangeList } from '../format.js';
import { bindFile, childPath, indexTable, type DirNode, type FileDef, type Node } from '../node.js';
import { renderNodeMeminfo } from './node_meminfo.js';

const nodeMask = (e: TreeEnv): string => `${rangeList(e.k.config.nrNodes)}\n`;

/** Files of sys/devices/system/node/. */
export const NODE_ROOT_FILES: readonly FileDef<TreeEnv>[] = [
  { name: 'possible', mode: 0o444, show: nodeMask },
  { name: 'online', mode: 0o444, show: nodeMask },
  { name: 'has_memory', mode: 0o444, show: nodeMask },
  { name: 'has_normal_memory', mode: 0o444, show: nodeMask },
  { name: 'has_cpu', mode: 0o444, show: nodeMask },
];

export interface NodeCtx {
  readonly env: TreeEnv;
  readonly nid: number;
}

/** Files of sys/devices/system/node/node<N>/. */
export const NODE_FILES: readonly FileDef<NodeCtx>[] = [
  { name: 'meminfo', mode: 0o444, show: (c) => renderNodeMeminfo(nodeMeminfo(c.env.k, c.nid), c.env.k.pageSize) },
];

const ROOT_INDEX = indexTable(NODE_ROOT_FILES);
const NODE_INDEX = indexTable(NODE_FILES);

function sysfsFile<C>(deps: TreeDeps, path: string, def: FileDef<C>, ctx: C): Node {
  const p = childPath(path, def.name);
  return bindFile(def, ctx, { path: p, ino: deps.inodes.intern(p), fs: 'sysfs', size: 4096, strictOpen: true });
}

function nodeNDir(deps: TreeDeps, path: string, nid: number): DirNode {
  const ctx: NodeCtx = { env: deps.env, nid };
  return {
    kind: 'dir',
    name: `node${nid}`,
    path,
    ino: deps.inodes.intern(path),
    mode: 0o755,
    fs: 'sysfs',
    lookup: (n) => {
      const def = NODE_INDEX.get(n);
      return def ? sysfsFile(deps, path, def, ctx) : undefined;
    },
    list: () => NODE_FILES.map((d) => sysfsFile(deps, path, d, ctx)),
  };
}

/** sys/devices/system/node/ itself. */
export function nodeRootDir(deps: TreeDeps, path: string): DirNode {
  const nodes = () => Array.from({ length: deps.env.k.config.nrNodes }, (_, i) => i);
  return {
    kind: 'dir',
    name: 'node',
    path,
    ino: deps.inodes.intern(path),
    mode: 0o755,
    fs: 'sysfs',
    lookup(n) {
      const def = ROOT_INDEX.get(n);
      if (def) return sysfsFile(deps, path, def, deps.env);
      const m = /^node(0|[1-9][0-9]*)$/.exec(n);
      if (m && Number(m[1]) < deps.env.k.config.nrNodes) return nodeNDir(deps, childPath(path, n), Number(m[1]));
      return undefined;
    },
    list() {
      return [
        ...NODE_ROOT_FILES.map((d) => sysfsFile(deps, path, d, deps.env)),
        ...nodes().map((nid) => nodeNDir(deps, childPath(path, `node${nid}`), nid)),
      ];
    },
  };
}
