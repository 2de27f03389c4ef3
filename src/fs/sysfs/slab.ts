/**
 * /sys/kernel/slab/<cache>/ (mm/slub.c slab_attrs, CONFIG_SLUB_DEBUG, no SLUB_STATS). One
 * directory per real cache (the model never merges caches, so there are no alias symlinks);
 * legacy per-memcg child caches appear under <root cache>/cgroup/<child name>/ as in 5.x.
 * The objcg controller's per-memcg clone caches (the two-set layout) are children the same way.
 * Attributes are 0400 (0600 when writable) and report st_size 4096, like sysfs. Counters that
 * SLUB sums per node print "<total> N<n>=<count>" for every node with a non-zero count; the
 * model reports cache counts summed over nodes, so they appear on node 0.
 * Not shown (the model has no data for them): objects_partial, slabs_cpu_partial, validate,
 * alloc_calls, free_calls, remote_node_defrag_ratio.
 */
import {
  fail,
  findSlabCache,
  kmemCacheSetMinPartial,
  kmemCacheSetCpuPartial,
  kmemCacheShrink,
  slabCacheSysfsList,
  type Kernel,
  type KmemCache,
  type SlabCacheSysfs,
} from '../../kernel/index.js';
import type { TreeDeps, TreeEnv } from '../env.js';
import { bindFile, childPath, indexTable, type DirNode, type FileDef, type Node } from '../node.js';
import { kstrtoull } from '../parse.js';

export interface SlabCtx {
  readonly env: TreeEnv;
  readonly name: string;
}

/** Any live cache by name, children included. */
function cacheByName(k: Kernel, name: string): KmemCache | undefined {
  return findSlabCache(k, name);
}

/** Live caches: root caches (rootName null) or the per-memcg children of `rootName`. */
function cacheNames(k: Kernel, rootName: string | null): string[] {
  const out: string[] = [];
  for (const s of k.caches) {
    if (!s || s.destroyed) continue;
    if ((s.rootCache?.name ?? null) === rootName) out.push(s.name);
  }
  return out;
}

/** The cache's current record (throws ENODEV once the cache is gone). */
function rec(c: SlabCtx): SlabCacheSysfs {
  const r = slabCacheSysfsList(c.env.k).find((x) => x.name === c.name);
  if (!r) fail('ENODEV', `cache ${c.name} is gone`);
  return r;
}

/** show_slab_objects(): total, then " N<node>=<n>" for non-zero nodes. */
export function perNode(total: number): string {
  return total === 0 ? '0\n' : `${total} N0=${total}\n`;
}

const ro = (name: string, show: (c: SlabCtx) => string): FileDef<SlabCtx> => ({ name, mode: 0o400, show });

/** SLUB sysfs attributes, in slab_attrs[] order. */
export const SLAB_ATTR_FILES: readonly FileDef<SlabCtx>[] = [
  ro('slab_size', (c) => `${rec(c).slabSize}\n`),
  ro('object_size', (c) => `${rec(c).objectSize}\n`),
  ro('objs_per_slab', (c) => `${rec(c).objsPerSlab}\n`),
  ro('order', (c) => `${rec(c).order}\n`),
  {
    name: 'min_partial',
    mode: 0o600,
    show: (c) => `${rec(c).minPartial}\n`,
    write: (c, input) => {
      const v = kstrtoull(input);
      const s = cacheByName(c.env.k, c.name);
      if (!s) fail('ENODEV');
      kmemCacheSetMinPartial(c.env.k, s, Number(v > 1000n ? 1000n : v));
    },
  },
  {
    name: 'cpu_partial',
    mode: 0o600,
    show: (c) => `${rec(c).cpuPartial}\n`,
    write: (c, input) => {
      const v = kstrtoull(input);
      if (v > 0xffffffffn) fail('ERANGE');
      const s = cacheByName(c.env.k, c.name);
      if (!s) fail('ENODEV');
      kmemCacheSetCpuPartial(c.env.k, s, Number(v));
    },
  },
  ro('objects', (c) => perNode(rec(c).objects)),
  ro('partial', (c) => perNode(rec(c).partial)),
  ro('cpu_slabs', (c) => perNode(rec(c).cpuSlabs)),
  ro('ctor', () => ''),
  ro('aliases', () => '0\n'),
  ro('align', (c) => `${rec(c).align}\n`),
  ro('hwcache_align', () => '0\n'),
  ro('reclaim_account', (c) => `${rec(c).reclaimAccount ? 1 : 0}\n`),
  ro('destroy_by_rcu', () => '0\n'),
  {
    name: 'shrink',
    mode: 0o600,
    show: () => '',
    write: (c, input) => {
      // shrink_store: only a leading '1' shrinks
      if (input[0] !== '1') fail('EINVAL', 'write 1 to shrink');
      const s = cacheByName(c.env.k, c.name);
      if (!s) fail('ENODEV');
      kmemCacheShrink(c.env.k, s);
    },
  },
  ro('total_objects', (c) => perNode(rec(c).totalObjects)),
  ro('slabs', (c) => perNode(rec(c).slabs)),
  ro('sanity_checks', () => '0\n'),
  ro('trace', () => '0\n'),
  ro('red_zone', () => '0\n'),
  ro('poison', () => '0\n'),
  ro('store_user', () => '0\n'),
  ro('cache_dma', () => '0\n'),
  ro('usersize', () => '0\n'),
];

const SLAB_INDEX = indexTable(SLAB_ATTR_FILES);

/** One cache's attribute directory; root caches with legacy children also get cgroup/. */
function cacheDir(deps: TreeDeps, path: string, name: string, withChildren: boolean): DirNode {
  const ctx: SlabCtx = { env: deps.env, name };
  const gone = () => (cacheByName(deps.env.k, name) ? undefined : ('ENODEV' as const));
  const file = (def: FileDef<SlabCtx>): Node =>
    bindFile(def, ctx, {
      path: childPath(path, def.name),
      ino: deps.inodes.intern(childPath(path, def.name)),
      fs: 'sysfs',
      size: 4096,
      strictOpen: true,
      gone,
    });
  const childrenDir = (): DirNode => {
    const cpath = childPath(path, 'cgroup');
    const children = () => cacheNames(deps.env.k, name);
    return {
      kind: 'dir',
      name: 'cgroup',
      path: cpath,
      ino: deps.inodes.intern(cpath),
      mode: 0o755,
      fs: 'sysfs',
      subdirCount: () => children().length,
      lookup: (n) => (cacheByName(deps.env.k, n)?.rootCache?.name === name ? cacheDir(deps, childPath(cpath, n), n, false) : undefined),
      list: () => children().map((n) => cacheDir(deps, childPath(cpath, n), n, false)),
    };
  };
  return {
    kind: 'dir',
    name,
    path,
    ino: deps.inodes.intern(path),
    mode: 0o755,
    fs: 'sysfs',
    subdirCount: () => (withChildren ? 1 : 0),
    lookup(n) {
      const def = SLAB_INDEX.get(n);
      if (def) return file(def);
      if (withChildren && n === 'cgroup') return childrenDir();
      return undefined;
    },
    list() {
      const out = SLAB_ATTR_FILES.map(file);
      if (withChildren) out.push(childrenDir());
      return out;
    },
  };
}

/**
 * sys/kernel/slab/. Under the legacy and objcg controllers every root cache has a cgroup/
 * directory for its per-memcg children (empty when it has none, as with SLAB_ACCOUNT-less
 * caches in Linux, which always create the kset).
 */
export function slabDir(deps: TreeDeps, path: string): DirNode {
  const legacy = deps.env.k.controller !== 'none';

  return {
    kind: 'dir',
    name: 'slab',
    path,
    ino: deps.inodes.intern(path),
    mode: 0o755,
    fs: 'sysfs',
    subdirCount: () => cacheNames(deps.env.k, null).length,
    lookup(n) {
      const s = findSlabCache(deps.env.k, n);
      if (!s || s.destroyed || s.rootCache) return undefined;
      return cacheDir(deps, childPath(path, n), n, legacy);
    },
    list() {
      return cacheNames(deps.env.k, null)
        .sort()
        .map((n) => cacheDir(deps, childPath(path, n), n, legacy));
    },
  };
}
