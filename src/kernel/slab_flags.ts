/** kmem_cache creation flags (include/linux/slab.h), the subset the model needs. */
export const SLAB_HWCACHE_ALIGN = 0x2000;
export const SLAB_RECLAIM_ACCOUNT = 0x20000;
export const SLAB_TYPESAFE_BY_RCU = 0x80000;
export const SLAB_ACCOUNT = 0x4000000;
/** Not a kernel flag: the cache has a constructor (moves the free pointer out of the object). */
export const SLAB_HAS_CTOR = 0x1;
/** Not a kernel flag: a kmalloc-* cache. */
export const SLAB_KMALLOC = 0x2;
/** SLAB_DEACTIVATED: a legacy child cache of an offlined memcg. */
export const SLAB_DEACTIVATED = 0x10000000;
