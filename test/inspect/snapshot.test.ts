/** Snapshots: taken without side effects, serialised losslessly, consistent mid-workload. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkInvariants,
  cgroupMkdir,
  cgroupRmdir,
  cgroupSubtreeControl,
  clockAdvance,
  flushDeferredWork,
  taskAnonFault,
  taskCreateFiles,
  taskExit,
  taskLookupMissing,
  taskOpenFiles,
  taskSocket,
  taskSpawn,
  taskUnlinkFiles,
  type MemCgroup,
  type Task,
} from '../../src/kernel/index.js';
import { takeSnapshot } from '../../src/inspect/snapshot.js';
import { parseSnapshot, readSnapshotFromMount, renderSnapshotFile, serializeSnapshot, SNAPSHOT_FILE_PATH } from '../../src/inspect/snapshot_file.js';
import { verifySnapshot } from '../../src/inspect/verify.js';
import { Rng } from '../../src/kernel/rng.js';
import { CONTROLLERS, knownWorkload, smallKernel } from './fixtures.js';

describe.each([...CONTROLLERS, 'none'] as const)('snapshot (%s)', (controller) => {
  it('does not change the kernel', () => {
    const { k } = knownWorkload(controller);
    const gen = k.generation;
    const before = serializeSnapshot(takeSnapshot(k));
    takeSnapshot(k);
    expect(k.generation).toBe(gen);
    expect(serializeSnapshot(takeSnapshot(k))).toBe(before);
    expect(checkInvariants(k)).toEqual([]);
  });

  it('round-trips through the snapshot file format', () => {
    const { k } = knownWorkload(controller);
    const snap = takeSnapshot(k);
    const back = parseSnapshot(renderSnapshotFile(k));
    expect(back).toEqual(snap);
    expect(back.slabs.vec).toBeInstanceOf(Int32Array);
    expect(back.cgroups.max[0]).toBe(Infinity);
  });

  it('is consistent when taken at any point of a running workload', () => {
    const k = smallKernel(controller);
    const rng = new Rng(7);
    cgroupSubtreeControl(k, k.rootMemcg, ['memory'], []);
    const live: Array<{ cg: MemCgroup; tasks: Task[] }> = [];
    let n = 0;
    for (let step = 0; step < 400; step++) {
      const r = rng.int(100);
      if (live.length < 3 || r < 10) {
        const cg = cgroupMkdir(k, k.rootMemcg, `w${n++}`);
        live.push({ cg, tasks: [taskSpawn(k, cg, 'w', { cpu: rng.int(4) })] });
        continue;
      }
      const e = live[rng.int(live.length)];
      if (r < 18 && live.length > 3) {
        for (const t of e.tasks) if (!t.exited) taskExit(k, t);
        cgroupRmdir(k, e.cg);
        live.splice(live.indexOf(e), 1);
      } else if (r < 25) e.tasks.push(taskSpawn(k, e.cg, 'w', { cpu: rng.int(4) }));
      else {
        const t = e.tasks[rng.int(e.tasks.length)];
        if (t.exited) continue;
        if (r < 55) taskLookupMissing(k, t, 1 + rng.int(40), rng.int(2) ? 20 : 80);
        else if (r < 65) taskCreateFiles(k, t, 1 + rng.int(10));
        else if (r < 70) taskUnlinkFiles(k, t, 1 + rng.int(5));
        else if (r < 78) taskOpenFiles(k, t, 1 + rng.int(4));
        else if (r < 83) taskSocket(k, t, 1, 'unix');
        else if (r < 90) taskAnonFault(k, t, 1 + rng.int(4));
        else if (r < 95) clockAdvance(k, 1e6);
        else flushDeferredWork(k);
      }
      if (step % 20 === 0) {
        const snap = takeSnapshot(k);
        expect(verifySnapshot(snap), `step ${step}`).toEqual([]);
        expect(checkInvariants(k), `step ${step}`).toEqual([]);
      }
    }
    flushDeferredWork(k);
    expect(verifySnapshot(takeSnapshot(k))).toEqual([]);
  });

  it('catches an inconsistent snapshot', () => {
    const { k } = knownWorkload(controller);
    const snap = takeSnapshot(k);
    snap.slabs.inuse[0]--;
    expect(verifySnapshot(snap).length).toBeGreaterThan(0);
  });
});

describe('snapshot file', () => {
  it('is read from <mount>/memcgfs/snapshot', async () => {
    const { k } = knownWorkload('objcg');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'memcgfs-inspect-'));
    mkdirSync(path.join(dir, 'memcgfs'));
    writeFileSync(path.join(dir, SNAPSHOT_FILE_PATH), renderSnapshotFile(k));
    try {
      const snap = await readSnapshotFromMount(dir);
      expect(snap.generation).toBe(k.generation);
      await expect(readSnapshotFromMount(os.tmpdir())).rejects.toThrow(/no snapshot file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects other data', () => {
    expect(() => parseSnapshot('hello\n{}')).toThrow(/not a memcgfs snapshot/);
    expect(() => parseSnapshot('memcgfs-snapshot 99\n{}')).toThrow(/unsupported snapshot version/);
  });

  it('stays compact: typed columns, no per-object records', () => {
    const { k } = knownWorkload('objcg', { nA: 20000 });
    const text = renderSnapshotFile(k);
    // ~52k live objects in this kernel; a few bytes each at most
    expect(text.length).toBeLessThan(2_000_000);
  });
});
