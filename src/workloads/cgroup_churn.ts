/**
 * `cgroup-churn`: transient units created and removed again and again — systemd timers, cron
 * jobs run as transient services (systemd-run), health checks, ssh logins — each leaving a few
 * long-lived objects behind: the dentries and inodes of the files it looked up, and negative
 * dentries of the names it probed, stay cached (charged to the unit's cgroup) after the unit
 * is gone. The cover letter: "if some active objects (e.g. dentries) are left after the cgroup
 * is deleted ... the resulting slab utilization is very low"; kernel-spec 12.6: under the
 * legacy controller every such object pins its deactivated per-memcg cache and with it the
 * dead memcg (cgroup.stat nr_dying_descendants grows); the obj_cgroup controller reparents the
 * objects and the memcg is released by deferred work.
 *
 * What is modelled:
 *  - a host with systemd and a long-running scheduler service (crond.service); the programs
 *    the jobs run have been run before, so their libraries are in the page cache (charged to
 *    that service) — a job that read uncached files would pin its memcg through the page
 *    cache under either controller, which is not the effect under study;
 *  - every `periodNs` a transient unit system.slice/run-u<N>.service is created; systemd forks
 *    the job into it (exec of sh), the job runs `commands` commands (fork + exec + exit each),
 *    which stat() files of a large tree (their dentries and inodes are cached on first use),
 *    read a few /proc files (a check's load, memory or process state: the first reader of an
 *    entry looks it up, everyone after finds it cached) and probe a unique lock/pid file name
 *    that does not exist (a negative dentry), then exits;
 *    systemd removes the empty cgroup;
 *  - the run ends right after the last unit's rmdir, before deferred work has run (so the
 *    last units are still dying under every controller); compare also reports the count after
 *    the deferred work has run.
 *
 * Parameters: one job every 5 s (a busy host's timers, cron jobs and monitoring checks
 * together); 1,000 jobs (~83 minutes); 3 commands per job; each command stats 10 files of a
 * 200,000-file tree (/usr, /var, /home: drawn by popularity, so most are cached already and a
 * few are new each time), reads 2 /proc files (/proc/loadavg and /proc/meminfo for a health
 * check, a process's stat for a pgrep-style check: drawn from the host's /proc by popularity)
 * and probes 2 unique missing names. Tasks wake on another CPU 30 %
 * of the time (an otherwise idle host).
 */
import { taskExit, taskFork, taskLookupMissing } from '../kernel/index.js';
import type { WorkloadContext, WorkloadSpec } from './types.js';
import { scaled } from './types.js';
import type { Actor } from './sim.js';
import { MS, SEC } from './sim.js';
import { FileSet } from './files.js';
import { SystemdHost, daemon, execProgram } from './systemd.js';
import type { ProgramSpec } from './systemd.js';
import { CROND_IO, distroFiles, daemonSpec, MIGRATE_IDLE } from './boot.js';
import type { WorkloadRng } from './rng.js';

export interface ChurnParams {
  units: number;
  periodNs: number;
  commands: number;
  statsPerCommand: number;
  probesPerCommand: number;
  procReadsPerCommand: number;
  migrate: number;
}

export function churnParams(ctx: WorkloadContext): ChurnParams {
  return { units: scaled(ctx, 1000, 10), periodNs: 5 * SEC, commands: 3, statsPerCommand: 10, probesPerCommand: 2, procReadsPerCommand: 2, migrate: MIGRATE_IDLE };
}

const JOB: ProgramSpec = { comm: 'sh', libs: 3, dataFiles: 0, negLookups: 0, anonKb: 512 };
const COMMAND: ProgramSpec = { comm: 'job', libs: 4, dataFiles: 0, negLookups: 0, anonKb: 1024 };

/** One transient unit: created, a job with `commands` commands, removed. */
export function* transientUnit(ctx: WorkloadContext, host: SystemdHost, tree: FileSet, unit: string, p: ChurnParams, rng: WorkloadRng): Actor {
  const k = ctx.k;
  const cg = host.mkdirP(unit);
  const job = yield* host.spawn(cg, JOB, p.migrate);
  for (let c = 0; c < p.commands && !job.exited; c++) {
    yield rng.around(20 * MS);
    const cmd = taskFork(k, job, { comm: COMMAND.comm });
    yield* execProgram(ctx, host.files, cmd, COMMAND, p.migrate);
    tree.touch(ctx, cmd, p.statsPerCommand, false);
    host.files.proc.touch(ctx, cmd, p.procReadsPerCommand, true);
    taskLookupMissing(k, cmd, p.probesPerCommand, 24);
    yield rng.around(30 * MS);
    taskExit(k, cmd);
  }
  if (!job.exited) taskExit(k, job);
  yield rng.around(2 * MS);
  host.removeUnit(cg);
}

/** A host with a scheduler service; the libraries its jobs use are already cached. */
export function churnHost(ctx: WorkloadContext, untilNs: number): SystemdHost {
  const host = new SystemdHost(ctx, distroFiles(ctx));
  ctx.loop.spawn(daemon(host, '/system.slice/crond.service', daemonSpec(['crond.service', 'crond', 15, 30, 'etc', 0, 2, 4, 0, 60000, 0.1, 1024, CROND_IO], 1), ctx.rng.fork(), { migrate: MIGRATE_IDLE, untilNs }));
  return host;
}

export function* churnLoop(ctx: WorkloadContext, host: SystemdHost, p: ChurnParams, rng: WorkloadRng, firstId: number): Actor {
  const tree = new FileSet({ name: '/usr /var /home', nrFiles: 200_000, meanBytes: 0, skew: 3 });
  // the job programs ran before: their libraries are cached, charged to the scheduler service
  const crond = host.cgroup('/system.slice/crond.service');
  yield 1 * SEC;
  const warm = crond && [...crond.tasks].find((t) => !t.exited);
  if (warm) host.files.libs.touchRange(ctx, warm, 0, host.files.libs.spec.nrFiles, true);
  for (let i = 0; i < p.units; i++) {
    const last = i === p.units - 1;
    const actor = transientUnit(ctx, host, tree, `/system.slice/run-u${firstId + i}.service`, p, rng.fork());
    if (last) {
      yield* actor;
      return;
    }
    ctx.loop.spawn(actor);
    yield rng.around(p.periodNs, 0.2);
  }
}

export const cgroupChurn: WorkloadSpec = {
  name: 'cgroup-churn',
  description: '1,000 transient units (one every 5 s), each leaving a few cached dentries and inodes behind',
  defaultMachine: 'desktop',
  cgroup: '/system.slice',
  *steps(ctx) {
    const p = churnParams(ctx);
    const host = churnHost(ctx, 2 * SEC);
    ctx.loop.spawn(churnLoop(ctx, host, p, ctx.rng.fork(), 1));
    yield* ctx.loop.run();
  },
};
