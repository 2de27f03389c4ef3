/**
 * Walk the whole tree under every controller and hierarchy version after some activity: every
 * directory lists, every readable file renders (never EIO, never a torn line), and files that
 * refuse reads do so with the kernel's errno.
 */
import { describe, expect, it } from 'vitest';
import { O_RDONLY } from '../../src/fs/vfs.js';
import { boot, ctl, errnoOf, readFile, spawn, writeFile } from './helpers.js';

const COMBOS = [
  { controller: 'objcg', cgroupVersion: 'v2' },
  { controller: 'objcg', cgroupVersion: 'v1' },
  { controller: 'legacy', cgroupVersion: 'v2' },
  { controller: 'legacy', cgroupVersion: 'v1' },
  { controller: 'none', cgroupVersion: 'v2' },
  { controller: 'none', cgroupVersion: 'v1' },
] as const;

describe.each(COMBOS)('$controller / $cgroupVersion', ({ controller, cgroupVersion }) => {
  it('every directory lists and every readable file renders', () => {
    const { vfs } = boot({ controller, cgroupVersion });
    const cg = cgroupVersion === 'v2' ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory';
    if (cgroupVersion === 'v2') writeFile(vfs, `${cg}/cgroup.subtree_control`, '+memory');
    vfs.mkdir(`${cg}/a`, 0o755);
    vfs.mkdir(`${cg}/a/b`, 0o755);
    const pid = spawn(vfs, '/a/b');
    for (let round = 0; round < 2; round++) {
      ctl(vfs, `dentries ${pid} 500`);
      ctl(vfs, `files ${pid} 50`);
      ctl(vfs, `socket ${pid} 3 tcp`);
      ctl(vfs, `kmalloc ${pid} 256 10 account`);
      ctl(vfs, `fork ${pid} thread`);
      ctl(vfs, 'flush');
    }
    let files = 0;
    const walk = (dir: string): void => {
      for (const d of vfs.readdir(dir)) {
        const p = dir === '/' ? `/${d.name}` : `${dir}/${d.name}`;
        expect(vfs.getattr(p)).toEqual(d.stat);
        if ((d.stat.mode & 0o170000) === 0o040000) {
          walk(p);
          continue;
        }
        if (p.startsWith('/proc/kpage')) continue;
        files++;
        const perm = d.stat.mode & 0o777;
        const code = errnoOf(() => {
          const text = readFile(vfs, p);
          if (text !== '') expect(text.endsWith('\n'), p).toBe(true);
          expect(text.includes('\n\n'), p).toBe(false);
        });
        if (code === undefined) continue;
        // only write-only files (and v1's handler-less memory.pressure_level) refuse reads
        expect(['EINVAL', 'EACCES'], `${p}: ${code}`).toContain(code);
        expect((perm & 0o444) === 0 || p.endsWith('/memory.pressure_level'), p).toBe(true);
      }
    };
    walk('/');
    expect(files).toBeGreaterThan(100);
    // kpagecgroup's first page of entries
    const fh = vfs.open('/proc/kpagecgroup', O_RDONLY);
    expect(vfs.read(fh, 0, 4096).length).toBe(4096);
    vfs.release(fh);
  });
});
