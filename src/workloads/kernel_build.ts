/**
 * `kernel-build`: Bharata B Rao's second table — "kernel compilation (make -s -j64).
 * Compilation was done from bash that is in a memory cgroup (Sampling every 5s)" on a 10-core
 * (80-thread) POWER8 host.
 *
 * What is modelled:
 *  - the host boots (a server distribution, see boot.ts); the administrator logs in over ssh
 *    and moves a bash into a hand-made memory cgroup (/kbuild, as `mkdir` + `echo $$ > tasks`);
 *  - `make -s -j64`: make walks the tree (Makefiles, Kbuild files, the .cmd files of earlier
 *    builds), descending into each directory with a sub-make; up to 64 jobs run at once;
 *  - each compilation unit is a pipeline of short-lived processes, each fork + exec + exit,
 *    as kbuild's rule_cc_o_c runs it (scripts/Makefile.build and cmd_and_fixdep in
 *    scripts/Kbuild.include, 5.5): make forks `sh -c` (the recipe), sh runs `gcc`; gcc, given
 *    -pipe by arch/powerpc/Makefile, creates a pipe and runs `cc1` (which reads the .c file and
 *    its headers — looked up along the include path, so most header names also miss in a
 *    directory or two first: negative dentries — and writes its assembler into the pipe) and
 *    `as` (which reads the pipe and writes the .o) at the same time; then sh runs `fixdep`
 *    (reads the .d that cc1's preprocessor wrote, writes the .cmd) and `rm -f` of the .d;
 *  - written files (.o, .cmd, the links' outputs) go through the page cache with ext4's
 *    buffer_heads (taskPagecacheWrite; the tree is assumed on ext4 — the report does not say,
 *    and XFS would attach none: finding F9);
 *  - the dependency file: cc1 is run with -Wp,-MD,.foo.o.d (c_flags in scripts/Makefile.lib),
 *    so its preprocessor creates and writes the .d at the end of the compilation (a named file:
 *    dentry, inode, page cache and buffer_heads charged to cc1); fixdep reads it (cached: nothing
 *    new) and `rm -f` — another process — unlinks it, which truncates its pages (uncharged),
 *    frees its inode and leaves its dentry cached, negative (cmd_and_fixdep in
 *    scripts/Kbuild.include, 5.5);
 *  - make's jobserver (GNU make 4.2: a pipe created by the top make, inherited by sub-makes);
 *  - fork places each child on an idle CPU and exec balances again (sched_exec), so a
 *    process's mm and everything it allocates after exec are on a CPU drawn anew; its
 *    task_struct, stack, pid, cred, signal... come from its parent's CPU. On POWER8 both stay
 *    within the parent's node (sched.ts): the build starts on the node of the shell, and the
 *    load balancer moves waiting and running compilers to the other node once the first one
 *    is overloaded; processes forked there stay there;
 *  - what computes is declared to the scheduler (runTask): cc1 for its whole CPU time, `as`
 *    after cc1 is done, and the short sh, gcc, fixdep, rm; make and sh otherwise sleep;
 *  - the final link: modpost, the .ko links and vmlinux (a few large processes).
 *
 * Parameters (Linux 5.5 tree, a distribution ppc64le configuration with modules):
 *  - ~10,000 compilation units (a distro config builds roughly 9–12k objects including
 *    modules); ~1,500 directories with a Makefile/Kbuild; ~8,000 distinct headers used, each
 *    unit opening ~350 header files (popularity skewed: <linux/kernel.h> is in everything);
 *    3 include-path misses per first lookup of a header (-I arch/powerpc/include,
 *    -I arch/powerpc/include/generated, -I include, ... before the hit).
 *  - sizes: .c ~20 KB, headers ~8 KB, .o ~100 KB (-g), .cmd ~8 KB, .d ~35 bytes per header
 *    it names (one "  include/linux/xxx.h \" line each: ~12 KB for 350 headers).
 *  - cc1: ~1.5 s of CPU per unit on POWER8 (SMT8 threads are slow), ~30 MB resident;
 *    gcc, as (after cc1 is done), fixdep, rm and sh: tens of milliseconds. Libraries mapped:
 *    cc1 ~6 (libc, libm, libz, libmpc, libmpfr, libgmp), as ~5, gcc/sh/fixdep/rm ~3.
 *  - not modelled: the per-object post-processing of a distribution configuration
 *    (rule_cc_o_c's cmd_modversions_c with CONFIG_MODVERSIONS: `objdump -h foo.o | grep -q
 *    __ksymtab` for every unit and, for units that export symbols, genksyms into
 *    .tmp_foo.ver, `ld -r -o .tmp_foo.o`, `mv -f .tmp_foo.o foo.o`, `rm -f .tmp_foo.ver`;
 *    cmd_record_mcount: powerpc builds the C recordmcount, which writes foo.o.rc and renames it
 *    over foo.o), which would add short-lived processes and temporary files per unit; the
 *    renames need a rename call the kernel API does not have.
 *  - with -j64 on 80 threads the machine is not saturated as a whole, but one node (40
 *    threads) is: the balancer spreads the jobs over both.
 */
import { cgroupAttach, taskCreateFile, taskCreateFiles, taskExit, taskFork, taskLookupMissing, taskPagecacheWrite, taskPipe, taskUnlink } from '../kernel/index.js';
import type { Task } from '../kernel/index.js';
import type { WorkloadContext, WorkloadSpec } from './types.js';
import { scaled } from './types.js';
import type { Actor } from './sim.js';
import { MS, SEC } from './sim.js';
import { FileSet } from './files.js';
import { SystemdHost, execProgram, forkExec } from './systemd.js';
import type { ProgramSpec } from './systemd.js';
import { startHostBoot } from './boot.js';
import { runTask, wakeTask } from './sched.js';
import type { WorkloadRng } from './rng.js';

export const KBUILD_CGROUP = '/kbuild';

export interface KbuildParams {
  units: number;
  dirs: number;
  jobs: number;
  headers: number;
  headersPerUnit: number;
  includeMisses: number;
  cc1Ns: number;
  migrate: number;
}

export function kbuildParams(ctx: WorkloadContext): KbuildParams {
  return {
    units: scaled(ctx, 10_000, 64),
    dirs: scaled(ctx, 1500, 10),
    jobs: 64,
    headers: 8000,
    headersPerUnit: 350,
    includeMisses: 3,
    cc1Ns: 1500 * MS,
    migrate: 0.5,
  };
}

const SH: ProgramSpec = { comm: 'sh', libs: 3, dataFiles: 0, negLookups: 2, anonKb: 512 };
const GCC: ProgramSpec = { comm: 'gcc', libs: 3, dataFiles: 0, negLookups: 8, anonKb: 2048 };
const CC1: ProgramSpec = { comm: 'cc1', libs: 6, dataFiles: 0, negLookups: 4, anonKb: 30 * 1024 };
const AS: ProgramSpec = { comm: 'as', libs: 5, dataFiles: 0, negLookups: 2, anonKb: 8 * 1024 };
const FIXDEP: ProgramSpec = { comm: 'fixdep', libs: 3, dataFiles: 0, negLookups: 1, anonKb: 512 };
const RM: ProgramSpec = { comm: 'rm', libs: 3, dataFiles: 0, negLookups: 1, anonKb: 256 };
/** Length of a dependency file's name (".foo.o.d"). */
const DEPFILE_NAME_LEN = 16;
/** Bytes of a .d per header it lists: one "  include/linux/xxx.h \" line. */
const DEPFILE_BYTES_PER_HEADER = 35;
const MAKE: ProgramSpec = { comm: 'make', libs: 4, dataFiles: 0, negLookups: 10, anonKb: 4096 };
const LD: ProgramSpec = { comm: 'ld', libs: 6, dataFiles: 0, negLookups: 4, anonKb: 256 * 1024 };

/** creat() + write() of a new file of `bytes` on ext4: its dentry and inode, page cache and buffer_heads, charged to `t`. */
function writeFile(ctx: WorkloadContext, t: Task, bytes: number): void {
  if (t.exited) return;
  taskCreateFiles(ctx.k, t, 1, 12, 'ext4');
  const pages = Math.max(1, Math.ceil(bytes / ctx.k.pageSize));
  if (!t.exited) taskPagecacheWrite(ctx.k, t, pages);
}

class Tree {
  readonly src: FileSet;
  readonly headers: FileSet;
  readonly makefiles: FileSet;
  constructor(p: KbuildParams) {
    this.src = new FileSet({ name: 'sources', nrFiles: p.units, meanBytes: 20 * 1024, skew: 1 });
    this.headers = new FileSet({ name: 'headers', nrFiles: p.headers, meanBytes: 8 * 1024, skew: 2.5 });
    this.makefiles = new FileSet({ name: 'Makefiles', nrFiles: p.dirs * 2, meanBytes: 3 * 1024, skew: 1 });
  }
}

/** One compilation unit: sh -> gcc -> (cc1 | as); sh -> fixdep; sh -> rm. */
function* compileUnit(ctx: WorkloadContext, host: SystemdHost, tree: Tree, make: Task, unit: number, p: KbuildParams, rng: WorkloadRng): Actor {
  const k = ctx.k;
  const files = host.files;
  const sh = taskFork(k, make, { comm: 'sh' });
  yield* execProgram(ctx, files, sh, SH, p.migrate);
  yield runTask(ctx, sh, rng.around(2 * MS));
  const gcc = taskFork(k, sh, { comm: 'gcc' });
  yield* execProgram(ctx, files, gcc, GCC, p.migrate);
  yield runTask(ctx, gcc, rng.around(5 * MS));
  // -pipe: the pipe between cc1 and as, created by gcc; it goes when gcc has reaped both
  taskPipe(k, gcc, 1);
  const cc1 = yield* forkExec(ctx, files, gcc, CC1, p.migrate);
  const as = yield* forkExec(ctx, files, gcc, AS, p.migrate);
  // preprocessing: the .c and its headers; first lookups of a header miss along the -I path
  tree.src.touchRange(ctx, cc1, unit, 1, true);
  const fresh = tree.headers.touch(ctx, cc1, p.headersPerUnit, true);
  if (fresh > 0 && !cc1.exited) taskLookupMissing(k, cc1, fresh * p.includeMisses, 16);
  // compiling: cc1 runs (load balancing may move it); as wakes on its input now and then
  const cpuNs = runTask(ctx, cc1, rng.around(p.cc1Ns, 0.8));
  yield cpuNs / 2;
  wakeTask(ctx, as, p.migrate);
  yield cpuNs / 2;
  // -MD: the preprocessor's dependency file, written as cc1 finishes
  let depfile = -1;
  if (!cc1.exited) {
    depfile = taskCreateFile(k, cc1, { fs: 'ext4', nameLen: DEPFILE_NAME_LEN });
    const depPages = Math.max(1, Math.ceil((p.headersPerUnit * DEPFILE_BYTES_PER_HEADER) / k.pageSize));
    taskPagecacheWrite(k, cc1, depPages, { file: depfile });
  }
  taskExit(k, cc1);
  wakeTask(ctx, as, p.migrate);
  yield runTask(ctx, as, rng.around(60 * MS));
  writeFile(ctx, as, 100 * 1024); // the .o
  taskExit(k, as);
  wakeTask(ctx, gcc, p.migrate);
  taskExit(k, gcc);
  wakeTask(ctx, sh, p.migrate);
  const fixdep = yield* forkExec(ctx, files, sh, FIXDEP, p.migrate);
  yield runTask(ctx, fixdep, rng.around(10 * MS));
  writeFile(ctx, fixdep, 8 * 1024); // the .cmd
  taskExit(k, fixdep);
  // rm -f of the .d: its pages and inode go, its dentry stays cached, negative
  const rm = yield* forkExec(ctx, files, sh, RM, p.migrate);
  yield runTask(ctx, rm, rng.around(3 * MS));
  if (!rm.exited && depfile >= 0) taskUnlink(k, rm, depfile);
  taskExit(k, rm);
  taskExit(k, sh);
}

function* kbuild(ctx: WorkloadContext, host: SystemdHost, p: KbuildParams, rng: WorkloadRng, session: string): Actor {
  const k = ctx.k;
  const tree = new Tree(p);
  // the administrator's shell, moved into a hand-made cgroup
  const bash = yield* host.spawn(session, { comm: 'bash', libs: 5, dataFiles: 10, dataSet: 'etc', negLookups: 10, anonKb: 2048 }, p.migrate);
  const cg = host.mkdirP(KBUILD_CGROUP);
  yield 2 * SEC;
  cgroupAttach(k, cg, bash.pid, 'process');
  const make = taskFork(k, bash, { comm: 'make' });
  yield* execProgram(ctx, host.files, make, MAKE, p.migrate);
  // the jobserver's pipe, inherited by every sub-make
  taskPipe(k, make, 1);
  // the top-level make reads the configuration and the top Makefiles
  tree.makefiles.touchRange(ctx, make, 0, 20, true);
  // sub-makes, one per directory, and the units, at most `jobs` at a time
  let nextUnit = 0;
  let nextDir = 0;
  let running = 0;
  const unitsPerDir = Math.ceil(p.units / p.dirs);
  let subMake: Task | null = null;
  let subMakeUnits = 0;
  /** a sub-make exits once it has started its share of units and they have all finished */
  const outstanding = new Map<Task, number>();
  const finish = (m: Task, last: boolean) => {
    const n = outstanding.get(m)! - 1;
    outstanding.set(m, n);
    if (n === 0 && (last || m !== subMake) && !m.exited) {
      taskExit(k, m);
      outstanding.delete(m);
    }
  };
  while (nextUnit < p.units || running > 0) {
    while (running < p.jobs && nextUnit < p.units) {
      if (!subMake || subMakeUnits >= unitsPerDir) {
        if (subMake && outstanding.get(subMake) === 0 && !subMake.exited) {
          taskExit(k, subMake);
          outstanding.delete(subMake);
        }
        wakeTask(ctx, make, p.migrate);
        subMake = taskFork(k, make, { comm: 'make' });
        outstanding.set(subMake, 0);
        yield* execProgram(ctx, host.files, subMake, MAKE, p.migrate);
        tree.makefiles.touchRange(ctx, subMake, 2 * (nextDir % p.dirs), 2, true);
        nextDir++;
        subMakeUnits = 0;
      }
      const unit = nextUnit++;
      subMakeUnits++;
      running++;
      const crng = rng.fork();
      const parent = subMake;
      outstanding.set(parent, outstanding.get(parent)! + 1);
      ctx.loop.spawn(
        (function* (): Actor {
          try {
            yield* compileUnit(ctx, host, tree, parent, unit, p, crng);
          } finally {
            running--;
            finish(parent, nextUnit >= p.units);
          }
        })(),
      );
    }
    yield 20 * MS;
  }
  for (const m of outstanding.keys()) if (!m.exited) taskExit(k, m);
  // modpost and the links: a few large processes
  for (const comm of ['modpost', 'ld', 'ld', 'ld']) {
    const ld = taskFork(k, make, { comm });
    yield* execProgram(ctx, host.files, ld, LD, p.migrate);
    tree.src.touch(ctx, ld, 200, false);
    yield runTask(ctx, ld, rng.around(3 * SEC));
    writeFile(ctx, ld, 30 * 1024 * 1024);
    taskExit(k, ld);
  }
  taskExit(k, make);
}

/**
 * A CI job building a smaller tree in its own transient unit: systemd starts a shell in the
 * unit, it runs make with `units` compilation units (-j16), and the unit goes away with it.
 */
export function* ciBuild(ctx: WorkloadContext, host: SystemdHost, unit: string, units: number, rng: WorkloadRng): Actor {
  const k = ctx.k;
  const p: KbuildParams = { ...kbuildParams(ctx), units, dirs: Math.max(1, Math.round(units / 7)), jobs: 16, headers: 3000 };
  const tree = new Tree(p);
  const cg = host.mkdirP(unit);
  const sh = yield* host.spawn(cg, SH, p.migrate);
  const make = taskFork(k, sh, { comm: 'make' });
  yield* execProgram(ctx, host.files, make, MAKE, p.migrate);
  taskPipe(k, make, 1);
  let running = 0;
  for (let unitNo = 0; unitNo < p.units || running > 0; ) {
    while (running < p.jobs && unitNo < p.units) {
      const n = unitNo++;
      running++;
      const crng = rng.fork();
      ctx.loop.spawn(
        (function* (): Actor {
          try {
            yield* compileUnit(ctx, host, tree, make, n, p, crng);
          } finally {
            running--;
          }
        })(),
      );
    }
    yield 50 * MS;
  }
  taskExit(k, make);
  taskExit(k, sh);
  yield 10 * MS;
  host.removeUnit(cg);
}

export const KBUILD_START_NS = 60 * SEC;

export const kernelBuild: WorkloadSpec = {
  name: 'kernel-build',
  description: 'a booted server host, make -s -j64 of a distro kernel config from bash in a memory cgroup (~10,000 units)',
  defaultMachine: 'power8',
  cgroup: KBUILD_CGROUP,
  *steps(ctx) {
    const p = kbuildParams(ctx);
    // daemons keep running until the build is done; the loop ends with the build
    const host = startHostBoot(ctx, 'server', KBUILD_START_NS + 5 * SEC);
    ctx.loop.spawn(kbuild(ctx, host, p, ctx.rng.fork(), '/user.slice/user-0.slice/session-1.scope'), KBUILD_START_NS);
    yield* ctx.loop.run();
  },
};
