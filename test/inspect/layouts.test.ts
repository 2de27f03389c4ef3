/** The layout registry: x86_64 shapes drgn scripts rely on, per kernel profile. */
import { describe, expect, it } from 'vitest';
import { PROFILES, defaultProfile, layoutRegistry } from '../../src/inspect/layouts.js';

describe('layout registry', () => {
  it.each(PROFILES)('struct page is 64 bytes with the SLUB fields where SLUB keeps them (%s)', (profile) => {
    const r = layoutRegistry(profile);
    expect(r.sizeof('struct page')).toBe(64);
    expect(r.offsetof('struct page', 'lru')).toBe(8);
    expect(r.offsetof('struct page', 'slab_list')).toBe(8);
    expect(r.offsetof('struct page', 'slab_cache')).toBe(24);
    expect(r.offsetof('struct page', 'freelist')).toBe(32);
    expect(r.field('struct page', 'inuse')).toMatchObject({ offset: 40, bits: 16, bitShift: 0 });
    expect(r.field('struct page', 'objects')).toMatchObject({ offset: 40, bits: 15, bitShift: 16 });
    expect(r.field('struct page', 'frozen')).toMatchObject({ offset: 40, bits: 1, bitShift: 31 });
    expect(r.offsetof('struct page', 'compound_head')).toBe(8);
    expect(r.offsetof('struct page', 'compound_order')).toBe(17);
    expect(r.offsetof('struct page', '_refcount')).toBe(52);
    // SLUB is detected by the second member of struct kmem_cache
    const kc = r.aggregate('struct kmem_cache');
    expect(kc.members[0].name).toBe('cpu_slab');
    expect(kc.members[1].name).toBe('flags');
    expect(r.sizeof('struct list_head')).toBe(16);
    expect(r.sizeof('atomic_long_t')).toBe(8);
    expect(r.sizeof('struct rb_node')).toBe(24);
  });

  it('selects each profile by type shape', () => {
    const legacy = layoutRegistry('legacy-v5.8');
    const v59 = layoutRegistry('objcg-v5.9');
    const v511 = layoutRegistry('objcg-v5.11');
    expect(legacy.has('struct obj_cgroup')).toBe(false);
    expect(v59.has('struct obj_cgroup')).toBe(true);
    expect(legacy.offsetof('struct page', 'mem_cgroup')).toBe(56);
    expect(v59.offsetof('struct page', 'obj_cgroups')).toBe(56);
    expect(v59.offsetof('struct page', 'mem_cgroup')).toBe(56);
    expect(v511.offsetof('struct page', 'memcg_data')).toBe(56);
    expect(() => v511.offsetof('struct page', 'mem_cgroup')).toThrow();
    expect(legacy.offsetof('struct kmem_cache', 'memcg_params.kmem_caches_node')).toBeGreaterThan(0);
    expect(legacy.offsetof('struct kmem_cache', 'memcg_params.memcg')).toBe(legacy.offsetof('struct kmem_cache', 'memcg_params.memcg_caches'));
    expect(() => v511.offsetof('struct kmem_cache', 'memcg_params')).toThrow();
    expect(v511.offsetof('struct mem_cgroup', 'objcg_list')).toBeGreaterThan(v511.offsetof('struct mem_cgroup', 'objcg'));
    expect(defaultProfile('legacy')).toBe('legacy-v5.8');
    expect(defaultProfile('objcg')).toBe('objcg-v5.11');
  });

  it('indexes arrays and nested members', () => {
    const r = layoutRegistry('objcg-v5.11');
    expect(r.offsetof('struct kmem_cache', 'node[2]') - r.offsetof('struct kmem_cache', 'node[0]')).toBe(16);
    expect(r.offsetof('struct kmem_cache_node', 'nr_slabs.counter')).toBe(r.offsetof('struct kmem_cache_node', 'nr_slabs'));
    expect(r.offsetof('struct task_struct', 'pid_links[1]') - r.offsetof('struct task_struct', 'pid_links[0]')).toBe(16);
    expect(r.sizeof('struct xa_node')).toBe(576);
  });

  it('exports a type table the Python adapter can build drgn types from', () => {
    const json = layoutRegistry('legacy-v5.8').toJson();
    const page = json.types.find((t) => t.kind === 'struct' && t.tag === 'page')!;
    expect(page).toMatchObject({ kind: 'struct', size: 64 });
    const names = json.types.map((t) => (t.kind === 'typedef' ? t.name : `${t.kind} ${t.tag}`));
    expect(names).toContain('enum pageflags');
    expect(names).toContain('phys_addr_t');
    expect(names).toContain('struct memcg_cache_params');
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
