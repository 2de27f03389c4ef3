/**
 * The only place src/inspect reaches past src/kernel/index.ts: constants and record shapes of the
 * kernel's internals that a snapshot must copy (slab states, page kinds, statistic slots). Kept in
 * one file so that, once the kernel exports them (docs/inspect-needs-from-kernel.md), only these
 * imports change. Read-only: nothing here is called to mutate the kernel.
 */
export { PageKind, NR_PAGE_KINDS } from '../kernel/page_alloc.js';
export { SLAB_NONE, SLAB_CPU, SLAB_CPU_PARTIAL, SLAB_NODE_PARTIAL, SLAB_FULL } from '../kernel/slub.js';
export { Stat, STAT_KEYS } from '../kernel/memcg_stat.js';
export { SLAB_DEACTIVATED, SLAB_HAS_CTOR, SLAB_TYPESAFE_BY_RCU, SLAB_RECLAIM_ACCOUNT, SLAB_ACCOUNT } from '../kernel/slab_flags.js';
export { objFullSize } from '../kernel/kmem/objcg.js';
