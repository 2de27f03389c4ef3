/**
 * The layout registry: C struct layouts of the simulated kernel, one set per kernel profile, from
 * which everything byte-shaped is generated — the memory image drgn reads (image.ts) and the
 * type table the Python adapter turns into drgn types (layoutJson). Struct shapes follow x86_64
 * SLUB kernels closely enough that drgn's helpers and memcg_slabinfo.py work unmodified; fields
 * nothing reads are left out, so sizes are smaller than the kernel's (a script must never rely on
 * sizeof of a kernel struct). Offsets follow the SysV x86_64 ABI (natural alignment, bit fields
 * packed into units of their declared type).
 *
 * Profiles (kernel shapes scripts detect by type presence, as they do across real versions):
 *  - legacy-v5.8: per-memcg child caches (kmem_cache.memcg_params, mem_cgroup.kmem_caches,
 *    page.mem_cgroup); no struct obj_cgroup.
 *  - objcg-v5.9: struct obj_cgroup; page.obj_cgroups in a union with page.mem_cgroup.
 *  - objcg-v5.11: page.memcg_data with MEMCG_DATA_OBJCGS in bit 0 (what the upstream
 *    memcg_slabinfo.py of v5.11-v5.16 reads).
 */
import type { ControllerName } from '../kernel/index.js';

export type Profile = 'legacy-v5.8' | 'objcg-v5.9' | 'objcg-v5.11';
export const PROFILES: readonly Profile[] = ['legacy-v5.8', 'objcg-v5.9', 'objcg-v5.11'];

/** The profile a kernel's image uses unless told otherwise. */
export function defaultProfile(controller: ControllerName): Profile {
  return controller === 'legacy' ? 'legacy-v5.8' : 'objcg-v5.11';
}

export function isLegacyProfile(p: Profile): boolean {
  return p === 'legacy-v5.8';
}

/** Array bounds baked into the layouts. */
export const MAX_NUMNODES = 64;
export const NR_CPUS = 1024;
export const XA_CHUNK_SHIFT = 6;
export const XA_CHUNK_SIZE = 1 << XA_CHUNK_SHIFT;
export const PIDHASH_UNUSED = 0;
export const CGROUP_SUBSYS_COUNT = 1;
export const TASK_COMM_LEN = 16;

// ---------------------------------------------------------------------------------------------
// Declarations

/** A C type name ('struct page *', 'unsigned int', 'struct kmem_cache_node *[64]') or an inline aggregate. */
export type TypeRef = string | AggDecl;

export interface MemberDecl {
  readonly name: string | null;
  readonly type: TypeRef;
  /** Bit-field width. */
  readonly bits?: number;
}

export interface AggDecl {
  readonly kind: 'struct' | 'union';
  readonly tag: string | null;
  readonly members: readonly MemberDecl[];
}

export interface EnumDecl {
  readonly kind: 'enum';
  readonly tag: string;
  readonly compat: string;
  readonly values: readonly (readonly [string, number])[];
}

export interface TypedefDecl {
  readonly kind: 'typedef';
  readonly name: string;
  readonly target: TypeRef;
}

export type Decl = AggDecl | EnumDecl | TypedefDecl;

const m = (type: TypeRef, name: string | null, bits?: number): MemberDecl => (bits ? { name, type, bits } : { name, type });
const S = (tag: string | null, members: MemberDecl[]): AggDecl => ({ kind: 'struct', tag, members });
const U = (tag: string | null, members: MemberDecl[]): AggDecl => ({ kind: 'union', tag, members });
const T = (name: string, target: TypeRef): TypedefDecl => ({ kind: 'typedef', name, target });
const E = (tag: string, compat: string, values: [string, number][]): EnumDecl => ({ kind: 'enum', tag, compat, values });

/** enum pageflags (x86_64, CONFIG_MEMORY_FAILURE, CONFIG_IDLE_PAGE_TRACKING). */
export const PAGEFLAGS: readonly [string, number][] = [
  'PG_locked', 'PG_referenced', 'PG_uptodate', 'PG_dirty', 'PG_lru', 'PG_active', 'PG_workingset', 'PG_waiters',
  'PG_error', 'PG_slab', 'PG_owner_priv_1', 'PG_arch_1', 'PG_reserved', 'PG_private', 'PG_private_2', 'PG_writeback',
  'PG_head', 'PG_mappedtodisk', 'PG_reclaim', 'PG_swapbacked', 'PG_unevictable', 'PG_mlocked', 'PG_uncached',
  'PG_hwpoison', 'PG_young', 'PG_idle', '__NR_PAGEFLAGS',
].map((n, i) => [n, i] as [string, number]);

export const PG = Object.fromEntries(PAGEFLAGS) as Record<string, number>;

export const CSS_FLAGS = { CSS_NO_REF: 1, CSS_ONLINE: 2, CSS_RELEASED: 4, CSS_VISIBLE: 8, CSS_DYING: 16 } as const;
export const KERNFS_TYPE = { KERNFS_DIR: 1, KERNFS_FILE: 2, KERNFS_LINK: 4 } as const;
export const MEMCG_DATA = { MEMCG_DATA_OBJCGS: 1, MEMCG_DATA_KMEM: 2, __NR_MEMCG_DATA_FLAGS: 4 } as const;
export const PIDTYPE = { PIDTYPE_PID: 0, PIDTYPE_TGID: 1, PIDTYPE_PGID: 2, PIDTYPE_SID: 3, PIDTYPE_MAX: 4 } as const;
/** percpu_ref: __PERCPU_REF_ATOMIC | __PERCPU_REF_DEAD in percpu_count_ptr once killed. */
export const PERCPU_REF_ATOMIC_DEAD = 3;
/** task_struct.flags */
export const PF_KTHREAD = 0x00200000;

function commonDecls(): Decl[] {
  return [
    T('u8', 'unsigned char'),
    T('u16', 'unsigned short'),
    T('u32', 'unsigned int'),
    T('u64', 'unsigned long long'),
    T('s64', 'long long'),
    T('bool', '_Bool'),
    T('gfp_t', 'unsigned int'),
    T('slab_flags_t', 'unsigned int'),
    T('pgoff_t', 'unsigned long'),
    T('phys_addr_t', 'u64'),
    T('pid_t', 'int'),
    T('atomic_t', S(null, [m('int', 'counter')])),
    T('atomic64_t', S(null, [m('s64', 'counter')])),
    T('atomic_long_t', 'atomic64_t'),
    T('refcount_t', S('refcount_struct', [m('atomic_t', 'refs')])),
    S('spinlock', [m('unsigned int', 'rlock')]),
    T('spinlock_t', 'struct spinlock'),
    S('list_head', [m('struct list_head *', 'next'), m('struct list_head *', 'prev')]),
    S('hlist_head', [m('struct hlist_node *', 'first')]),
    S('hlist_node', [m('struct hlist_node *', 'next'), m('struct hlist_node **', 'pprev')]),
    S('rb_node', [m('unsigned long', '__rb_parent_color'), m('struct rb_node *', 'rb_right'), m('struct rb_node *', 'rb_left')]),
    S('rb_root', [m('struct rb_node *', 'rb_node')]),
    S('callback_head', [m('struct callback_head *', 'next'), m('void *', 'func')]),
    T('rcu_head', 'struct callback_head'),
    S('work_struct', [m('atomic_long_t', 'data'), m('struct list_head', 'entry'), m('void *', 'func')]),
    S('percpu_ref', [
      m('atomic_long_t', 'count'),
      m('unsigned long', 'percpu_count_ptr'),
      m('void *', 'release'),
      m('void *', 'confirm_switch'),
      m('bool', 'force_atomic', 1),
      m('bool', 'allow_reinit', 1),
      m('struct callback_head', 'rcu'),
    ]),
    S('cpumask', [m(`unsigned long [${NR_CPUS / 64}]`, 'bits')]),
    E('pageflags', 'unsigned int', [...PAGEFLAGS]),
    E('css_flags', 'unsigned int', Object.entries(CSS_FLAGS)),
    E('kernfs_node_type', 'unsigned int', Object.entries(KERNFS_TYPE)),
    E('pid_type', 'unsigned int', Object.entries(PIDTYPE)),
    E('cgroup_subsys_id', 'unsigned int', [['memory_cgrp_id', 0], ['CGROUP_SUBSYS_COUNT', CGROUP_SUBSYS_COUNT]]),
    E('memcg_kmem_state', 'unsigned int', [['KMEM_NONE', 0], ['KMEM_ALLOCATED', 1], ['KMEM_ONLINE', 2]]),
    // SLUB
    S('kmem_cache_order_objects', [m('unsigned int', 'x')]),
    S('kmem_cache_cpu', [m('void **', 'freelist'), m('unsigned long', 'tid'), m('struct page *', 'page'), m('struct page *', 'partial')]),
    S('kmem_cache_node', [
      m('spinlock_t', 'list_lock'),
      m('unsigned long', 'nr_partial'),
      m('struct list_head', 'partial'),
      m('atomic_long_t', 'nr_slabs'),
      m('atomic_long_t', 'total_objects'),
      m('struct list_head', 'full'),
    ]),
    // kernfs and cgroups
    S('kernfs_elem_dir', [m('unsigned long', 'subdirs'), m('struct rb_root', 'children'), m('struct kernfs_root *', 'root')]),
    S('kernfs_elem_symlink', [m('struct kernfs_node *', 'target_kn')]),
    S('kernfs_node', [
      m('atomic_t', 'count'),
      m('atomic_t', 'active'),
      m('struct kernfs_node *', 'parent'),
      m('const char *', 'name'),
      m('struct rb_node', 'rb'),
      m('const void *', 'ns'),
      m('unsigned int', 'hash'),
      m(U(null, [m('struct kernfs_elem_dir', 'dir'), m('struct kernfs_elem_symlink', 'symlink')]), null),
      m('void *', 'priv'),
      m('u64', 'id'),
      m('unsigned short', 'flags'),
      m('unsigned short', 'mode'),
    ]),
    S('kernfs_root', [m('struct kernfs_node *', 'kn'), m('unsigned int', 'flags')]),
    S('cgroup_subsys_state', [
      m('struct cgroup *', 'cgroup'),
      m('void *', 'ss'),
      m('struct percpu_ref', 'refcnt'),
      m('struct list_head', 'sibling'),
      m('struct list_head', 'children'),
      m('int', 'id'),
      m('unsigned int', 'flags'),
      m('u64', 'serial_nr'),
      m('atomic_t', 'online_cnt'),
      m('struct cgroup_subsys_state *', 'parent'),
    ]),
    S('cgroup', [
      m('struct cgroup_subsys_state', 'self'),
      m('unsigned long', 'flags'),
      m('int', 'level'),
      m('int', 'max_depth'),
      m('int', 'nr_descendants'),
      m('int', 'nr_dying_descendants'),
      m('int', 'max_descendants'),
      m('struct kernfs_node *', 'kn'),
      m(`struct cgroup_subsys_state *[${CGROUP_SUBSYS_COUNT}]`, 'subsys'),
      m('struct cgroup_root *', 'root'),
    ]),
    S('cgroup_root', [
      m('struct kernfs_root *', 'kf_root'),
      m('unsigned int', 'subsys_mask'),
      m('int', 'hierarchy_id'),
      m('struct cgroup', 'cgrp'),
      m('atomic_t', 'nr_cgrps'),
      m('char [64]', 'name'),
    ]),
    S('css_set', [
      m(`struct cgroup_subsys_state *[${CGROUP_SUBSYS_COUNT}]`, 'subsys'),
      m('refcount_t', 'refcount'),
      m('struct cgroup *', 'dfl_cgrp'),
      m('struct list_head', 'tasks'),
    ]),
    S('page_counter', [
      m('atomic_long_t', 'usage'),
      m('unsigned long', 'min'),
      m('unsigned long', 'low'),
      m('unsigned long', 'high'),
      m('unsigned long', 'max'),
      m('unsigned long', 'watermark'),
      m('unsigned long', 'failcnt'),
      m('struct page_counter *', 'parent'),
    ]),
    S('mem_cgroup_id', [m('int', 'id'), m('refcount_t', 'ref')]),
    // tasks and pids
    S('xarray', [m('spinlock_t', 'xa_lock'), m('gfp_t', 'xa_flags'), m('void *', 'xa_head')]),
    S('xa_node', [
      m('unsigned char', 'shift'),
      m('unsigned char', 'offset'),
      m('unsigned char', 'count'),
      m('unsigned char', 'nr_values'),
      m('struct xa_node *', 'parent'),
      m('struct xarray *', 'array'),
      m(U(null, [m('struct list_head', 'private_list'), m('struct callback_head', 'rcu_head')]), null),
      m(`void *[${XA_CHUNK_SIZE}]`, 'slots'),
      m(U(null, [m('unsigned long [3][1]', 'tags'), m('unsigned long [3][1]', 'marks')]), null),
    ]),
    S('idr', [m('struct xarray', 'idr_rt'), m('unsigned int', 'idr_base'), m('unsigned int', 'idr_next')]),
    S('pid_namespace', [
      m('struct idr', 'idr'),
      m('struct callback_head', 'rcu'),
      m('unsigned int', 'pid_allocated'),
      m('struct task_struct *', 'child_reaper'),
      m('unsigned int', 'level'),
      m('struct pid_namespace *', 'parent'),
    ]),
    S('upid', [m('int', 'nr'), m('struct pid_namespace *', 'ns')]),
    S('pid', [
      m('refcount_t', 'count'),
      m('unsigned int', 'level'),
      m(`struct hlist_head [${PIDTYPE.PIDTYPE_MAX}]`, 'tasks'),
      m('struct callback_head', 'rcu'),
      m('struct upid [1]', 'numbers'),
    ]),
    S('mm_struct', [m('unsigned long', 'mmap_base')]),
    S('task_struct', [
      m('long', 'state'),
      m('void *', 'stack'),
      m('refcount_t', 'usage'),
      m('unsigned int', 'flags'),
      m('int', 'on_cpu'),
      m('unsigned int', 'cpu'),
      m('struct list_head', 'tasks'),
      m('struct mm_struct *', 'mm'),
      m('struct mm_struct *', 'active_mm'),
      m('pid_t', 'pid'),
      m('pid_t', 'tgid'),
      m('struct task_struct *', 'real_parent'),
      m('struct task_struct *', 'parent'),
      m('struct task_struct *', 'group_leader'),
      m('struct list_head', 'thread_group'),
      m('struct pid *', 'thread_pid'),
      m(`struct hlist_node [${PIDTYPE.PIDTYPE_MAX}]`, 'pid_links'),
      m('u64', 'start_time'),
      m(`char [${TASK_COMM_LEN}]`, 'comm'),
      m('struct css_set *', 'cgroups'),
      m('struct list_head', 'cg_list'),
      m('struct mem_cgroup *', 'active_memcg'),
    ]),
  ];
}

/** struct page (64 bytes) with the profile's memcg slot. */
function pageDecl(profile: Profile): AggDecl {
  const memcgSlot: MemberDecl =
    profile === 'objcg-v5.11'
      ? m('unsigned long', 'memcg_data')
      : profile === 'objcg-v5.9'
        ? m(U(null, [m('struct mem_cgroup *', 'mem_cgroup'), m('struct obj_cgroup **', 'obj_cgroups')]), null)
        : m('struct mem_cgroup *', 'mem_cgroup');
  return S('page', [
    m('unsigned long', 'flags'),
    m(
      U(null, [
        m(S(null, [m('struct list_head', 'lru'), m('void *', 'mapping'), m('pgoff_t', 'index'), m('unsigned long', 'private')]), null),
        m(
          S(null, [
            m(
              U(null, [
                m('struct list_head', 'slab_list'),
                m(S(null, [m('struct page *', 'next'), m('int', 'pages'), m('int', 'pobjects')]), null),
              ]),
              null,
            ),
            m('struct kmem_cache *', 'slab_cache'),
            m('void *', 'freelist'),
            m(
              U(null, [
                m('void *', 's_mem'),
                m('unsigned long', 'counters'),
                m(S(null, [m('unsigned int', 'inuse', 16), m('unsigned int', 'objects', 15), m('unsigned int', 'frozen', 1)]), null),
              ]),
              null,
            ),
          ]),
          null,
        ),
        m(
          S(null, [
            m('unsigned long', 'compound_head'),
            m('unsigned char', 'compound_dtor'),
            m('unsigned char', 'compound_order'),
            m('atomic_t', 'compound_mapcount'),
          ]),
          null,
        ),
        m('struct callback_head', 'rcu_head'),
      ]),
      null,
    ),
    m(U(null, [m('atomic_t', '_mapcount'), m('unsigned int', 'page_type'), m('unsigned int', 'active'), m('int', 'units')]), null),
    m('atomic_t', '_refcount'),
    memcgSlot,
  ]);
}

function kmemCacheDecl(profile: Profile): AggDecl {
  const members: MemberDecl[] = [
    m('struct kmem_cache_cpu *', 'cpu_slab'),
    m('slab_flags_t', 'flags'),
    m('unsigned long', 'min_partial'),
    m('unsigned int', 'size'),
    m('unsigned int', 'object_size'),
    m('unsigned int', 'offset'),
    m('unsigned int', 'cpu_partial'),
    m('struct kmem_cache_order_objects', 'oo'),
    m('struct kmem_cache_order_objects', 'max'),
    m('struct kmem_cache_order_objects', 'min'),
    m('gfp_t', 'allocflags'),
    m('int', 'refcount'),
    m('void *', 'ctor'),
    m('unsigned int', 'inuse'),
    m('unsigned int', 'align'),
    m('unsigned int', 'red_left_pad'),
    m('const char *', 'name'),
    m('struct list_head', 'list'),
  ];
  if (isLegacyProfile(profile)) members.push(m('struct memcg_cache_params', 'memcg_params'));
  members.push(m('unsigned int', 'useroffset'), m('unsigned int', 'usersize'), m(`struct kmem_cache_node *[${MAX_NUMNODES}]`, 'node'));
  return S('kmem_cache', members);
}

function memcgDecls(profile: Profile): Decl[] {
  const legacy = isLegacyProfile(profile);
  const memcg: MemberDecl[] = [
    m('struct cgroup_subsys_state', 'css'),
    m('struct mem_cgroup_id', 'id'),
    m('struct page_counter', 'memory'),
    m(U(null, [m('struct page_counter', 'swap'), m('struct page_counter', 'memsw')]), null),
    m('struct page_counter', 'kmem'),
    m('struct page_counter', 'tcpmem'),
    m('unsigned long', 'soft_limit'),
    m('bool', 'use_hierarchy'),
    m('bool', 'oom_group'),
    m('int', 'swappiness'),
    m('int', 'kmemcg_id'),
    m('enum memcg_kmem_state', 'kmem_state'),
  ];
  const out: Decl[] = [];
  if (legacy) {
    memcg.push(m('struct list_head', 'kmem_caches'));
    out.push(
      S('memcg_cache_array', [m('struct callback_head', 'rcu'), m('struct kmem_cache *[0]', 'entries')]),
      S('memcg_cache_params', [
        m('struct kmem_cache *', 'root_cache'),
        m(
          U(null, [
            m(
              S(null, [
                m('struct memcg_cache_array *', 'memcg_caches'),
                m('struct list_head', '__root_caches_node'),
                m('struct list_head', 'children'),
                m('bool', 'dying'),
              ]),
              null,
            ),
            m(
              S(null, [
                m('struct mem_cgroup *', 'memcg'),
                m('struct list_head', 'children_node'),
                m('struct list_head', 'kmem_caches_node'),
                m('struct percpu_ref', 'refcnt'),
                m('void *', 'work_fn'),
                m(U(null, [m('struct callback_head', 'rcu_head'), m('struct work_struct', 'work')]), null),
              ]),
              null,
            ),
          ]),
          null,
        ),
      ]),
    );
  } else {
    memcg.push(m('struct obj_cgroup *', 'objcg'), m('struct list_head', 'objcg_list'));
    out.push(
      S('obj_cgroup', [
        m('struct percpu_ref', 'refcnt'),
        m('struct mem_cgroup *', 'memcg'),
        m('atomic_t', 'nr_charged_bytes'),
        m(U(null, [m('struct list_head', 'list'), m('struct callback_head', 'rcu')]), null),
      ]),
    );
    if (profile === 'objcg-v5.11') out.push(E('memcg_data_flags', 'unsigned long', Object.entries(MEMCG_DATA)));
  }
  out.push(S('mem_cgroup', memcg));
  return out;
}

/** Every declaration of a profile, in dependency-free order (types are resolved by name). */
export function profileDecls(profile: Profile): Decl[] {
  return [...commonDecls(), pageDecl(profile), kmemCacheDecl(profile), ...memcgDecls(profile)];
}

// ---------------------------------------------------------------------------------------------
// Layout computation

export interface MemberLayout {
  readonly name: string | null;
  /** C type name, or the inline anonymous aggregate's layout. */
  readonly type: string | AggLayout;
  /** Byte offset of the member (of its storage unit for bit fields). */
  readonly offset: number;
  readonly bitOffset: number;
  readonly bits?: number;
  readonly size: number;
}

export interface AggLayout {
  readonly kind: 'struct' | 'union';
  readonly tag: string | null;
  readonly size: number;
  readonly align: number;
  readonly members: readonly MemberLayout[];
}

export interface EnumLayout {
  readonly kind: 'enum';
  readonly tag: string;
  readonly compat: string;
  readonly values: readonly (readonly [string, number])[];
}

export interface TypedefLayout {
  readonly kind: 'typedef';
  readonly name: string;
  readonly target: string | AggLayout;
}

export type TypeLayout = AggLayout | EnumLayout | TypedefLayout;

const PRIMITIVES: Record<string, number> = {
  char: 1,
  'signed char': 1,
  'unsigned char': 1,
  short: 2,
  'unsigned short': 2,
  int: 4,
  'unsigned int': 4,
  long: 8,
  'unsigned long': 8,
  'long long': 8,
  'unsigned long long': 8,
  _Bool: 1,
  void: 1,
};

interface ParsedType {
  base: string;
  pointers: number;
  dims: number[];
}

function parseTypeName(name: string): ParsedType {
  const mt = /^(?:const\s+|volatile\s+)*(.+?)\s*(\**)\s*((?:\[\d*\])*)$/.exec(name.trim());
  if (!mt) throw new Error(`layouts: cannot parse type name '${name}'`);
  const dims = [...mt[3].matchAll(/\[(\d*)\]/g)].map((d) => (d[1] === '' ? 0 : Number(d[1])));
  return { base: mt[1].replace(/\s+/g, ' '), pointers: mt[2].length, dims };
}

export interface FieldInfo {
  /** Byte offset from the start of the outer type. */
  readonly offset: number;
  readonly size: number;
  /** Resolved C type name of the field ('' for an inline aggregate). */
  readonly typeName: string;
  readonly bits?: number;
  /** Bit offset inside the storage unit starting at `offset` (bit fields only). */
  readonly bitShift?: number;
}

/** The computed layouts of one profile, with offset lookups for the image writer. */
export class LayoutRegistry {
  readonly profile: Profile;
  private readonly decls = new Map<string, Decl>();
  private readonly aggCache = new Map<string, AggLayout>();
  private readonly fieldCache = new Map<string, FieldInfo>();
  readonly order: string[] = [];

  constructor(profile: Profile) {
    this.profile = profile;
    for (const d of profileDecls(profile)) {
      const key = d.kind === 'typedef' ? d.name : `${d.kind} ${d.tag}`;
      if (this.decls.has(key)) throw new Error(`layouts: duplicate ${key}`);
      this.decls.set(key, d);
      this.order.push(key);
    }
  }

  /** Does the profile define this type ('struct obj_cgroup', 'phys_addr_t')? */
  has(name: string): boolean {
    return this.decls.has(name.trim());
  }

  private resolveBase(base: string): { size: number; align: number; agg?: AggLayout } {
    if (base in PRIMITIVES) return { size: PRIMITIVES[base], align: PRIMITIVES[base] };
    const d = this.decls.get(base);
    if (!d) throw new Error(`layouts(${this.profile}): unknown type '${base}'`);
    if (d.kind === 'enum') {
      const s = PRIMITIVES[d.compat];
      return { size: s, align: s };
    }
    if (d.kind === 'typedef') return this.sizeAlignOf(d.target);
    const agg = this.aggregate(base);
    return { size: agg.size, align: agg.align, agg };
  }

  private sizeAlignOf(t: TypeRef): { size: number; align: number; agg?: AggLayout } {
    if (typeof t !== 'string') {
      const agg = this.layoutAgg(t);
      return { size: agg.size, align: agg.align, agg };
    }
    const p = parseTypeName(t);
    let sa: { size: number; align: number; agg?: AggLayout } = p.pointers > 0 ? { size: 8, align: 8 } : this.resolveBase(p.base);
    if (p.dims.length) {
      const n = p.dims.reduce((a, b) => a * b, 1);
      sa = { size: sa.size * n, align: sa.align };
    }
    return sa;
  }

  sizeof(t: string): number {
    return this.sizeAlignOf(t).size;
  }

  /** The layout of a named aggregate ('struct page'). */
  aggregate(name: string): AggLayout {
    const key = name.trim();
    let agg = this.aggCache.get(key);
    if (agg) return agg;
    const d = this.decls.get(key);
    if (!d || d.kind === 'enum') throw new Error(`layouts(${this.profile}): '${name}' is not an aggregate`);
    if (d.kind === 'typedef') {
      const target = d.target;
      agg = typeof target === 'string' ? this.aggregate(parseTypeName(target).base) : this.layoutAgg(target);
    } else agg = this.layoutAgg(d);
    this.aggCache.set(key, agg);
    return agg;
  }

  private layoutAgg(d: AggDecl): AggLayout {
    const members: MemberLayout[] = [];
    let bit = 0;
    let size = 0;
    let align = 1;
    for (const md of d.members) {
      const sa = this.sizeAlignOf(md.type);
      align = Math.max(align, sa.align);
      const type: string | AggLayout = typeof md.type === 'string' ? md.type : sa.agg!;
      if (d.kind === 'union') {
        members.push({ name: md.name, type, offset: 0, bitOffset: 0, size: sa.size, ...(md.bits ? { bits: md.bits } : {}) });
        size = Math.max(size, sa.size);
        continue;
      }
      if (md.bits) {
        const unit = sa.size * 8;
        if (Math.floor(bit / unit) !== Math.floor((bit + md.bits - 1) / unit)) bit = Math.ceil(bit / unit) * unit;
        const unitStart = Math.floor(bit / unit) * unit;
        members.push({ name: md.name, type, offset: unitStart / 8, bitOffset: bit, bits: md.bits, size: sa.size });
        bit += md.bits;
      } else {
        bit = Math.ceil(bit / (sa.align * 8)) * sa.align * 8;
        members.push({ name: md.name, type, offset: bit / 8, bitOffset: bit, size: sa.size });
        bit += sa.size * 8;
      }
      size = Math.ceil(bit / 8);
    }
    size = Math.ceil(size / align) * align;
    return { kind: d.kind, tag: d.tag, size, align, members };
  }

  /**
   * Offset and type of a member path inside `typeName`: 'memcg_params.kmem_caches_node',
   * 'node[1]', 'oo.x'. Anonymous members are searched as C does.
   */
  field(typeName: string, path: string): FieldInfo {
    const key = `${typeName}|${path}`;
    const cached = this.fieldCache.get(key);
    if (cached) return cached;
    let agg = this.aggregate(typeName);
    let offset = 0;
    let cur: FieldInfo | null = null;
    const parts = path.split('.');
    for (let i = 0; i < parts.length; i++) {
      const mt = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$/.exec(parts[i]);
      if (!mt) throw new Error(`layouts: bad member path '${path}'`);
      const found = findMember(agg, mt[1]);
      if (!found) throw new Error(`layouts(${this.profile}): ${typeName} has no member '${parts.slice(0, i + 1).join('.')}'`);
      offset += found.offset;
      const mem = found.member;
      let tname = typeof mem.type === 'string' ? mem.type : '';
      let size = mem.size;
      const idx = [...mt[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
      if (idx.length) {
        const p = parseTypeName(tname);
        for (const ix of idx) {
          const dim = p.dims.shift();
          if (dim === undefined) throw new Error(`layouts: '${parts[i]}' is not an array`);
          const elemType = `${p.base} ${'*'.repeat(p.pointers)}${p.dims.map((d) => `[${d}]`).join('')}`.trim();
          const elemSize = this.sizeof(elemType);
          offset += ix * elemSize;
          tname = elemType;
          size = elemSize;
        }
      }
      cur = mem.bits
        ? { offset, size, typeName: tname, bits: mem.bits, bitShift: mem.bitOffset - mem.offset * 8 }
        : { offset, size, typeName: tname };
      if (i < parts.length - 1) {
        if (typeof mem.type !== 'string') agg = mem.type;
        else {
          const p = parseTypeName(tname);
          if (p.pointers || p.dims.length) throw new Error(`layouts: cannot descend into '${tname}' in '${path}'`);
          agg = this.aggregate(this.resolveTypedefBase(p.base));
        }
      }
    }
    this.fieldCache.set(key, cur!);
    return cur!;
  }

  private resolveTypedefBase(base: string): string {
    const d = this.decls.get(base);
    if (d && d.kind === 'typedef' && typeof d.target === 'string') return this.resolveTypedefBase(parseTypeName(d.target).base);
    return base;
  }

  offsetof(typeName: string, path: string): number {
    return this.field(typeName, path).offset;
  }

  /** Every enumerator of every enum: the constants the object finder serves. */
  enumerators(): Array<{ name: string; value: number; type: string }> {
    const out: Array<{ name: string; value: number; type: string }> = [];
    for (const d of this.decls.values()) {
      if (d.kind === 'enum') for (const [name, value] of d.values) out.push({ name, value, type: `enum ${d.tag}` });
    }
    return out;
  }

  /** The type table for the Python adapter. */
  toJson(): { profile: Profile; types: TypeLayout[] } {
    const types: TypeLayout[] = [];
    for (const key of this.order) {
      const d = this.decls.get(key)!;
      if (d.kind === 'enum') types.push({ kind: 'enum', tag: d.tag, compat: d.compat, values: d.values });
      else if (d.kind === 'typedef') {
        types.push({ kind: 'typedef', name: d.name, target: typeof d.target === 'string' ? d.target : this.layoutAgg(d.target) });
      } else types.push(this.aggregate(key));
    }
    return { profile: this.profile, types };
  }
}

function findMember(agg: AggLayout, name: string): { member: MemberLayout; offset: number } | null {
  for (const mem of agg.members) {
    if (mem.name === name) return { member: mem, offset: mem.offset };
    if (mem.name === null && typeof mem.type !== 'string') {
      const inner = findMember(mem.type, name);
      if (inner) return { member: inner.member, offset: mem.offset + inner.offset };
    }
  }
  return null;
}

const registries = new Map<Profile, LayoutRegistry>();

/** The (cached) registry of a profile. */
export function layoutRegistry(profile: Profile): LayoutRegistry {
  let r = registries.get(profile);
  if (!r) {
    if (!PROFILES.includes(profile)) throw new Error(`unknown kernel profile '${profile}' (known: ${PROFILES.join(', ')})`);
    r = new LayoutRegistry(profile);
    registries.set(profile, r);
  }
  return r;
}

/** The JSON the Python adapter reads (scripts/drgn/memcgfs_drgn.py). */
export function layoutJson(profile: Profile): string {
  return JSON.stringify(layoutRegistry(profile).toJson());
}
