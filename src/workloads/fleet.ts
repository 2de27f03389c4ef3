/**
 * `fleet`: a production-like host, for the cover letter's fleet figures ("slab utilization ...
 * in most cases between 45% and 65% ... turning kmem accounting off brings it to high 90s ...
 * on average, the size of slab memory has been reduced by 35-45%"). No single host looks like
 * another; this one runs a mix of the other scenarios' behaviours at once, as a shared
 * production machine does:
 *  - the distribution's services (boot.ts, server profile), up for the whole run;
 *  - a database tier: mysqld.service under a steady OLTP load (sysbench_oltp.ts' model), its
 *    client in a separate load-generator unit;
 *  - a web tier: web.service, a threaded server (Apache httpd 2.4's event MPM, server/mpm/
 *    event/event.c) serving short TCP connections: it listens on :: (Listen 80: a dual-stack
 *    AF_INET6 socket, so accepted connections are TCPv6 socks). Its listener thread waits in
 *    the process's one pollset (epoll: the listening socket and the wakeup pipe), accepts a
 *    connection and queues it to a worker thread; the worker reads the request and sends the
 *    looked-up files of the document root (open, sendfile, close), then — the client keeps the
 *    connection alive, or the server lingers on close — puts the socket into the listener's
 *    pollset (apr_pollset_add: epoll_ctl ADD, charged to the worker) and returns to the
 *    queue; when the client closes, the listener takes the socket out of the pollset
 *    (apr_pollset_remove: DEL) and closes it;
 *  - batch work: a CI build job in its own transient unit (kernel_build.ts' compile pipeline,
 *    a smaller tree) every 5 minutes;
 *  - configuration management every 5 minutes (a chef/puppet run: a oneshot unit that reads a
 *    few thousand files and forks ~50 commands), and log rotation;
 *  - monitoring and cron jobs as transient units every 10 s (cgroup_churn.ts' model).
 * 15 minutes of virtual time. Parameters are those of the scenarios reused; the web tier
 * serves ~200 requests/s over 32 worker threads, one request per connection, the client
 * closing ~1 ms after the response (a LAN round trip and its own handling); CI builds 300
 * units each. The machine is the `server` profile (two sockets, 40 CPUs, 2 NUMA nodes): the
 * cover letter's figures come from a production fleet of servers, not from a desktop.
 */
import { taskCloseFiles, taskCloseSockets, taskEpoll, taskEpollCtl, taskFork, taskOpenFiles, taskPipe, taskSocket } from '../kernel/index.js';
import type { Task } from '../kernel/index.js';
import type { WorkloadContext, WorkloadSpec } from './types.js';
import { scaled } from './types.js';
import type { Actor } from './sim.js';
import { MS, SEC } from './sim.js';
import { FileSet } from './files.js';
import { SystemdHost, oneshot } from './systemd.js';
import type { ProgramSpec } from './systemd.js';
import { MIGRATE_BUSY, startHostBoot } from './boot.js';
import { placeTask, wakeTask } from './sched.js';
import { mysqld, OLTP_USER_PARAMS, oltpParams, sysbenchClient } from './sysbench_oltp.js';
import type { MysqldState } from './sysbench_oltp.js';
import { churnLoop, churnParams } from './cgroup_churn.js';
import { ciBuild } from './kernel_build.js';
import type { WorkloadRng } from './rng.js';

const WEB: ProgramSpec = { comm: 'httpd', libs: 50, dataFiles: 300, dataSet: 'share', negLookups: 30, anonKb: 32 * 1024 };
const CONFIG_MGMT: ProgramSpec = { comm: 'ruby', libs: 40, dataFiles: 3000, dataSet: 'share', negLookups: 200, anonKb: 80 * 1024 };

/** Chef's shell_out reads each command's stdout and stderr through a pipe each. */
const CONFIG_MGMT_PIPES = 2;

/** Time from the response to the client's FIN: a LAN round trip and the client's handling. */
const CLIENT_CLOSE_NS = 1 * MS;

/**
 * A threaded web server (httpd's event MPM, see the header): the listener thread accepts, a
 * worker serves, the connection waits in the listener's pollset until the client closes.
 */
function* webService(ctx: WorkloadContext, host: SystemdHost, rng: WorkloadRng, untilNs: number): Actor {
  const k = ctx.k;
  const cg = host.mkdirP('/system.slice/web.service');
  const main = yield* host.spawn(cg, WEB, MIGRATE_BUSY);
  const docroot = new FileSet({ name: '/var/www', nrFiles: 5000, meanBytes: 16 * 1024, skew: 2 });
  const listener = taskFork(k, main, { thread: true });
  placeTask(ctx, listener); // wake_up_new_task
  const workers: Task[] = [];
  for (let i = 0; i < 32; i++) {
    const w = taskFork(k, main, { thread: true });
    placeTask(ctx, w); // wake_up_new_task
    workers.push(w);
  }
  taskSocket(k, main, 1, 'tcp6');
  taskPipe(k, main, 1);
  const pollset = taskEpoll(k, main, 2);
  const requestGapNs = SEC / 200;
  const closeRng = rng.fork();
  while (ctx.loop.nowNs < untilNs) {
    yield rng.exp(requestGapNs);
    if (main.exited) return;
    wakeTask(ctx, listener, MIGRATE_BUSY);
    taskSocket(k, listener, 1, 'tcp6', { accepted: true }); // accept() of a request connection
    const w = workers[rng.int(workers.length)];
    wakeTask(ctx, w, MIGRATE_BUSY);
    docroot.touch(ctx, w, 2, true);
    taskOpenFiles(k, w, 1);
    taskCloseFiles(k, w, 1);
    taskEpollCtl(k, w, pollset, 1); // keep-alive / lingering close: into the listener's pollset
    ctx.loop.spawn(
      (function* (): Actor {
        yield closeRng.around(CLIENT_CLOSE_NS);
        if (listener.exited) return;
        wakeTask(ctx, listener, MIGRATE_BUSY);
        taskEpollCtl(k, listener, pollset, -1);
        taskCloseSockets(k, listener, 1);
      })(),
    );
  }
}

function* periodic(ctx: WorkloadContext, everyNs: number, untilNs: number, start: (n: number) => Actor): Actor {
  for (let n = 1; ctx.loop.nowNs + everyNs < untilNs; n++) {
    yield everyNs;
    ctx.loop.spawn(start(n));
  }
}

export const FLEET_RUN_NS = 15 * 60 * SEC;

export const fleet: WorkloadSpec = {
  name: 'fleet',
  description: 'a production-like host: services, a database under load, a web tier, CI builds, config management, cron churn (15 min)',
  defaultMachine: 'server',
  cgroup: '/system.slice',
  // the database tier is sysbench-oltp's mysqld, with the same settable parameters
  params: OLTP_USER_PARAMS,
  *steps(ctx) {
    const endNs = Math.max(120 * SEC, scaled(ctx, FLEET_RUN_NS / SEC) * SEC);
    const host = startHostBoot(ctx, 'server', endNs);
    const rng = ctx.rng;
    // the database tier
    const p = { ...oltpParams(ctx), runNs: endNs - 80 * SEC };
    const db: MysqldState = {};
    ctx.loop.spawn(mysqld(ctx, host, p, rng.fork(), db, endNs), 30 * SEC);
    const lrng = rng.fork();
    ctx.loop.spawn(
      (function* (): Actor {
        while (!db.ready) yield 500 * MS;
        yield* sysbenchClient(ctx, host, p, lrng, db, '/system.slice/loadgen.service');
      })(),
      40 * SEC,
    );
    ctx.loop.spawn(webService(ctx, host, rng.fork(), endNs), 35 * SEC);
    // batch and management work
    const crng = rng.fork();
    ctx.loop.spawn(periodic(ctx, 300 * SEC, endNs, (n) => ciBuild(ctx, host, `/system.slice/ci-job-${n}.service`, 300, crng.fork())), 0);
    const mrng = rng.fork();
    ctx.loop.spawn(
      periodic(ctx, 300 * SEC, endNs, (n) =>
        oneshot(host, `/system.slice/chef-client-${n}.service`, CONFIG_MGMT, mrng.fork(), { runMs: 40_000, helpers: 50, migrate: MIGRATE_BUSY, helperPipes: CONFIG_MGMT_PIPES }),
      ),
      60 * SEC,
    );
    const churn = { ...churnParams(ctx), periodNs: 10 * SEC };
    churn.units = Math.floor((endNs - 90 * SEC) / churn.periodNs);
    ctx.loop.spawn(churnLoop(ctx, host, churn, rng.fork(), 1000), 90 * SEC);
    yield* ctx.loop.run();
  },
};
