/**
 * Real, unmodified clients against the real FUSE mount (scripts/clients): procps (free,
 * vmstat -s, vmstat -m, slabtop -o through bind mounts in a private mount namespace),
 * prometheus-node-exporter, psutil, and the watch-style live check. Each script prints KTAP and
 * exits 0/1/4; a client whose Debian package is not installed is skipped with the reason
 * (.ci/run installs them).
 */
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startMemcgfs, type Daemon } from '../helpers/mount.js';

const CLIENTS = path.join(REPO_ROOT, 'scripts/clients');

describe.each(['objcg', 'legacy'])('clients on --controller %s', (controller) => {
  let d: Daemon;
  beforeAll(async () => {
    d = await startMemcgfs(['--controller', controller], { readyTimeoutMs: 60_000 });
  }, 90_000);
  afterAll(async () => {
    const exit = await d?.stop();
    expect(exit?.clean, exit?.output).toBe(true);
  });

  for (const check of ['procps', 'node_exporter', 'psutil', 'live']) {
    it(check, async (ctx) => {
      const r = await execa('sh', [path.join(CLIENTS, `${check}.sh`), d.dir], {
        reject: false,
        timeout: 60_000,
        env: { MEMCGFS_ROOT: '' },
      });
      const skip = /^1\.\.0 # SKIP (.*)$/m.exec(r.stdout);
      if (r.exitCode === 4 && skip && /not installed/.test(skip[1]!)) {
        ctx.skip(skip[1]);
        return;
      }
      const failures = r.stdout.split('\n').filter((l) => l.startsWith('not ok'));
      expect(failures, r.stdout + r.stderr).toEqual([]);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    }, 90_000);
  }
});
