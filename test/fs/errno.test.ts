/**
 * The errno table: {syscall, path, input, errno} rows, each checked to leave the kernel and every
 * cgroup file exactly as they were (kernel-spec 4.3, 5.5, 6.4, 7, 15.1).
 */
import { describe, expect, it } from 'vitest';
import { forEachTask } from '../../src/kernel/index.js';
import { O_RDONLY, O_RDWR, O_WRONLY, type Vfs } from '../../src/fs/vfs.js';
import { boot, errnoOf, readFile, spawn, writeFile, type Booted } from './helpers.js';

type Syscall = 'write' | 'read' | 'mkdir' | 'rmdir' | 'unlink' | 'create' | 'open' | 'readAt' | 'ctl' | 'rename' | 'chmod';

interface Row {
  syscall: Syscall;
  path: string;
  input?: string;
  errno: string;
  /** open flags for 'open' rows */
  flags?: number;
  offset?: number;
  length?: number;
}

/** Every readable file under the cgroup root plus meminfo, and the kernel's generation. */
function snapshot(b: Booted, cgroupRoot: string): string {
  const out: string[] = [`gen ${b.k.generation}`];
  const walk = (dir: string): void => {
    for (const d of b.vfs.readdir(dir)) {
      const p = `${dir}/${d.name}`;
      if ((d.stat.mode & 0o170000) === 0o040000) {
        out.push(`dir ${p}`);
        walk(p);
        continue;
      }
      try {
        out.push(`${p}=${readFile(b.vfs, p)}`);
      } catch {
        out.push(`${p}=<unreadable>`);
      }
    }
  };
  walk(cgroupRoot);
  out.push(readFile(b.vfs, '/proc/meminfo'));
  return out.join('\n');
}

function run(vfs: Vfs, r: Row): void {
  switch (r.syscall) {
    case 'write':
      writeFile(vfs, r.path, r.input ?? '');
      return;
    case 'read':
      readFile(vfs, r.path);
      return;
    case 'readAt': {
      const fh = vfs.open(r.path, O_RDONLY);
      try {
        vfs.read(fh, r.offset ?? 0, r.length ?? 8);
      } finally {
        vfs.release(fh);
      }
      return;
    }
    case 'mkdir':
      vfs.mkdir(r.path, 0o755);
      return;
    case 'rmdir':
      vfs.rmdir(r.path);
      return;
    case 'unlink':
      vfs.unlink(r.path);
      return;
    case 'create':
      vfs.release(vfs.create(r.path, 0o644));
      return;
    case 'open':
      vfs.release(vfs.open(r.path, r.flags ?? O_RDONLY));
      return;
    case 'rename':
      vfs.rename(r.path, r.input!);
      return;
    case 'chmod':
      vfs.chmod(r.path, 0o600);
      return;
    case 'ctl': {
      const fh = vfs.open('/memcgfs/ctl', O_RDWR);
      try {
        vfs.write(fh, Buffer.from(r.input!), 0);
      } finally {
        vfs.release(fh);
      }
      return;
    }
  }
}

const CG = '/sys/fs/cgroup';

/** v2 fixture: root +memory; /a with a task; /b with +memory and child /b/c; /d/e without memory below d. */
function v2Fixture(): Booted & { pid: number } {
  const b = boot();
  writeFile(b.vfs, `${CG}/cgroup.subtree_control`, '+memory');
  for (const d of ['a', 'b', 'b/c', 'd', 'd/e']) b.vfs.mkdir(`${CG}/${d}`, 0o755);
  writeFile(b.vfs, `${CG}/b/cgroup.subtree_control`, '+memory');
  const pid = spawn(b.vfs, '/a');
  return { ...b, pid };
}

function kthreadPid(b: Booted): number {
  return [...forEachTask(b.k)].find((t) => t.kthread)!.pid;
}

const V2_ROWS = (pid: number, kpid: number): Row[] => [
  { syscall: 'write', path: `${CG}/a/memory.max`, input: 'garbage', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/a/memory.max`, input: '-1', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/a/memory.max`, input: '1.5M', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/a/memory.high`, input: '100 M', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/a/memory.low`, input: '1kb', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/a/memory.swap.max`, input: '-1', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/a/memory.oom.group`, input: '2', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/a/cgroup.procs`, input: '999999', errno: 'ESRCH' },
  { syscall: 'write', path: `${CG}/a/cgroup.procs`, input: 'garbage', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/a/cgroup.procs`, input: '-5', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/a/cgroup.procs`, input: String(kpid), errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/b/cgroup.procs`, input: String(pid), errno: 'EBUSY' },
  { syscall: 'write', path: `${CG}/a/cgroup.subtree_control`, input: '+memory', errno: 'EBUSY' },
  { syscall: 'write', path: `${CG}/d/e/cgroup.subtree_control`, input: '+memory', errno: 'ENOENT' },
  { syscall: 'write', path: `${CG}/b/cgroup.subtree_control`, input: '+cpu', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/b/cgroup.subtree_control`, input: 'memory', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/cgroup.subtree_control`, input: '-memory', errno: 'EBUSY' },
  { syscall: 'write', path: `${CG}/a/cgroup.max.depth`, input: '-1', errno: 'ERANGE' },
  { syscall: 'write', path: `${CG}/a/cgroup.max.depth`, input: 'abc', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/a/cgroup.max.descendants`, input: '99999999999', errno: 'ERANGE' },
  { syscall: 'write', path: `${CG}/a/cgroup.freeze`, input: '2', errno: 'ERANGE' },
  { syscall: 'write', path: `${CG}/a/cgroup.type`, input: 'domain', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/a/memory.current`, input: '0', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/a/memory.stat`, input: '0', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/cgroup.controllers`, input: 'memory', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/cgroup.stat`, input: '1', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG}/a/memory.max`, input: '1'.repeat(4097), errno: 'E2BIG' },
  { syscall: 'mkdir', path: `${CG}/a`, errno: 'EEXIST' },
  { syscall: 'mkdir', path: `${CG}/memory.stat`, errno: 'EEXIST' },
  { syscall: 'mkdir', path: `${CG}/x\ny`, errno: 'EINVAL' },
  { syscall: 'mkdir', path: `${CG}/nope/x`, errno: 'ENOENT' },
  { syscall: 'mkdir', path: `${CG}/a/memory.max/x`, errno: 'ENOTDIR' },
  { syscall: 'rmdir', path: `${CG}/a`, errno: 'EBUSY' },
  { syscall: 'rmdir', path: `${CG}/b`, errno: 'EBUSY' },
  { syscall: 'rmdir', path: CG, errno: 'EBUSY' },
  { syscall: 'rmdir', path: `${CG}/a/memory.max`, errno: 'ENOTDIR' },
  { syscall: 'rmdir', path: `${CG}/nope`, errno: 'ENOENT' },
  { syscall: 'unlink', path: `${CG}/a/memory.max`, errno: 'EPERM' },
  { syscall: 'unlink', path: `${CG}/a`, errno: 'EISDIR' },
  { syscall: 'create', path: `${CG}/a/newfile`, errno: 'EACCES' },
  { syscall: 'rename', path: `${CG}/a`, input: `${CG}/z`, errno: 'EPERM' },
  { syscall: 'open', path: `${CG}/a/nope`, errno: 'ENOENT' },
  { syscall: 'open', path: `${CG}/a`, errno: 'EISDIR' },
  { syscall: 'read', path: '/proc/sys/vm/drop_caches', errno: 'EACCES' },
  { syscall: 'write', path: '/proc/sys/vm/drop_caches', input: '0', errno: 'EINVAL' },
  { syscall: 'write', path: '/proc/sys/vm/drop_caches', input: '5', errno: 'EINVAL' },
  { syscall: 'write', path: '/proc/sys/vm/drop_caches', input: 'x', errno: 'EINVAL' },
  { syscall: 'write', path: '/proc/meminfo', input: '1', errno: 'EINVAL' },
  { syscall: 'write', path: '/proc/slabinfo', input: 'dentry 1 1 1', errno: 'EIO' },
  { syscall: 'write', path: '/proc/kpagecgroup', input: '1', errno: 'EINVAL' },
  { syscall: 'readAt', path: '/proc/kpagecgroup', offset: 3, length: 8, errno: 'EINVAL' },
  { syscall: 'readAt', path: '/proc/kpagecgroup', offset: 0, length: 7, errno: 'EINVAL' },
  { syscall: 'readAt', path: '/proc/kpageflags', offset: 8, length: 12, errno: 'EINVAL' },
  { syscall: 'mkdir', path: '/proc/x', errno: 'EPERM' },
  { syscall: 'rmdir', path: '/proc', errno: 'EPERM' },
  { syscall: 'rmdir', path: '/', errno: 'EBUSY' },
  { syscall: 'chmod', path: '/proc/meminfo', errno: 'EPERM' },
  { syscall: 'open', path: '/proc/meminfo/x', errno: 'ENOTDIR' },
  { syscall: 'open', path: '/sys/kernel/slab/dentry/order', flags: O_WRONLY, errno: 'EACCES' },
  { syscall: 'open', path: '/sys/devices/system/node/node0/meminfo', flags: O_RDWR, errno: 'EACCES' },
  { syscall: 'write', path: '/sys/kernel/slab/dentry/shrink', input: '0', errno: 'EINVAL' },
  { syscall: 'write', path: '/memcgfs/info', input: 'x', errno: 'EINVAL' },
  { syscall: 'ctl', path: '/memcgfs/ctl', input: 'spawn /nope', errno: 'ENOENT' },
  { syscall: 'ctl', path: '/memcgfs/ctl', input: 'exit 999999', errno: 'ESRCH' },
  { syscall: 'ctl', path: '/memcgfs/ctl', input: 'bogus', errno: 'EINVAL' },
  { syscall: 'ctl', path: '/memcgfs/ctl', input: `kfree ${pid} 12345`, errno: 'EINVAL' },
  { syscall: 'ctl', path: '/memcgfs/ctl', input: `dentries ${pid} x`, errno: 'EINVAL' },
  { syscall: 'ctl', path: '/memcgfs/ctl', input: `spawn /b`, errno: 'EBUSY' },
  { syscall: 'ctl', path: '/memcgfs/ctl', input: `exit ${kpid}`, errno: 'EINVAL' },
  { syscall: 'ctl', path: '/memcgfs/ctl', input: 'workload boot', errno: 'ENOENT' },
];

describe('errno table, cgroup v2', () => {
  // boot is deterministic: every fixture has the same pids
  const probe = v2Fixture();
  it.each(V2_ROWS(probe.pid, kthreadPid(probe)))('$syscall $path $input -> $errno', (r) => {
    const b = v2Fixture();
    expect(b.pid).toBe(probe.pid);
    const before = snapshot(b, CG);
    expect(errnoOf(() => run(b.vfs, r))).toBe(r.errno);
    expect(snapshot(b, CG)).toBe(before);
  });
});

const CG1 = '/sys/fs/cgroup/memory';

function v1Fixture(): Booted & { pid: number } {
  const b = boot({ cgroupVersion: 'v1' });
  b.vfs.mkdir(`${CG1}/a`, 0o755);
  writeFile(b.vfs, `${CG1}/a/memory.limit_in_bytes`, '8M');
  const pid = spawn(b.vfs, '/a');
  return { ...b, pid };
}

const V1_ROWS: Row[] = [
  { syscall: 'write', path: `${CG1}/a/memory.limit_in_bytes`, input: 'max', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG1}/a/memory.limit_in_bytes`, input: 'garbage', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG1}/a/memory.soft_limit_in_bytes`, input: 'max', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG1}/memory.limit_in_bytes`, input: '1M', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG1}/a/memory.memsw.limit_in_bytes`, input: '4M', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG1}/a/memory.oom_control`, input: '2', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG1}/memory.oom_control`, input: '1', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG1}/a/memory.swappiness`, input: '201', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG1}/a/memory.move_charge_at_immigrate`, input: '4', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG1}/a/memory.use_hierarchy`, input: '2', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG1}/a/memory.use_hierarchy`, input: '0', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG1}/memory.force_empty`, input: '1', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG1}/a/cgroup.event_control`, input: 'x', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG1}/a/memory.pressure_level`, input: 'low', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG1}/a/memory.kmem.slabinfo`, input: '1', errno: 'EINVAL' },
  { syscall: 'write', path: `${CG1}/a/tasks`, input: '999999', errno: 'ESRCH' },
  { syscall: 'write', path: `${CG1}/a/cgroup.procs`, input: 'x', errno: 'EINVAL' },
  { syscall: 'read', path: `${CG1}/a/memory.force_empty`, errno: 'EINVAL' },
  { syscall: 'read', path: `${CG1}/a/cgroup.event_control`, errno: 'EINVAL' },
  { syscall: 'read', path: `${CG1}/a/memory.pressure_level`, errno: 'EINVAL' },
  { syscall: 'mkdir', path: `${CG1}/a`, errno: 'EEXIST' },
  { syscall: 'rmdir', path: `${CG1}/a`, errno: 'EBUSY' },
  { syscall: 'rmdir', path: CG1, errno: 'EBUSY' },
  { syscall: 'rmdir', path: `${CG1}/a/tasks`, errno: 'ENOTDIR' },
];

describe('errno table, cgroup v1', () => {
  it.each(V1_ROWS)('$syscall $path $input -> $errno', (r) => {
    const b = v1Fixture();
    const before = snapshot(b, CG1);
    expect(errnoOf(() => run(b.vfs, r))).toBe(r.errno);
    expect(snapshot(b, CG1)).toBe(before);
  });
});
