/** Values are live: every read renders the kernel's current state, and writes take effect. */
import { describe, expect, it } from 'vitest';
import { cgroupByPath, maxPfn } from '../../src/kernel/index.js';
import { O_RDONLY } from '../../src/fs/vfs.js';
import { boot, ctl, ls, readBuffer, readFile, spawn, writeFile } from './helpers.js';

const CG = '/sys/fs/cgroup';
const CG1 = '/sys/fs/cgroup/memory';

function meminfoKb(text: string, key: string): number {
  const m = new RegExp(`^${key}: +(\\d+) kB$`, 'm').exec(text);
  if (!m) throw new Error(`no ${key}`);
  return Number(m[1]);
}

function statKey(text: string, key: string): number {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  if (!m) throw new Error(`no ${key}`);
  return Number(m[1]);
}

describe('live values', () => {
  it('meminfo changes after spawning tasks (kernel stacks, free memory)', () => {
    const { vfs } = boot();
    const before = readFile(vfs, '/proc/meminfo');
    for (let i = 0; i < 5; i++) spawn(vfs, '/');
    const after = readFile(vfs, '/proc/meminfo');
    expect(meminfoKb(after, 'KernelStack')).toBe(meminfoKb(before, 'KernelStack') + 5 * 16);
    expect(meminfoKb(after, 'MemFree')).toBeLessThan(meminfoKb(before, 'MemFree'));
    expect(meminfoKb(after, 'Slab')).toBe(meminfoKb(after, 'SReclaimable') + meminfoKb(after, 'SUnreclaim'));
  });

  it('proc/<pid>/cgroup follows cgroup.procs writes (v2)', () => {
    const { vfs } = boot();
    vfs.mkdir(`${CG}/a`, 0o755);
    vfs.mkdir(`${CG}/a/b`, 0o755);
    const pid = spawn(vfs, '/');
    expect(readFile(vfs, `/proc/${pid}/cgroup`)).toBe('0::/\n');
    writeFile(vfs, `${CG}/a/b/cgroup.procs`, `${pid}\n`);
    expect(readFile(vfs, `/proc/${pid}/cgroup`)).toBe('0::/a/b\n');
    expect(readFile(vfs, `/proc/${pid}/task/${pid}/cgroup`)).toBe('0::/a/b\n');
    expect(readFile(vfs, `${CG}/a/b/cgroup.procs`)).toBe(`${pid}\n`);
    expect(readFile(vfs, `${CG}/cgroup.procs`).split('\n')).not.toContain(String(pid));
    expect(readFile(vfs, `${CG}/a/cgroup.events`)).toBe('populated 1\nfrozen 0\n');
    ctl(vfs, `exit ${pid}`);
    expect(readFile(vfs, `${CG}/a/b/cgroup.procs`)).toBe('');
    expect(readFile(vfs, `${CG}/a/cgroup.events`)).toBe('populated 0\nfrozen 0\n');
    expect(() => vfs.getattr(`/proc/${pid}`)).toThrow(/ENOENT/);
  });

  it('proc/<pid>/cgroup and tasks follow moves (v1)', () => {
    const { vfs } = boot({ cgroupVersion: 'v1' });
    vfs.mkdir(`${CG1}/a`, 0o755);
    const pid = spawn(vfs, '/');
    const tid = Number(/^pid (\d+)/.exec(ctl(vfs, `fork ${pid} thread`))![1]);
    expect(readFile(vfs, `/proc/${pid}/cgroup`)).toBe('1:memory:/\n0::/\n');
    writeFile(vfs, `${CG1}/a/tasks`, String(tid));
    expect(readFile(vfs, `/proc/${pid}/task/${tid}/cgroup`)).toBe('1:memory:/a\n0::/\n');
    expect(readFile(vfs, `/proc/${pid}/cgroup`)).toBe('1:memory:/\n0::/\n');
    expect(readFile(vfs, `${CG1}/a/tasks`)).toBe(`${tid}\n`);
    // v1 cgroup.procs lists the thread group of any member thread
    expect(readFile(vfs, `${CG1}/a/cgroup.procs`)).toBe(`${pid}\n`);
    writeFile(vfs, `${CG1}/a/cgroup.procs`, String(pid));
    expect(readFile(vfs, `${CG1}/a/tasks`)).toBe(`${pid}\n${tid}\n`);
    expect(ls(vfs, `/proc/${pid}/task`)).toEqual([String(pid), String(tid)].sort());
  });

  it('a removed cgroup that still holds charges is dying in cgroup.stat and /proc/cgroups', () => {
    const { vfs } = boot();
    writeFile(vfs, `${CG}/cgroup.subtree_control`, '+memory');
    vfs.mkdir(`${CG}/a`, 0o755);
    const pid = spawn(vfs, '/a');
    expect(ctl(vfs, `pagecache ${pid} 64`)).toBe('ok 64\n');
    writeFile(vfs, `${CG}/cgroup.procs`, String(pid));
    const numBefore = readFile(vfs, '/proc/cgroups');
    vfs.rmdir(`${CG}/a`);
    ctl(vfs, 'flush');
    expect(ls(vfs, CG)).not.toContain('a');
    expect(readFile(vfs, `${CG}/cgroup.stat`)).toBe('nr_descendants 0\nnr_dying_descendants 1\n');
    expect(readFile(vfs, '/proc/cgroups')).toBe(numBefore);
    // dropping the page cache releases the last references
    writeFile(vfs, '/proc/sys/vm/drop_caches', '3');
    ctl(vfs, 'flush');
    expect(readFile(vfs, `${CG}/cgroup.stat`)).toBe('nr_descendants 0\nnr_dying_descendants 0\n');
    expect(readFile(vfs, '/proc/cgroups')).toMatch(/^memory\t0\t1\t1$/m);
  });

  it('limits parse like the kernel and read back in bytes', () => {
    const { vfs } = boot();
    writeFile(vfs, `${CG}/cgroup.subtree_control`, '+memory');
    vfs.mkdir(`${CG}/a`, 0o755);
    expect(readFile(vfs, `${CG}/a/memory.max`)).toBe('max\n');
    expect(writeFile(vfs, `${CG}/a/memory.max`, '1M\n')).toBe(3);
    expect(readFile(vfs, `${CG}/a/memory.max`)).toBe('1048576\n');
    writeFile(vfs, `${CG}/a/memory.high`, '12345');
    expect(readFile(vfs, `${CG}/a/memory.high`)).toBe('12288\n');
    writeFile(vfs, `${CG}/a/memory.max`, 'max');
    expect(readFile(vfs, `${CG}/a/memory.max`)).toBe('max\n');
    writeFile(vfs, `${CG}/a/memory.low`, '');
    expect(readFile(vfs, `${CG}/a/memory.low`)).toBe('0\n');
    writeFile(vfs, `${CG}/a/cgroup.max.depth`, 'max');
    expect(readFile(vfs, `${CG}/a/cgroup.max.depth`)).toBe('max\n');
    writeFile(vfs, `${CG}/a/memory.oom.group`, '1');
    expect(readFile(vfs, `${CG}/a/memory.oom.group`)).toBe('1\n');
  });

  it('memory.max below usage reclaims at once', () => {
    const { vfs } = boot();
    writeFile(vfs, `${CG}/cgroup.subtree_control`, '+memory');
    vfs.mkdir(`${CG}/a`, 0o755);
    const pid = spawn(vfs, '/a');
    ctl(vfs, `pagecache ${pid} 256`);
    const usage = Number(readFile(vfs, `${CG}/a/memory.current`));
    expect(usage).toBeGreaterThanOrEqual(256 * 4096);
    writeFile(vfs, `${CG}/a/memory.max`, String(512 * 1024));
    expect(Number(readFile(vfs, `${CG}/a/memory.current`))).toBeLessThanOrEqual(512 * 1024);
  });

  it('v1 limits: -1 is unlimited, bytes round down to pages', () => {
    const { vfs } = boot({ cgroupVersion: 'v1' });
    vfs.mkdir(`${CG1}/a`, 0o755);
    expect(readFile(vfs, `${CG1}/a/memory.limit_in_bytes`)).toBe('9223372036854771712\n');
    writeFile(vfs, `${CG1}/a/memory.limit_in_bytes`, '12345');
    expect(readFile(vfs, `${CG1}/a/memory.limit_in_bytes`)).toBe('12288\n');
    writeFile(vfs, `${CG1}/a/memory.limit_in_bytes`, '-1');
    expect(readFile(vfs, `${CG1}/a/memory.limit_in_bytes`)).toBe('9223372036854771712\n');
    writeFile(vfs, `${CG1}/a/memory.soft_limit_in_bytes`, '1g');
    expect(readFile(vfs, `${CG1}/a/memory.soft_limit_in_bytes`)).toBe('1073741824\n');
    writeFile(vfs, `${CG1}/a/notify_on_release`, '2');
    expect(readFile(vfs, `${CG1}/a/notify_on_release`)).toBe('1\n');
    expect(readFile(vfs, `${CG1}/a/memory.oom_control`)).toBe('oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
    expect(readFile(vfs, `${CG1}/memory.use_hierarchy`)).toBe('1\n');
    expect(readFile(vfs, `${CG1}/cgroup.sane_behavior`)).toBe('0\n');
    writeFile(vfs, `${CG1}/release_agent`, '/bin/true');
    expect(readFile(vfs, `${CG1}/release_agent`)).toBe('/bin/true\n');
  });

  it('v1 usage, watermark and failcnt follow the kernel', () => {
    const { vfs } = boot({ cgroupVersion: 'v1' });
    vfs.mkdir(`${CG1}/a`, 0o755);
    const pid = spawn(vfs, '/a');
    ctl(vfs, `anon ${pid} 100`);
    const usage = Number(readFile(vfs, `${CG1}/a/memory.usage_in_bytes`));
    expect(usage).toBeGreaterThanOrEqual(100 * 4096);
    expect(Number(readFile(vfs, `${CG1}/a/memory.max_usage_in_bytes`))).toBeGreaterThanOrEqual(usage);
    ctl(vfs, `anon_free ${pid} 100`);
    writeFile(vfs, `${CG1}/a/memory.max_usage_in_bytes`, '0');
    expect(readFile(vfs, `${CG1}/a/memory.max_usage_in_bytes`)).toBe(readFile(vfs, `${CG1}/a/memory.usage_in_bytes`));
  });

  it('v1 memory.kmem.slabinfo is live under the legacy controller', () => {
    const { vfs } = boot({ cgroupVersion: 'v1', controller: 'legacy' });
    vfs.mkdir(`${CG1}/a`, 0o755);
    const pid = spawn(vfs, '/a');
    expect(readFile(vfs, `${CG1}/a/memory.kmem.slabinfo`)).toBe('');
    ctl(vfs, `dentries ${pid} 100`);
    ctl(vfs, 'flush');
    ctl(vfs, `dentries ${pid} 2000`);
    const t = readFile(vfs, `${CG1}/a/memory.kmem.slabinfo`);
    expect(t.startsWith('slabinfo - version: 2.1\n# name ')).toBe(true);
    expect(t).toMatch(/^dentry +\d+ +\d+ +192 /m);
    expect(Number(readFile(vfs, `${CG1}/a/memory.kmem.usage_in_bytes`))).toBeGreaterThan(0);
  });

  it('v1 memory.kmem.slabinfo is live under objcg too (obj_cgroup counts)', () => {
    const { vfs } = boot({ cgroupVersion: 'v1', controller: 'objcg', objcgLayout: 'single-set' });
    vfs.mkdir(`${CG1}/a`, 0o755);
    const pid = spawn(vfs, '/a');
    ctl(vfs, `dentries ${pid} 2000`);
    const t = readFile(vfs, `${CG1}/a/memory.kmem.slabinfo`);
    expect(t).toMatch(/^dentry +\d+ /m);
  });

  it('drop_caches frees page cache and counts in vmstat', () => {
    const { vfs } = boot();
    const pid = spawn(vfs, '/');
    ctl(vfs, `pagecache ${pid} 100`);
    const before = readFile(vfs, '/proc/meminfo');
    expect(writeFile(vfs, '/proc/sys/vm/drop_caches', '3\n')).toBe(2);
    const after = readFile(vfs, '/proc/meminfo');
    expect(meminfoKb(after, 'Cached')).toBeLessThan(meminfoKb(before, 'Cached'));
    const vm = readFile(vfs, '/proc/vmstat');
    expect(statKey(vm, 'drop_pagecache')).toBe(1);
    expect(statKey(vm, 'drop_slab')).toBe(1);
  });

  it('memory.stat follows kernel_stack and slab of the cgroup', () => {
    const { vfs } = boot({ objcgLayout: 'single-set' });
    writeFile(vfs, `${CG}/cgroup.subtree_control`, '+memory');
    vfs.mkdir(`${CG}/a`, 0o755);
    const pid = spawn(vfs, '/a');
    ctl(vfs, `fork ${pid} thread`);
    ctl(vfs, `dentries ${pid} 1000`);
    const st = readFile(vfs, `${CG}/a/memory.stat`);
    expect(statKey(st, 'slab')).toBe(statKey(st, 'slab_reclaimable') + statKey(st, 'slab_unreclaimable'));
    expect(statKey(st, 'slab_reclaimable')).toBeGreaterThan(0);
    expect(statKey(st, 'kernel_stack')).toBeGreaterThanOrEqual(16384);
    const root = readFile(vfs, `${CG}/memory.stat`);
    expect(statKey(root, 'slab_reclaimable')).toBeGreaterThanOrEqual(statKey(st, 'slab_reclaimable'));
  });

  it('kpagecgroup reads to EOF in 1024-byte chunks and names the owning cgroup', () => {
    const { k, vfs } = boot();
    writeFile(vfs, `${CG}/cgroup.subtree_control`, '+memory');
    vfs.mkdir(`${CG}/a`, 0o755);
    const pid = spawn(vfs, '/a');
    ctl(vfs, `anon ${pid} 10`);
    const buf = readBuffer(vfs, '/proc/kpagecgroup', 1024);
    expect(buf.length).toBe(maxPfn(k) * 8);
    const ino = BigInt(cgroupByPath(k, '/a')!.ino);
    const arr = new BigUint64Array(buf.buffer, buf.byteOffset, buf.length / 8);
    expect(arr.filter((x) => x === ino).length).toBeGreaterThanOrEqual(10);
    // EOF at max_pfn * 8
    const fh = vfs.open('/proc/kpagecgroup', O_RDONLY);
    expect(vfs.read(fh, maxPfn(k) * 8, 1024).length).toBe(0);
    expect(vfs.read(fh, maxPfn(k) * 8 - 8, 1024).length).toBe(8);
    vfs.release(fh);
    const flags = readBuffer(vfs, '/proc/kpageflags', 1 << 20);
    expect(flags.length).toBe(maxPfn(k) * 8);
  });

  it('SLUB sysfs agrees with /proc/slabinfo; shrink works', () => {
    const { vfs } = boot({ controller: 'none' });
    const line = readFile(vfs, '/proc/slabinfo').split('\n').find((l) => l.startsWith('dentry '))!;
    const cols = line.split(/ +/);
    const total = readFile(vfs, '/sys/kernel/slab/dentry/total_objects');
    expect(total.split(' ')[0]!.trim()).toBe(cols[2]);
    expect(readFile(vfs, '/sys/kernel/slab/dentry/slab_size')).toBe(`${cols[3]}\n`);
    expect(readFile(vfs, '/sys/kernel/slab/dentry/objs_per_slab')).toBe(`${cols[4]}\n`);
    expect(readFile(vfs, '/sys/kernel/slab/dentry/reclaim_account')).toBe('1\n');
    expect(readFile(vfs, '/sys/kernel/slab/dentry/slabs')).toMatch(/^(0|\d+ N0=\d+)\n$/);
    expect(writeFile(vfs, '/sys/kernel/slab/dentry/shrink', '1')).toBe(1);
    writeFile(vfs, '/sys/kernel/slab/dentry/min_partial', '7');
    expect(readFile(vfs, '/sys/kernel/slab/dentry/min_partial')).toBe('7\n');
  });

  it('legacy child caches appear under <cache>/cgroup/', () => {
    const { vfs } = boot({ cgroupVersion: 'v1', controller: 'legacy' });
    vfs.mkdir(`${CG1}/a`, 0o755);
    const pid = spawn(vfs, '/a');
    ctl(vfs, `dentries ${pid} 10`);
    ctl(vfs, 'flush');
    ctl(vfs, `dentries ${pid} 10`);
    const children = ls(vfs, '/sys/kernel/slab/dentry/cgroup');
    expect(children.length).toBeGreaterThan(0);
    expect(readFile(vfs, `/sys/kernel/slab/dentry/cgroup/${children[0]}/object_size`)).toBe(readFile(vfs, '/sys/kernel/slab/dentry/object_size'));
    expect(ls(vfs, '/sys/kernel/slab')).not.toContain(children[0]);
  });

  it('node meminfo sums to meminfo', () => {
    const { vfs } = boot({ machineOverrides: { nrNodes: 2 } });
    const total = meminfoKb(readFile(vfs, '/proc/meminfo'), 'MemTotal');
    const n0 = readFile(vfs, '/sys/devices/system/node/node0/meminfo');
    const n1 = readFile(vfs, '/sys/devices/system/node/node1/meminfo');
    const nodeKb = (t: string, nid: number) => Number(new RegExp(`^Node ${nid} MemTotal: +(\\d+) kB$`, 'm').exec(t)![1]);
    expect(nodeKb(n0, 0) + nodeKb(n1, 1)).toBe(total);
    expect(readFile(vfs, '/sys/devices/system/node/online')).toBe('0-1\n');
    expect(readFile(vfs, '/proc/zoneinfo')).toMatch(/^Node 1, zone   Normal$/m);
  });

  it('comm is writable; chmod/chown/utimens stick on cgroupfs', () => {
    const { vfs } = boot();
    const pid = spawn(vfs, '/', 'worker');
    expect(readFile(vfs, `/proc/${pid}/comm`)).toBe('worker\n');
    writeFile(vfs, `/proc/${pid}/comm`, 'a-very-long-name-indeed\n');
    expect(readFile(vfs, `/proc/${pid}/comm`)).toBe('a-very-long-nam\n');
    expect(readFile(vfs, `/proc/${pid}/status`)).toMatch(/^Name:\ta-very-long-nam$/m);
    vfs.mkdir(`${CG}/a`, 0o755);
    vfs.chown(`${CG}/a/cgroup.procs`, 1000, 1000);
    vfs.chmod(`${CG}/a`, 0o775);
    vfs.utimens(`${CG}/a`, 1000, 2000);
    expect(vfs.getattr(`${CG}/a/cgroup.procs`)).toMatchObject({ uid: 1000, gid: 1000 });
    expect(vfs.getattr(`${CG}/a`)).toMatchObject({ mode: 0o040775, mtimeMs: 2000, atimeMs: 1000 });
    vfs.rmdir(`${CG}/a`);
    vfs.mkdir(`${CG}/a`, 0o755);
    expect(vfs.getattr(`${CG}/a/cgroup.procs`)).toMatchObject({ uid: 0, gid: 0 });
  });
});
