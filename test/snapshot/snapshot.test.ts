import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootKernel, cgroupMkdir, cgroupSubtreeControl } from '../../src/kernel/index.js';
import { createTree } from '../../src/fs/tree.js';
import { O_RDONLY } from '../../src/fs/vfs.js';
import { takeFixture, vfsSource, writeFixtureDir } from '../../src/snapshot/snapshot.js';

function readAll(vfs: ReturnType<typeof createTree>, path: string): string {
  const fh = vfs.open(path, O_RDONLY);
  const b = vfs.read(fh, 0, 1 << 20).toString();
  vfs.release(fh);
  return b;
}

describe('memcgfs snapshot', () => {
  it('freezes the tree: same bytes and modes as the live files, binary and control files left out', async () => {
    const k = bootKernel({ machineOverrides: { memBytes: 512 * 1024 * 1024, nrCpus: 2 } });
    cgroupSubtreeControl(k, k.rootMemcg, ['memory'], []);
    cgroupMkdir(k, k.rootMemcg, 'app');
    const vfs = createTree(k);
    const { volume, skipped } = await takeFixture(vfsSource(vfs));
    const json = volume.toJSON() as Record<string, string>;
    expect(json['/proc/meminfo']).toBe(readAll(vfs, '/proc/meminfo'));
    expect(json['/sys/fs/cgroup/app/memory.stat']).toBe(readAll(vfs, '/sys/fs/cgroup/app/memory.stat'));
    expect(json['/sys/fs/cgroup/app/memory.max']).toBe('max\n');
    expect(skipped).toContain('/proc/kpagecgroup');
    expect(skipped).toContain('/memcgfs/ctl');
    expect(volume.statSync('/proc/slabinfo').mode & 0o777).toBe(0o400);

    const dir = mkdtempSync(join(tmpdir(), 'memcgfs-fixture-'));
    try {
      await writeFixtureDir(volume, dir);
      expect(readFileSync(join(dir, 'proc/meminfo'), 'utf8')).toBe(json['/proc/meminfo']);
      expect(statSync(join(dir, 'sys/fs/cgroup/app')).isDirectory()).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
