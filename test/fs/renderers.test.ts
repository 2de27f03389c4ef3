/**
 * Golden formats of the pure renderers, from hand-made records: exact widths and key orders as
 * kernel-spec sections 1-6 describe them.
 */
import { describe, expect, it } from 'vitest';
import type { MemInfo, MemcgStat, NodeMemInfo, SlabinfoRow, VmEvents } from '../../src/kernel/index.js';
import { renderMeminfo, directMapSplit } from '../../src/fs/procfs/meminfo.js';
import { renderSlabinfo, renderMemcgSlabinfo, slabinfoLine, SLABINFO_HEADER } from '../../src/fs/procfs/slabinfo.js';
import { renderVmstat } from '../../src/fs/procfs/vmstat.js';
import { renderZoneinfo } from '../../src/fs/procfs/zoneinfo.js';
import { renderNodeMeminfo } from '../../src/fs/sysfs/node_meminfo.js';
import { renderMemoryStatV1, renderMemoryStatV2, renderNumaStatV1 } from '../../src/fs/cgroupfs/memory_stat.js';
import { renderStatus } from '../../src/fs/procfs/pid_status.js';
import { renderPidCgroup, renderProcCgroups } from '../../src/fs/procfs/cgroups.js';

const NODE: Omit<NodeMemInfo, 'nid'> = {
  totalPages: 1048576,
  freePages: 900000,
  anonPages: 3000,
  filePages: 5000,
  activeAnon: 1000,
  inactiveAnon: 2000,
  activeFile: 3000,
  inactiveFile: 2000,
  shmemPages: 100,
  mappedPages: 700,
  slabReclaimablePages: 4000,
  slabUnreclaimablePages: 1500,
  kernelStackKb: 1408,
  pageTablePages: 300,
  percpuPages: 200,
};

const MEMINFO: MemInfo = {
  ...NODE,
  availablePages: 910000,
  committedPages: 15000,
  vmallocUsedPages: 3500,
  wmarkLowPages: 16000,
};

const EVENTS: VmEvents = {
  pgpgin: 10,
  pgalloc: 12345,
  pgfree: 12000,
  pgfault: 500,
  pgscan: 7,
  pgsteal: 6,
  slabsScanned: 3,
  dropPagecache: 1,
  dropSlab: 2,
  oomKill: 0,
};

function zeroStat(): MemcgStat {
  return {
    anon: 0,
    file: 0,
    kernelStack: 0,
    percpu: 0,
    sock: 0,
    shmem: 0,
    fileMapped: 0,
    fileDirty: 0,
    fileWriteback: 0,
    inactiveAnon: 0,
    activeAnon: 0,
    inactiveFile: 0,
    activeFile: 0,
    unevictable: 0,
    slabReclaimable: 0,
    slabUnreclaimable: 0,
    pgfault: 0,
    pgmajfault: 0,
    pgscan: 0,
    pgsteal: 0,
    pgactivate: 0,
    pgdeactivate: 0,
    pgrefill: 0,
    workingsetRefault: 0,
    workingsetActivate: 0,
    workingsetNodereclaim: 0,
  };
}

const keys = (text: string): string[] => text.trimEnd().split('\n').map((l) => l.split(' ')[0]!);

describe('/proc/meminfo', () => {
  const text = renderMeminfo(MEMINFO, { pageSize: 4096, memBytes: 4 * 2 ** 30 });
  const lines = text.split('\n');

  it('uses "%-16s%8lu kB" for every kB line and "%-16s   %5lu" for HugePages_', () => {
    expect(text.endsWith('\n')).toBe(true);
    expect(lines.at(-1)).toBe('');
    for (const l of lines.slice(0, -1)) {
      if (l.startsWith('HugePages_')) expect(l).toMatch(/^HugePages_\w+: *\s{3}[ \d]{5}$/);
      else if (l.startsWith('VmallocTotal')) expect(l).toBe('VmallocTotal:   34359738367 kB');
      else expect(l).toMatch(/^.{16}[ \d]{8} kB$/);
    }
    expect(lines[0]).toBe('MemTotal:        4194304 kB');
    expect(lines).toContain('HugePages_Total:       0');
    expect(lines).toContain('Hugepagesize:       2048 kB');
  });

  it('prints the 5.9 field order (kernel-spec 16.1 minus the 6.x additions)', () => {
    const names = lines.slice(0, -1).map((l) => l.slice(0, l.indexOf(':')));
    expect(names).toEqual([
      'MemTotal', 'MemFree', 'MemAvailable', 'Buffers', 'Cached', 'SwapCached', 'Active', 'Inactive',
      'Active(anon)', 'Inactive(anon)', 'Active(file)', 'Inactive(file)', 'Unevictable', 'Mlocked',
      'SwapTotal', 'SwapFree', 'Dirty', 'Writeback', 'AnonPages', 'Mapped', 'Shmem', 'KReclaimable',
      'Slab', 'SReclaimable', 'SUnreclaim', 'KernelStack', 'PageTables', 'NFS_Unstable', 'Bounce',
      'WritebackTmp', 'CommitLimit', 'Committed_AS', 'VmallocTotal', 'VmallocUsed', 'VmallocChunk',
      'Percpu', 'AnonHugePages', 'ShmemHugePages', 'ShmemPmdMapped', 'FileHugePages', 'FilePmdMapped',
      'HugePages_Total', 'HugePages_Free', 'HugePages_Rsvd', 'HugePages_Surp', 'Hugepagesize', 'Hugetlb',
      'DirectMap4k', 'DirectMap2M', 'DirectMap1G',
    ]);
  });

  it('keeps Slab = SReclaimable + SUnreclaim and Active = anon + file', () => {
    const v = (n: string) => Number(new RegExp(`^${n.replace(/[()]/g, '\\$&')}: +(\\d+) kB$`, 'm').exec(text)![1]);
    expect(v('Slab')).toBe(v('SReclaimable') + v('SUnreclaim'));
    expect(v('Active')).toBe(v('Active(anon)') + v('Active(file)'));
    expect(v('Inactive')).toBe(v('Inactive(anon)') + v('Inactive(file)'));
    expect(v('SReclaimable')).toBe(4000 * 4);
  });

  it('direct map covers all memory', () => {
    const d = directMapSplit(4194304);
    expect(d.d4k + d.d2m + d.d1g).toBe(4194304);
  });

  it('64K-page machines print kB from 64K pages and no DirectMap', () => {
    const t = renderMeminfo({ ...MEMINFO, totalPages: 65536 }, { pageSize: 65536, memBytes: 4 * 2 ** 30 });
    expect(t).toContain('MemTotal:        4194304 kB\n');
    expect(t).not.toContain('DirectMap');
    expect(t).toContain('Hugepagesize:      16384 kB\n');
  });
});

describe('slabinfo 2.1', () => {
  const row: SlabinfoRow = {
    name: 'dentry',
    activeObjs: 30975,
    numObjs: 30975,
    objSize: 192,
    objPerSlab: 21,
    pagesPerSlab: 1,
    activeSlabs: 1475,
    numSlabs: 1475,
  };

  it('formats a line exactly like the kernel', () => {
    expect(slabinfoLine(row)).toBe(
      'dentry             30975  30975    192   21    1 : tunables    0    0    0 : slabdata   1475   1475      0\n',
    );
    expect(slabinfoLine({ ...row, name: 'btrfs_ordered_extent', activeObjs: 0, numObjs: 0, objSize: 416, objPerSlab: 19, pagesPerSlab: 2, activeSlabs: 0, numSlabs: 0 })).toBe(
      'btrfs_ordered_extent      0      0    416   19    2 : tunables    0    0    0 : slabdata      0      0      0\n',
    );
  });

  it('has the two header lines', () => {
    const t = renderSlabinfo([row]);
    expect(t.split('\n')[0]).toBe('slabinfo - version: 2.1');
    expect(t.split('\n')[1]).toBe(
      '# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>',
    );
  });

  it('memory.kmem.slabinfo is empty without rows and has the header with rows', () => {
    expect(renderMemcgSlabinfo([])).toBe('');
    expect(renderMemcgSlabinfo([row])).toBe(SLABINFO_HEADER + slabinfoLine(row));
  });
});

describe('/proc/vmstat', () => {
  const t = renderVmstat(MEMINFO, EVENTS, 4096);
  it('is "name value" with one space, no blank lines', () => {
    for (const l of t.trimEnd().split('\n')) expect(l).toMatch(/^[a-z0-9_]+ \d+$/);
  });
  it('slab counters are pages and sit after the LRU counters', () => {
    const k = keys(t);
    expect(k.slice(k.indexOf('nr_inactive_anon'), k.indexOf('nr_inactive_anon') + 7)).toEqual([
      'nr_inactive_anon', 'nr_active_anon', 'nr_inactive_file', 'nr_active_file', 'nr_unevictable',
      'nr_slab_reclaimable', 'nr_slab_unreclaimable',
    ]);
    expect(t).toContain('\nnr_slab_reclaimable 4000\n');
    expect(t).toContain('\ndrop_slab 2\n');
    expect(t).toContain('\npgpgin 40\n');
    expect(k[0]).toBe('nr_free_pages');
    expect(new Set(k).size).toBe(k.length);
  });
});

describe('/proc/zoneinfo', () => {
  it('renders one Normal zone per node', () => {
    const t = renderZoneinfo({ nodes: [{ ...NODE, nid: 0 }, { ...NODE, nid: 1 }], wmarkLowPages: 16000, nrCpus: 2, pageSize: 4096, pgalloc: 5 });
    expect(t.startsWith('Node 0, zone   Normal\n  per-node stats\n      nr_inactive_anon 2000\n')).toBe(true);
    expect(t).toContain('\nNode 1, zone   Normal\n');
    expect(t).toContain('\n      nr_mapped    700\n');
    expect(t).toContain('\n        low      8000\n');
    expect(t).not.toContain('\n\n');
    expect(t.endsWith('\n')).toBe(true);
  });
});

describe('node<N>/meminfo', () => {
  it('prefixes "Node N " and keeps the meminfo widths', () => {
    const t = renderNodeMeminfo({ ...NODE, nid: 0 }, 4096);
    const lines = t.trimEnd().split('\n');
    expect(lines[0]).toBe('Node 0 MemTotal:        4194304 kB');
    expect(lines[2]).toBe(`Node 0 ${'MemUsed:'.padEnd(16)}${String((1048576 - 900000) * 4).padStart(8)} kB`);
    expect(lines).toContain('Node 0 Slab:              22000 kB');
    expect(lines.at(-3)).toBe('Node 0 HugePages_Total:     0');
    expect(lines.at(-2)).toBe('Node 0 HugePages_Free:      0');
    for (const l of lines) expect(l.startsWith('Node 0 ')).toBe(true);
  });
});

describe('memory.stat', () => {
  it('v2 has the 5.9 key order, slab before percpu, suffixed restore keys', () => {
    const t = renderMemoryStatV2({ ...zeroStat(), slabReclaimable: 100, slabUnreclaimable: 28 });
    expect(keys(t)).toEqual([
      'anon', 'file', 'kernel_stack', 'slab', 'percpu', 'sock', 'shmem', 'file_mapped', 'file_dirty',
      'file_writeback', 'anon_thp', 'inactive_anon', 'active_anon', 'inactive_file', 'active_file',
      'unevictable', 'slab_reclaimable', 'slab_unreclaimable', 'pgfault', 'pgmajfault',
      'workingset_refault_anon', 'workingset_refault_file', 'workingset_activate_anon',
      'workingset_activate_file', 'workingset_restore_anon', 'workingset_restore_file',
      'workingset_nodereclaim', 'pgrefill', 'pgscan', 'pgsteal', 'pgactivate', 'pgdeactivate',
      'pglazyfree', 'pglazyfreed', 'thp_fault_alloc', 'thp_collapse_alloc',
    ]);
    expect(t).toContain('\nslab 128\n');
    expect(t.length).toBeLessThan(4096);
  });

  it('v1 has local keys, hierarchical limits, then total_ keys (5.x with swap accounting)', () => {
    const t = renderMemoryStatV1({
      local: { ...zeroStat(), file: 8192 },
      hierarchical: { ...zeroStat(), file: 16384 },
      hierarchicalMemoryLimitBytes: Infinity,
      hierarchicalMemswLimitBytes: 1048576,
      pageSize: 4096,
    });
    const local = ['cache', 'rss', 'rss_huge', 'shmem', 'mapped_file', 'dirty', 'writeback', 'swap', 'pgpgin', 'pgpgout', 'pgfault', 'pgmajfault', 'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable'];
    expect(keys(t)).toEqual([...local, 'hierarchical_memory_limit', 'hierarchical_memsw_limit', ...local.map((k) => `total_${k}`)]);
    expect(t).toContain('cache 8192\n');
    expect(t).toContain('total_cache 16384\n');
    expect(t).toContain('hierarchical_memory_limit 9223372036854771712\n');
    expect(t).toContain('hierarchical_memsw_limit 1048576\n');
  });

  it('v1 numa_stat prints pages per node', () => {
    const t = renderNumaStatV1({ ...zeroStat(), activeFile: 8192 }, { ...zeroStat(), activeFile: 8192, activeAnon: 4096 }, 4096, 2);
    expect(t).toBe(
      'total=2 N0=2 N1=0\nfile=2 N0=2 N1=0\nanon=0 N0=0 N1=0\nunevictable=0 N0=0 N1=0\n' +
        'hierarchical_total=3 N0=3 N1=0\nhierarchical_file=2 N0=2 N1=0\nhierarchical_anon=1 N0=1 N1=0\nhierarchical_unevictable=0 N0=0 N1=0\n',
    );
  });
});

describe('/proc/<pid>/status', () => {
  const base = {
    comm: 'sh', state: 'S' as const, tgid: 100, pid: 100, ppid: 1, uid: 0, gid: 0, kthread: false, nrThreads: 1,
    anonPages: 10, filePages: 5, pageSize: 4096, nrCpus: 4, nrNodes: 1, totalPages: 1048576,
  };
  it('has tab-separated fields and 8-wide kB values', () => {
    const t = renderStatus(base);
    expect(t.startsWith('Name:\tsh\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t100\n')).toBe(true);
    expect(t).toContain('\nVmRSS:\t      60 kB\n');
    expect(t).toContain('\nRssAnon:\t      40 kB\n');
    expect(t).toContain('\nThreads:\t1\n');
    expect(t).toContain('\nCpus_allowed:\tf\n');
    expect(t).toContain('\nCpus_allowed_list:\t0-3\n');
    expect(t).toContain('\nMems_allowed_list:\t0\n');
  });
  it('kernel threads print no Vm lines', () => {
    expect(renderStatus({ ...base, kthread: true })).not.toContain('VmRSS');
  });
});

describe('/proc/cgroups and /proc/<pid>/cgroup', () => {
  it('is tab separated', () => {
    expect(renderProcCgroups('v2', 3)).toBe('#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t0\t3\t1\n');
    expect(renderProcCgroups('v1', 3)).toBe('#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t1\t3\t1\n');
  });
  it('v2 is one 0:: line; v1 adds the memory hierarchy line first', () => {
    expect(renderPidCgroup('v2', '/a/b')).toBe('0::/a/b\n');
    expect(renderPidCgroup('v1', '/a')).toBe('1:memory:/a\n0::/\n');
  });
});
