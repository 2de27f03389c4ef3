/**
 * Rendering must not be the bottleneck behind FUSE (~250 us per open+read+close): meminfo and
 * memory.stat render in well under 50 us, `ls -l` of a cgroup directory is one cheap readdir.
 * Budgets here are generous multiples so a loaded CI machine does not flake.
 */
import { describe, expect, it } from 'vitest';
import { O_RDONLY } from '../../src/fs/vfs.js';
import { boot, writeFile } from './helpers.js';

function perCallUs(fn: () => void, n: number): number {
  for (let i = 0; i < 200; i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0) / n / 1000;
}

describe('performance', () => {
  const { vfs } = boot();
  writeFile(vfs, '/sys/fs/cgroup/cgroup.subtree_control', '+memory');
  for (let i = 0; i < 20; i++) vfs.mkdir(`/sys/fs/cgroup/c${i}`, 0o755);
  const cat = (p: string) => () => {
    const fh = vfs.open(p, O_RDONLY);
    vfs.read(fh, 0, 131072);
    vfs.release(fh);
  };

  it('open+read+close of meminfo and memory.stat', () => {
    expect(perCallUs(cat('/proc/meminfo'), 3000)).toBeLessThan(200);
    expect(perCallUs(cat('/sys/fs/cgroup/c7/memory.stat'), 3000)).toBeLessThan(200);
  });

  it('readdir with stats of a cgroup directory, and getattr', () => {
    expect(perCallUs(() => vfs.readdir('/sys/fs/cgroup/c7'), 1000)).toBeLessThan(1000);
    expect(perCallUs(() => vfs.getattr('/sys/fs/cgroup/c7/memory.max'), 3000)).toBeLessThan(100);
  });
});
