import { describe, expect, it } from 'vitest';
import { bootKernel, checkInvariants, cgroupByPath, cgroupStat, forEachTask, KernelError, meminfo } from '../../src/kernel/index.js';
import type { ControllerName, Kernel } from '../../src/kernel/index.js';
import { WORKLOADS, listWorkloads, runWorkload } from '../../src/workloads/index.js';

/** Small but complete runs of every workload (scale shrinks volumes, never the mechanisms). */
const SMALL: Array<{ name: string; machine: string; scale: number }> = [
  { name: 'boot', machine: 'desktop', scale: 0.1 },
  { name: 'sysbench-oltp', machine: 'power8', scale: 0.05 },
  { name: 'kernel-build', machine: 'power8', scale: 0.01 },
  { name: 'cgroup-churn', machine: 'desktop', scale: 0.02 },
  { name: 'fleet', machine: 'desktop', scale: 0.1 },
];

describe('workload registry', () => {
  it('lists every scenario with a description', () => {
    expect(Object.keys(WORKLOADS).sort()).toEqual(['boot', 'cgroup-churn', 'fleet', 'kernel-build', 'sysbench-oltp']);
    for (const w of listWorkloads()) {
      expect(w.description.length).toBeGreaterThan(10);
      expect(w.cgroup.startsWith('/')).toBe(true);
    }
  });

  it('declares the parameters a user may set; runs with their defaults unless told', () => {
    const params = Object.fromEntries(listWorkloads().map((w) => [w.name, Object.keys(w.params)]));
    expect(params).toEqual({ boot: [], 'sysbench-oltp': ['dataFs'], 'kernel-build': [], 'cgroup-churn': [], fleet: ['dataFs'] });
    const r = runWorkload(bootKernel({ seed: 1 }), 'cgroup-churn', { seed: 1, scale: 0.01 });
    expect(r.params).toEqual({});
  });

  it('rejects an unknown parameter or value with a RangeError, before any step runs', () => {
    const k = bootKernel();
    const t0 = k.nowNs();
    expect(() => runWorkload(k, 'sysbench-oltp', { scale: 0.05, params: { dataFs: 'btrfs' } })).toThrow(RangeError);
    expect(() => runWorkload(k, 'sysbench-oltp', { scale: 0.05, params: { nope: 'x' } })).toThrow(RangeError);
    expect(k.nowNs()).toBe(t0);
  });

  it('rejects an unknown workload with ENOENT', () => {
    const k = bootKernel();
    expect(() => runWorkload(k, 'no-such-workload')).toThrow(KernelError);
    try {
      runWorkload(k, 'no-such-workload');
    } catch (e) {
      expect((e as KernelError).code).toBe('ENOENT');
    }
  });
});

describe.each(SMALL)('$name (scale $scale)', ({ name, machine, scale }) => {
  it.each(['objcg', 'legacy'] as ControllerName[])('runs under %s with the kernel invariants intact', (controller) => {
    const k = bootKernel({ machine, controller, cgroupVersion: controller === 'legacy' ? 'v1' : 'v2', seed: 3 });
    const r = runWorkload(k, name, { seed: 3, scale });
    expect(r.virtualNs).toBeGreaterThan(0);
    expect(r.aborted).toBe(0);
    expect(checkInvariants(k)).toEqual([]);
  });
});

describe('boot, the mount default', () => {
  it('leaves cgroups, tasks and slab usage behind, quickly', () => {
    const k = bootKernel({ seed: 1 });
    const before = meminfo(k);
    const r = runWorkload(k, 'boot', { seed: 1 });
    expect(r.wallMs).toBeLessThan(5000);
    expect(cgroupByPath(k, '/system.slice/systemd-journald.service')).toBeDefined();
    expect(cgroupByPath(k, '/user.slice/user-1000.slice/user@1000.service/gnome-shell-wayland.service')).toBeDefined();
    expect(cgroupStat(k, k.rootMemcg).nrDescendants).toBeGreaterThan(50);
    expect([...forEachTask(k)].filter((t) => !t.kthread).length).toBeGreaterThan(100);
    const after = meminfo(k);
    expect(after.slabReclaimablePages + after.slabUnreclaimablePages).toBeGreaterThan(2 * (before.slabReclaimablePages + before.slabUnreclaimablePages));
  });
});

describe('determinism', () => {
  function trace(seed: number): number[] {
    const k = bootKernel({ controller: 'legacy', cgroupVersion: 'v1', seed });
    const out: number[] = [];
    runWorkload(k, 'cgroup-churn', {
      seed,
      scale: 0.02,
      sampleEveryNs: 10e9,
      onSample: (kk) => {
        const m = meminfo(kk);
        out.push(m.slabReclaimablePages, m.slabUnreclaimablePages, kk.dentries.nrLive, cgroupStat(kk, kk.rootMemcg).nrDyingDescendants);
      },
    });
    return out;
  }

  it('the same seed gives the same run, another seed a different one', () => {
    const a = trace(7);
    expect(trace(7)).toEqual(a);
    expect(trace(8)).not.toEqual(a);
  });

  it('samples every 5 s of virtual time by default', () => {
    const k = bootKernel({ seed: 2 });
    const times: number[] = [];
    const r = runWorkload(k, 'cgroup-churn', { seed: 2, scale: 0.01, onSample: (_k, t) => times.push(t) });
    expect(times.slice(0, 3)).toEqual([5e9, 10e9, 15e9]);
    expect(times[times.length - 1]).toBe(r.virtualNs);
  });
});

/** Allocations made from a cache so far: the root cache, its legacy children and objcg clone. */
function allocsOf(k: Kernel, name: string): number {
  let n = 0;
  for (const s of k.caches) if (s && (s.rootCache ?? s).name === name) n += s.nrAllocs;
  return n;
}

/** Live objects of a cache, children and clone included. */
function liveOf(k: Kernel, name: string): number {
  let n = 0;
  for (const s of k.caches) if (s && (s.rootCache ?? s).name === name) n += s.nrAllocated;
  return n;
}

describe('workloads use the kernel objects the modelled software uses', () => {
  it('boot: event loops, inotify, signalfd, IPv6 sockets, /run on tmpfs, /proc and sysfs reads', () => {
    const k = bootKernel({ controller: 'objcg', seed: 4 });
    runWorkload(k, 'boot', { seed: 4, scale: 0.1 });
    // sd-event daemons hold an epoll with its watches and a signalfd; GLib daemons inotify marks
    expect(liveOf(k, 'eventpoll_epi')).toBeGreaterThan(50);
    expect(liveOf(k, 'eventpoll_pwq')).toBe(liveOf(k, 'eventpoll_epi'));
    expect(liveOf(k, 'inotify_inode_mark')).toBeGreaterThan(1000); // tracker's directory watches
    expect(allocsOf(k, 'kmalloc-8')).toBeGreaterThan(5); // signalfd contexts (plain kmalloc in 5.5)
    expect(liveOf(k, 'UDPv6') + liveOf(k, 'TCPv6')).toBeGreaterThan(3);
    // udev's database and tmpfiles' entries live on tmpfs
    expect(liveOf(k, 'shmem_inode_cache')).toBeGreaterThan(700);
    // /proc reads: a proc inode per first lookup, a seq_file per read, all seq_files freed again
    expect(liveOf(k, 'proc_inode_cache')).toBeGreaterThan(10);
    expect(allocsOf(k, 'seq_file')).toBeGreaterThan(liveOf(k, 'proc_inode_cache'));
    expect(liveOf(k, 'seq_file')).toBe(0);
    // coldplug: sysfs lookups leave kernfs inodes (inode_cache) on the dcache LRU
    expect(liveOf(k, 'inode_cache')).toBeGreaterThan(1000);
    expect(checkInvariants(k)).toEqual([]);
  });

  it('kernel-build: written objects get buffer_heads, gcc -pipe and the jobserver use pipes', () => {
    const k = bootKernel({ machine: 'power8', controller: 'legacy', cgroupVersion: 'v1', seed: 5 });
    const pipeBufsBefore = allocsOf(k, 'kmalloc-1k');
    runWorkload(k, 'kernel-build', { seed: 5, scale: 0.01 });
    // 64 KiB pages over 4 KiB ext4 blocks: 16 buffer_heads per written page
    expect(liveOf(k, 'buffer_head')).toBeGreaterThan(16 * 100);
    expect(liveOf(k, 'buffer_head') % 16).toBe(0);
    // a pipe_buffer array (kmalloc-1k) per compilation unit at least
    expect(allocsOf(k, 'kmalloc-1k') - pipeBufsBefore).toBeGreaterThan(100);
    expect(checkInvariants(k)).toEqual([]);
  });

  it('sysbench-oltp: mysqld listens and accepts on dual-stack IPv6 sockets, its redo log is written', () => {
    const k = bootKernel({ machine: 'power8', controller: 'objcg', cgroupVersion: 'v1', seed: 6 });
    runWorkload(k, 'sysbench-oltp', { seed: 6, scale: 0.05 });
    expect(allocsOf(k, 'TCPv6')).toBeGreaterThanOrEqual(2 + 32);
    expect(liveOf(k, 'buffer_head')).toBeGreaterThan(0);
    expect(checkInvariants(k)).toEqual([]);
  });
});
