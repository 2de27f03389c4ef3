/**
 * The kselftest-style suite (scripts/selftests) against the real FUSE mount, for both slab
 * controllers and both hierarchies: run.sh prints KTAP and compares every test's result with
 * scripts/selftests/expected-<controller>[-v1].txt; the test fails on any unexpected result (an
 * unexpected pass included: the expectations file must then be updated).
 */
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startMemcgfs, type Daemon } from '../helpers/mount.js';

const RUN = path.join(REPO_ROOT, 'scripts/selftests/run.sh');

interface Row {
  name: string;
  result: string;
  expected: string;
  verdict: string;
}

/** The "# result: NAME RESULT expected WANT ok|UNEXPECTED" lines of run.sh. */
function parseResults(stdout: string): Row[] {
  const rows: Row[] = [];
  for (const m of stdout.matchAll(/^# result: (\S+) (\S+) expected (\S+) (ok|UNEXPECTED)$/gm)) {
    rows.push({ name: m[1]!, result: m[2]!, expected: m[3]!, verdict: m[4]! });
  }
  return rows;
}

describe.each([
  { controller: 'objcg', cgroup: 'v2', tests: 20 },
  { controller: 'legacy', cgroup: 'v2', tests: 20 },
  { controller: 'objcg', cgroup: 'v1', tests: 4 },
  { controller: 'legacy', cgroup: 'v1', tests: 4 },
])('selftests on --controller $controller --cgroup $cgroup', ({ controller, cgroup, tests }) => {
  let d: Daemon;
  beforeAll(async () => {
    d = await startMemcgfs(['--controller', controller, '--cgroup', cgroup], { readyTimeoutMs: 60_000 });
  }, 90_000);
  afterAll(async () => {
    const exit = await d?.stop();
    expect(exit?.clean, exit?.output).toBe(true);
  });

  it('every KTAP result equals the expectations file', async () => {
    const r = await execa('sh', [RUN, d.dir], { reject: false, timeout: 240_000, env: { MEMCGFS_ROOT: '' } });
    const rows = parseResults(r.stdout);
    expect(rows.length, r.stdout).toBe(tests);
    expect(rows.filter((row) => row.verdict !== 'ok'), r.stdout).toEqual([]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  }, 300_000);
});

describe('selftests without a mount', () => {
  it('skip the whole run (1..0 # SKIP, exit 4)', async () => {
    const r = await execa('sh', [RUN], { reject: false, env: { MEMCGFS_ROOT: '' } });
    expect(r.stdout).toMatch(/^TAP version 13\n1\.\.0 # SKIP /);
    expect(r.exitCode).toBe(4);
  });
});
