/**
 * `sysbench-oltp`: Bharata B Rao's first table — "Sysbench oltp_read_write with mysqld running
 * as part of a mem cgroup (Sampling every 5s)" on a 10-core POWER8 host.
 *
 * What is modelled:
 *  - the host boots first (a server distribution under systemd, see boot.ts): the report's
 *    Slab figures are the whole host's, and its "Slab right after boot" row shows that most
 *    of the slab is the host's, not mysqld's;
 *  - mysqld.service starts (t = 60 s): exec and libraries, its data directory (system schema
 *    and the benchmark tables: lookups, opened and held), InnoDB's background threads, the
 *    listening sockets, the buffer pool (anonymous memory, touched as it warms up);
 *  - mysqld listens on :: (bind_address '*': one dual-stack AF_INET6 socket for the classic
 *    protocol, one for the X protocol) and on its UNIX socket;
 *  - the sysbench client runs from the administrator's ssh session (t = 70 s): it opens
 *    `threads` TCP connections to 127.0.0.1 (the report does not say how sysbench connected;
 *    with the default host 'localhost' libmysqlclient would use the UNIX socket instead);
 *    mysqld's acceptor thread accepts each — on the dual-stack listener an IPv4 client gets an
 *    AF_INET6 socket (v4-mapped): sock inode, dentry, file, TCPv6 sock — and creates a
 *    connection thread for it (task_struct, kernel stack from the thread_stack cache on 64 KiB
 *    pages, pid) — all on the acceptor's CPU;
 *  - the run: each client thread sends transactions; the connection thread wakes (on an idle
 *    CPU if its previous one is busy), reads pages of the tables into the page cache as the
 *    working set is first touched, and appends to the redo log at commit (written through the
 *    page cache: new pages with their ext4 buffer_heads and radix tree nodes, charged to
 *    mysqld, until the circular log has wrapped); the background threads wake periodically
 *    (log writer, purge...);
 *  - the page cleaner writes dirty table pages back: InnoDB's data files use buffered I/O —
 *    innodb_flush_method defaults to fsync on Linux (MySQL 5.7 and 8.0 reference manual:
 *    pwrite() through the page cache, then fsync()), O_DIRECT only when configured — so each
 *    write of a 16 KiB page lands on page-cache pages read earlier, and ext4's
 *    block_write_begin attaches buffer_heads to a page that has none, charged to the memcg the
 *    page is charged to (taskPagecacheWrite with `cached`);
 *  - the data directory's filesystem (`dataFs`): ext4 by default — the report does not say;
 *    Ubuntu and Debian install on ext4, RHEL 7/8, CentOS and Fedora Server on XFS (Fedora
 *    Workstation on ext4 until 32). On XFS the data pages carry no buffer_heads (an iomap_page
 *    on 64 KiB pages, unaccounted) and inodes come from xfs_inode; a declared parameter
 *    (`memcgfs compare --param dataFs=xfs`), read by `oltpParams`;
 *  - the client disconnects at the end; mysqld keeps running.
 *
 * Parameters (MySQL 8.0 and sysbench 1.0 defaults unless stated; none chosen from a result):
 *  - InnoDB background threads ~35 (4 read + 4 write I/O, page cleaner, 4 purge, master,
 *    monitor, log writer/flusher/checkpointer, dict stats, buffer dump, FTS, timers...);
 *    innodb_buffer_pool_size 128 MiB (default); data files use buffered I/O (flush method fsync).
 *  - one page cleaner thread: innodb_page_cleaners defaults to 4 but is capped at
 *    innodb_buffer_pool_instances, which is 1 below a 1 GiB buffer pool; it wakes once a second
 *    and writes back up to innodb_io_capacity pages (default 200 in 5.7 and 8.0) of
 *    innodb_page_size (16 KiB), dirty pages of the tables drawn uniformly (sysbench's updates,
 *    deletes and inserts touch rows all over the tables).
 *  - sysbench prepare with --tables=4 --table-size=100000 (~24 MB per table on disk);
 *    --threads=32 (a common setting for a 10-core host); --time=180.
 *  - oltp_read_write: 18 statements per transaction, ~1.5 KB of redo per transaction; the redo
 *    log is circular (2 × 48 MiB files, the 5.7 default), the binary log is off (the 5.7 and
 *    MariaDB default); ~2,000 transactions/s over 32 connections (fsync at every commit), so
 *    each connection has a transaction every ~15 ms.
 *  - sysbench opens its connections at once; mysqld's acceptor thread takes them from the
 *    listen backlog in one go, creating the connection threads on its CPU.
 *  - wakeups of connection threads land on another CPU half of the time (32 busy threads on
 *    an 80-thread SMT8 machine: select_idle_sibling finds an idle sibling elsewhere).
 *  - server CPU per transaction ~2 ms on the connection thread: oltp_read_write's 18
 *    statements (10 point selects, 4 range queries of 100 rows, 2 updates, a delete and an
 *    insert) at tens to a couple of hundred microseconds each on one SMT8 thread of a 2014
 *    core; the client thread's share is a short wakeup. Over 32 connections that keeps ~4 of
 *    the 80 threads busy, and the connection threads are runnable (can be balanced) for that
 *    long after each wakeup.
 */
import { taskAnonFault, taskCreateFile, taskFork, taskOpenFiles, taskPagecacheRead, taskPagecacheWrite, taskSocket, taskCloseSockets, taskExit } from '../kernel/index.js';
import type { Task } from '../kernel/index.js';
import type { WorkloadContext, WorkloadParam, WorkloadSpec } from './types.js';
import { scaled } from './types.js';
import type { Actor } from './sim.js';
import { MS, SEC } from './sim.js';
import { FileSet } from './files.js';
import { SystemdHost } from './systemd.js';
import type { ProgramSpec } from './systemd.js';
import { startHostBoot } from './boot.js';
import { placeTask, wakeTask } from './sched.js';
import type { WorkloadRng } from './rng.js';

export const MYSQLD_UNIT = '/system.slice/mysqld.service';

export interface OltpParams {
  tables: number;
  tableBytes: number;
  clientThreads: number;
  runNs: number;
  bgThreads: number;
  bufferPoolBytes: number;
  redoBytesPerTxn: number;
  redoLogBytes: number;
  /** mean gap between a connection's transactions (client round trips + CPU) */
  txnGapNs: number;
  /** server CPU time of one transaction on the connection thread */
  txnCpuNs: number;
  migrate: number;
  /** filesystem of /var/lib/mysql */
  dataFs: 'ext4' | 'xfs';
  /** innodb_page_size */
  innodbPageBytes: number;
  /** innodb_io_capacity: pages the page cleaner writes back per second */
  ioCapacity: number;
}

const DATA_FS = ['ext4', 'xfs'] as const;

/** The parameters a user may set, for every workload that runs this database (sysbench-oltp, fleet). */
export const OLTP_USER_PARAMS: Readonly<Record<string, WorkloadParam>> = {
  dataFs: {
    description: "filesystem of mysqld's data directory: ext4 attaches buffer_heads to data pages, XFS (RHEL/Fedora Server's default) does not",
    values: DATA_FS,
    default: 'ext4',
  },
};

function dataFsOf(ctx: WorkloadContext): OltpParams['dataFs'] {
  const fs = ctx.params.dataFs ?? OLTP_USER_PARAMS.dataFs.default;
  if (!(DATA_FS as readonly string[]).includes(fs)) throw new RangeError(`dataFs must be one of ${DATA_FS.join(', ')} (not '${fs}')`);
  return fs as OltpParams['dataFs'];
}

export function oltpParams(ctx: WorkloadContext): OltpParams {
  return {
    tables: 4,
    tableBytes: 24 * 1024 * 1024,
    clientThreads: 32,
    runNs: scaled(ctx, 180) * SEC,
    bgThreads: 35,
    bufferPoolBytes: 128 * 1024 * 1024,
    redoBytesPerTxn: 1536,
    redoLogBytes: 2 * 48 * 1024 * 1024,
    txnGapNs: 15 * MS,
    txnCpuNs: 2 * MS,
    migrate: 0.5,
    dataFs: dataFsOf(ctx),
    innodbPageBytes: 16 * 1024,
    ioCapacity: 200,
  };
}

/** Length of a table file's name ("sbtest1.ibd"). */
const TABLE_NAME_LEN = 11;

const MYSQLD: ProgramSpec = { comm: 'mysqld', libs: 40, dataFiles: 0, negLookups: 30, anonKb: 64 * 1024 };
const SYSBENCH: ProgramSpec = { comm: 'sysbench', libs: 25, dataFiles: 40, dataSet: 'share', negLookups: 20, anonKb: 16 * 1024 };

/**
 * A log written sequentially: new pages reach the page cache (with their buffer_heads) as it
 * grows; a circular log (InnoDB's redo) stops adding pages once it has wrapped.
 */
class LogFile {
  private bytes = 0;
  constructor(
    private readonly pageSize: number,
    private readonly capBytes = Infinity,
    private readonly fs: 'ext4' | 'xfs' = 'ext4',
  ) {}
  append(ctx: WorkloadContext, t: Task, n: number): void {
    const before = Math.ceil(Math.min(this.bytes, this.capBytes) / this.pageSize);
    this.bytes += n;
    const pages = Math.ceil(Math.min(this.bytes, this.capBytes) / this.pageSize) - before;
    if (pages > 0 && !t.exited) taskPagecacheWrite(ctx.k, t, pages, { fs: this.fs });
  }
}

/**
 * The benchmark's tables as the page cache holds them: one named file each, and per page-cache
 * page whether it is cached and whether a write has given it its buffers yet.
 */
class Tables {
  readonly files: number[] = [];
  readonly pagesPerTable: number;
  private readonly state: Uint8Array;
  private nextRead = 0;
  constructor(ctx: WorkloadContext, owner: Task, private readonly p: OltpParams) {
    this.pagesPerTable = Math.ceil(p.tableBytes / ctx.k.pageSize);
    this.state = new Uint8Array(this.pagesPerTable * p.tables);
    for (let i = 0; i < p.tables && !owner.exited; i++) this.files.push(taskCreateFile(ctx.k, owner, { fs: p.dataFs, nameLen: TABLE_NAME_LEN }));
  }
  get allRead(): boolean {
    return this.nextRead >= this.state.length;
  }
  /** The next page of the working set is first touched: read into the page cache by `t`. */
  readNext(ctx: WorkloadContext, t: Task): void {
    if (this.allRead || t.exited) return;
    const pg = this.nextRead++;
    const file = this.files[Math.floor(pg / this.pagesPerTable)];
    if (file === undefined) return;
    taskPagecacheRead(ctx.k, t, 1, { file });
    this.state[pg] = 1;
  }
  /** `t` writes back `n` InnoDB pages drawn uniformly among the tables' pages. */
  writeBack(ctx: WorkloadContext, t: Task, n: number, rng: WorkloadRng): void {
    const k = ctx.k;
    const perTable = new Array<number>(this.files.length).fill(0);
    const nrInnodbPages = Math.floor((this.p.tables * this.p.tableBytes) / this.p.innodbPageBytes);
    for (let i = 0; i < n; i++) {
      const j = rng.int(nrInnodbPages);
      const first = Math.floor((j * this.p.innodbPageBytes) / k.pageSize);
      const end = Math.ceil(((j + 1) * this.p.innodbPageBytes) / k.pageSize);
      for (let pg = first; pg < end; pg++) {
        // a page InnoDB has not read is not in its buffer pool, so it cannot be dirty
        if (this.state[pg] !== 1) continue;
        this.state[pg] = 2;
        perTable[Math.floor(pg / this.pagesPerTable)]++;
      }
    }
    perTable.forEach((nr, i) => {
      if (nr > 0 && !t.exited) taskPagecacheWrite(k, t, nr, { file: this.files[i], cached: true });
    });
  }
}

/** The mysqld server: started by systemd; returns its acceptor thread via `out`. */
export interface MysqldState {
  main?: Task;
  acceptor?: Task;
  redo?: LogFile;
  tables?: Tables;
  ready?: boolean;
}

export function* mysqld(ctx: WorkloadContext, host: SystemdHost, p: OltpParams, rng: WorkloadRng, out: MysqldState, untilNs: number): Actor {
  const k = ctx.k;
  const cg = host.mkdirP(MYSQLD_UNIT);
  const main = yield* host.spawn(cg, MYSQLD, p.migrate);
  out.main = main;
  // the data directory: the system schema (~150 files) and the benchmark tables
  const datadir = new FileSet({ name: '/var/lib/mysql', nrFiles: 200, meanBytes: 0, skew: 1, fs: p.dataFs });
  datadir.touchRange(ctx, main, 0, 200, false);
  const tables = new Tables(ctx, main, p);
  taskOpenFiles(k, main, 60 + p.tables);
  const bg: Task[] = [];
  for (let i = 0; i < p.bgThreads; i++) {
    const th = taskFork(k, main, { thread: true });
    bg.push(th);
    placeTask(ctx, th); // wake_up_new_task
    yield rng.around(2 * MS);
  }
  // listening: :: for the classic and the X protocol (dual stack), and mysql.sock
  taskSocket(k, main, 2, 'tcp6');
  taskSocket(k, main, 1, 'unix');
  const acceptor = bg[0];
  const redo = new LogFile(k.pageSize, p.redoLogBytes, p.dataFs);
  out.acceptor = acceptor;
  out.redo = redo;
  out.tables = tables;
  out.ready = true;
  // the page cleaner: once a second, innodb_io_capacity dirty pages written back
  const cleaner = bg[1];
  const crng = rng.fork();
  ctx.loop.spawn(
    (function* (): Actor {
      while (ctx.loop.nowNs + SEC < untilNs) {
        yield SEC;
        if (cleaner.exited) return;
        wakeTask(ctx, cleaner, p.migrate);
        tables.writeBack(ctx, cleaner, p.ioCapacity, crng);
      }
    })(),
  );
  // background threads: page cleaners, log writer, purge... wake about once a second each
  let warm = 0;
  const warmPages = Math.ceil(p.bufferPoolBytes / k.pageSize);
  while (ctx.loop.nowNs < untilNs) {
    yield rng.exp(SEC / p.bgThreads);
    if (main.exited) return;
    const th = bg[rng.int(bg.length)];
    wakeTask(ctx, th, p.migrate);
    redo.append(ctx, th, 512);
    // the buffer pool is touched as pages are read in (first minute of the run)
    if (warm < warmPages) {
      const n = Math.min(warmPages - warm, Math.ceil(warmPages / 120));
      taskAnonFault(k, th, n);
      warm += n;
    }
    if (ctx.loop.nowNs + SEC > untilNs) break;
  }
}

/** sysbench oltp_read_write: `clientThreads` connections, each a mysqld connection thread. */
export function* sysbenchClient(ctx: WorkloadContext, host: SystemdHost, p: OltpParams, rng: WorkloadRng, server: MysqldState, session: string): Actor {
  const k = ctx.k;
  const client = yield* host.spawn(session, SYSBENCH, p.migrate);
  const acceptor = server.acceptor!;
  const redo = server.redo!;
  const tables = server.tables!;
  const conns: Actor[] = [];
  const endAt = ctx.loop.nowNs + p.runNs;
  // the acceptor wakes once for the burst of connections and drains the backlog on its CPU
  wakeTask(ctx, acceptor, p.migrate);
  for (let i = 0; i < p.clientThreads; i++) {
    const ct = taskFork(k, client, { thread: true });
    placeTask(ctx, ct); // wake_up_new_task
    taskSocket(k, ct, 1, 'tcp');
    if (acceptor.exited) return;
    taskSocket(k, acceptor, 1, 'tcp6', { accepted: true }); // accept(): the sock is cloned in softirq
    const conn = taskFork(k, acceptor, { thread: true });
    placeTask(ctx, conn); // wake_up_new_task
    const crng = rng.fork();
    conns.push(
      (function* (): Actor {
        yield crng.around(5 * MS);
        while (ctx.loop.nowNs < endAt) {
          yield crng.exp(p.txnGapNs);
          if (conn.exited || ct.exited) return;
          wakeTask(ctx, ct, p.migrate);
          wakeTask(ctx, conn, p.migrate, p.txnCpuNs);
          // first touches of table pages come through the page cache (buffered I/O)
          if (!tables.allRead && crng.chance(0.5)) tables.readNext(ctx, conn);
          redo.append(ctx, conn, p.redoBytesPerTxn);
        }
        if (!conn.exited) taskExit(k, conn);
        if (!ct.exited) taskExit(k, ct);
      })(),
    );
  }
  for (const c of conns) ctx.loop.spawn(c);
  yield Math.max(0, endAt - ctx.loop.nowNs) + 100 * MS;
  // connections closed: the client's sockets go with its exit, the server closes its side
  if (!acceptor.exited) taskCloseSockets(k, acceptor, p.clientThreads);
  if (!client.exited) taskExit(k, client);
}

export const SYSBENCH_START_NS = 60 * SEC;

export const sysbenchOltp: WorkloadSpec = {
  name: 'sysbench-oltp',
  description: 'a booted server host, mysqld in its own cgroup, sysbench oltp_read_write with 32 connections for 180 s',
  defaultMachine: 'power8',
  cgroup: MYSQLD_UNIT,
  params: OLTP_USER_PARAMS,
  *steps(ctx) {
    const p = oltpParams(ctx);
    const endNs = SYSBENCH_START_NS + 15 * SEC + p.runNs + 5 * SEC;
    const host = startHostBoot(ctx, 'server', endNs);
    const server: MysqldState = {};
    ctx.loop.spawn(mysqld(ctx, host, p, ctx.rng.fork(), server, endNs), SYSBENCH_START_NS);
    const rng = ctx.rng.fork();
    ctx.loop.spawn(
      (function* (): Actor {
        while (!server.ready) yield 500 * MS;
        yield 5 * SEC;
        yield* sysbenchClient(ctx, host, p, rng, server, '/user.slice/user-0.slice/session-1.scope');
      })(),
      SYSBENCH_START_NS,
    );
    yield* ctx.loop.run();
  },
};
