/**
 * Kernel memory accounting off (`cgroup.memory=nokmem`): the seed's third reference point.
 * Slab objects, kernel stacks and per-CPU memory are never charged to memcgs; user pages are.
 */
import type { KmemController } from './controller.js';

export function createNoneController(): KmemController {
  return {
    name: 'none',
    kmemEnabled: false,
    preAlloc: (_k, s) => s,
    postAlloc() {},
    allocFailed() {},
    freeHook() {},
    slabPageAlloc: () => true,
    slabPageFree() {},
    slabPageMemcgId: () => 0,
    objMemcg: () => null,
    online() {},
    offline() {},
    release() {},
    drainObjStock() {},
    memcgSlabinfo: () => [],
  };
}
