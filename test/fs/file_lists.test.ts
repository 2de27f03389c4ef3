/**
 * Directory contents, modes and inode numbers of the tree against the kernel's lists
 * (kernel-spec 4.1, 5.1, the host's /sys/fs/cgroup/memory), for v1 and v2.
 */
import { describe, expect, it } from 'vitest';
import { cgroupByPath, forEachTask } from '../../src/kernel/index.js';
import { SYNTHETIC_INO_BASE } from '../../src/fs/inode.js';
import { boot, ls, spawn, writeFile } from './helpers.js';

const V2_ROOT = [
  'cgroup.controllers',
  'cgroup.max.depth',
  'cgroup.max.descendants',
  'cgroup.procs',
  'cgroup.stat',
  'cgroup.subtree_control',
  'cgroup.threads',
  'cpu.stat',
  'memory.stat',
];
const V2_CHILD_CORE = [
  'cgroup.controllers',
  'cgroup.events',
  'cgroup.freeze',
  'cgroup.max.depth',
  'cgroup.max.descendants',
  'cgroup.procs',
  'cgroup.stat',
  'cgroup.subtree_control',
  'cgroup.threads',
  'cgroup.type',
  'cpu.stat',
];
const V2_MEMORY = [
  'memory.current',
  'memory.events',
  'memory.events.local',
  'memory.high',
  'memory.low',
  'memory.max',
  'memory.min',
  'memory.oom.group',
  'memory.stat',
  'memory.swap.current',
  'memory.swap.events',
  'memory.swap.high',
  'memory.swap.max',
];

/** `ls -l /sys/fs/cgroup/memory/<child>` on a real v1 machine: name -> mode. */
const V1_CHILD_MODES: Record<string, number> = {
  'cgroup.clone_children': 0o644,
  'cgroup.event_control': 0o200,
  'cgroup.procs': 0o644,
  'memory.failcnt': 0o644,
  'memory.force_empty': 0o200,
  'memory.kmem.failcnt': 0o644,
  'memory.kmem.limit_in_bytes': 0o644,
  'memory.kmem.max_usage_in_bytes': 0o644,
  'memory.kmem.slabinfo': 0o444,
  'memory.kmem.tcp.failcnt': 0o644,
  'memory.kmem.tcp.limit_in_bytes': 0o644,
  'memory.kmem.tcp.max_usage_in_bytes': 0o644,
  'memory.kmem.tcp.usage_in_bytes': 0o444,
  'memory.kmem.usage_in_bytes': 0o444,
  'memory.limit_in_bytes': 0o644,
  'memory.max_usage_in_bytes': 0o644,
  'memory.memsw.failcnt': 0o644,
  'memory.memsw.limit_in_bytes': 0o644,
  'memory.memsw.max_usage_in_bytes': 0o644,
  'memory.memsw.usage_in_bytes': 0o444,
  'memory.move_charge_at_immigrate': 0o644,
  'memory.numa_stat': 0o444,
  'memory.oom_control': 0o644,
  'memory.pressure_level': 0o444,
  'memory.soft_limit_in_bytes': 0o644,
  'memory.stat': 0o444,
  'memory.swappiness': 0o644,
  'memory.usage_in_bytes': 0o444,
  'memory.use_hierarchy': 0o644,
  notify_on_release: 0o644,
  tasks: 0o644,
};

describe('layout', () => {
  it('has sys, proc and the control directory at the root', () => {
    const { vfs } = boot();
    expect(ls(vfs, '/')).toEqual(['memcgfs', 'proc', 'sys']);
    expect(ls(vfs, '/sys')).toEqual(['devices', 'fs', 'kernel']);
    expect(ls(vfs, '/memcgfs')).toEqual(['ctl', 'info', 'snapshot']);
    expect(ls(vfs, '/proc/sys/vm')).toEqual(['drop_caches']);
    expect(ls(vfs, '/sys/devices/system/node')).toEqual(['has_cpu', 'has_memory', 'has_normal_memory', 'node0', 'online', 'possible']);
    expect(ls(vfs, '/sys/devices/system/node/node0')).toEqual(['meminfo']);
  });

  it('proc lists the memory files and one directory per process (threads hidden but reachable)', () => {
    const { k, vfs } = boot();
    const names = ls(vfs, '/proc');
    for (const f of ['cgroups', 'kpagecgroup', 'kpageflags', 'meminfo', 'slabinfo', 'sys', 'vmstat', 'zoneinfo']) expect(names).toContain(f);
    const leaders = [...forEachTask(k)].filter((t) => t.pid === t.tgid).map((t) => String(t.pid));
    expect(names.filter((n) => /^\d+$/.test(n)).sort()).toEqual(leaders.sort());
    expect(ls(vfs, '/proc/1')).toEqual(['cgroup', 'comm', 'status', 'task']);
    expect(ls(vfs, '/proc/1/task')).toEqual(['1']);
    expect(ls(vfs, '/proc/1/task/1')).toEqual(['cgroup', 'comm', 'status']);
  });

  it('v1 mounts the memory hierarchy at sys/fs/cgroup/memory', () => {
    const { vfs } = boot({ cgroupVersion: 'v1' });
    expect(ls(vfs, '/sys/fs/cgroup')).toEqual(['memory']);
  });
});

describe('cgroup v2 file lists', () => {
  it('root, child without memory, child with memory', () => {
    const { vfs } = boot();
    expect(ls(vfs, '/sys/fs/cgroup')).toEqual(V2_ROOT);
    vfs.mkdir('/sys/fs/cgroup/a', 0o755);
    expect(ls(vfs, '/sys/fs/cgroup/a')).toEqual(V2_CHILD_CORE);
    writeFile(vfs, '/sys/fs/cgroup/cgroup.subtree_control', '+memory');
    expect(ls(vfs, '/sys/fs/cgroup/a')).toEqual([...V2_CHILD_CORE, ...V2_MEMORY].sort());
    vfs.mkdir('/sys/fs/cgroup/a/b', 0o755);
    expect(ls(vfs, '/sys/fs/cgroup/a')).toEqual([...V2_CHILD_CORE, ...V2_MEMORY, 'b'].sort());
    expect(ls(vfs, '/sys/fs/cgroup/a/b')).toEqual(V2_CHILD_CORE);
    // disabling memory in the parent removes the controller's files again
    vfs.rmdir('/sys/fs/cgroup/a/b');
    writeFile(vfs, '/sys/fs/cgroup/cgroup.subtree_control', '-memory');
    expect(ls(vfs, '/sys/fs/cgroup/a')).toEqual(V2_CHILD_CORE);
  });

  it('modes: rw 0644, ro 0444; directories and inode numbers', () => {
    const { k, vfs } = boot();
    writeFile(vfs, '/sys/fs/cgroup/cgroup.subtree_control', '+memory');
    vfs.mkdir('/sys/fs/cgroup/a', 0o755);
    const modes = Object.fromEntries(vfs.readdir('/sys/fs/cgroup/a').map((d) => [d.name, d.stat.mode & 0o7777]));
    expect(modes['memory.max']).toBe(0o644);
    expect(modes['memory.current']).toBe(0o444);
    expect(modes['cgroup.procs']).toBe(0o644);
    expect(modes['cgroup.events']).toBe(0o444);
    const st = vfs.getattr('/sys/fs/cgroup/a');
    expect(st.mode).toBe(0o040755);
    expect(st.ino).toBe(cgroupByPath(k, '/a')!.ino);
    expect(vfs.getattr('/sys/fs/cgroup').ino).toBe(k.rootMemcg.ino);
    expect(vfs.getattr('/sys/fs/cgroup').mode).toBe(0o040555);
    const f = vfs.getattr('/sys/fs/cgroup/a/memory.max');
    expect(f).toMatchObject({ mode: 0o100644, uid: 0, gid: 0, size: 0, nlink: 1 });
    expect(f.ino).toBeGreaterThanOrEqual(SYNTHETIC_INO_BASE);
    expect(f.ino).toBeLessThan(2 ** 32);
    expect(vfs.getattr('/sys/fs/cgroup/a/memory.max').ino).toBe(f.ino);
  });
});

describe('cgroup v1 file lists', () => {
  it('child and root sets with the real modes', () => {
    const { vfs } = boot({ cgroupVersion: 'v1' });
    vfs.mkdir('/sys/fs/cgroup/memory/a', 0o755);
    const child = Object.fromEntries(vfs.readdir('/sys/fs/cgroup/memory/a').map((d) => [d.name, d.stat.mode & 0o7777]));
    expect(child).toEqual(V1_CHILD_MODES);
    const root = ls(vfs, '/sys/fs/cgroup/memory');
    expect(root).toEqual([...Object.keys(V1_CHILD_MODES), 'a', 'cgroup.sane_behavior', 'release_agent'].sort());
  });
});

describe('procfs and sysfs modes', () => {
  it('matches procfs: 0444, root-only 0400, drop_caches 0200, dirs 0555', () => {
    const { vfs } = boot();
    const m = (p: string) => vfs.getattr(p).mode & 0o7777;
    expect(m('/proc/meminfo')).toBe(0o444);
    expect(m('/proc/vmstat')).toBe(0o444);
    expect(m('/proc/zoneinfo')).toBe(0o444);
    expect(m('/proc/cgroups')).toBe(0o444);
    expect(m('/proc/slabinfo')).toBe(0o400);
    expect(m('/proc/kpagecgroup')).toBe(0o400);
    expect(m('/proc/kpageflags')).toBe(0o400);
    expect(m('/proc/sys/vm/drop_caches')).toBe(0o200);
    expect(m('/proc/1')).toBe(0o555);
    expect(m('/proc/1/comm')).toBe(0o644);
    expect(m('/sys/kernel/slab/dentry/order')).toBe(0o400);
    expect(m('/sys/kernel/slab/dentry/shrink')).toBe(0o600);
    expect(vfs.getattr('/sys/kernel/slab/dentry/order').size).toBe(4096);
    expect(vfs.getattr('/proc/meminfo').size).toBe(0);
  });

  it('synthetic inode numbers are stable, unique, and above the kernfs range', () => {
    const { vfs } = boot();
    const pid = spawn(vfs, '/');
    const paths = ['/', '/proc', '/proc/meminfo', `/proc/${pid}`, `/proc/${pid}/status`, `/proc/${pid}/task/${pid}/status`, '/sys/kernel/slab/dentry', '/memcgfs/ctl'];
    const inos = paths.map((p) => vfs.getattr(p).ino);
    expect(new Set(inos).size).toBe(inos.length);
    for (const i of inos) expect(i).toBeGreaterThanOrEqual(SYNTHETIC_INO_BASE);
    expect(paths.map((p) => vfs.getattr(p).ino)).toEqual(inos);
  });
});

describe('sys/kernel/slab', () => {
  it('one directory per root cache with the SLUB attributes', () => {
    const { vfs } = boot();
    const caches = ls(vfs, '/sys/kernel/slab');
    expect(caches).toContain('dentry');
    expect(caches).toContain('kmalloc-64');
    const attrs = ls(vfs, '/sys/kernel/slab/dentry');
    for (const a of ['object_size', 'slab_size', 'objs_per_slab', 'order', 'objects', 'total_objects', 'slabs', 'partial', 'cpu_slabs', 'min_partial', 'cpu_partial', 'align', 'reclaim_account', 'shrink']) {
      expect(attrs).toContain(a);
    }
  });
});

describe('link counts', () => {
  it('directories count their subdirectories like real filesystems', () => {
    const { vfs } = boot();
    vfs.mkdir('/sys/fs/cgroup/a', 0o755);
    vfs.mkdir('/sys/fs/cgroup/b', 0o755);
    expect(vfs.getattr('/sys/fs/cgroup').nlink).toBe(4);
    expect(vfs.getattr('/sys/fs/cgroup/a').nlink).toBe(2);
    expect(vfs.getattr('/').nlink).toBe(5);
    expect(vfs.getattr('/proc/1').nlink).toBe(3);
    const procDirs = vfs.readdir('/proc').filter((d) => (d.stat.mode & 0o170000) === 0o040000).length;
    expect(vfs.getattr('/proc').nlink).toBe(2 + procDirs);
    expect(vfs.getattr('/proc/meminfo').nlink).toBe(1);
  });
});
