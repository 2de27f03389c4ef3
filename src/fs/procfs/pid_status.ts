/**
 * /proc/<pid>/status (fs/proc/array.c proc_pid_status, 5.9 field set). Memory lines come from the
 * task's resident anon/file pages; the model keeps no separate virtual size, so VmPeak/VmSize/
 * VmHWM equal VmRSS. Kernel threads have no mm and print no Vm* lines, as in Linux.
 */
import type { TaskState } from '../../kernel/index.js';
import { padNum, rangeList } from '../format.js';

export interface StatusInput {
  comm: string;
  state: TaskState;
  tgid: number;
  pid: number;
  ppid: number;
  uid: number;
  gid: number;
  kthread: boolean;
  nrThreads: number;
  anonPages: number;
  filePages: number;
  pageSize: number;
  nrCpus: number;
  nrNodes: number;
  /** Machine RAM in pages: RLIMIT_SIGPENDING defaults to max_threads / 2. */
  totalPages: number;
}

const STATE_NAMES: Record<TaskState, string> = {
  R: 'R (running)',
  S: 'S (sleeping)',
  D: 'D (disk sleep)',
  Z: 'Z (zombie)',
  X: 'X (dead)',
};

/** A cpumask/nodemask in the kernel's "%*pb" form: 32-bit hex groups, comma separated. */
export function bitmaskHex(nbits: number, nrGroups: number): string {
  const groups: string[] = [];
  for (let g = nrGroups - 1; g >= 0; g--) {
    let word = 0;
    for (let b = 0; b < 32; b++) if (g * 32 + b < nbits) word |= 1 << b;
    groups.push((word >>> 0).toString(16).padStart(8, '0'));
  }
  // Cpus_allowed trims to the CPU count's width (nr_cpu_ids bits); Mems_allowed prints MAX_NUMNODES.
  return groups.join(',');
}

function cpuMask(nrCpus: number): string {
  const groups = Math.ceil(nrCpus / 32);
  const full = bitmaskHex(nrCpus, groups);
  // "%*pb" prints only as many hex digits as nr_cpu_ids needs in the top group.
  const topDigits = Math.ceil((nrCpus - (groups - 1) * 32) / 4);
  return full.slice(8 - topDigits);
}

function kbLine(label: string, kb: number): string {
  return `${label}:\t${padNum(kb, 8)} kB\n`;
}

/** Renders the whole status file. */
export function renderStatus(t: StatusInput): string {
  const kb = t.pageSize / 1024;
  const caps = t.uid === 0 ? '000001ffffffffff' : '0000000000000000';
  const maxThreads = Math.floor(t.totalPages / ((8 * 16384) / t.pageSize));
  let s = '';
  s += `Name:\t${t.comm}\n`;
  s += `Umask:\t0022\n`;
  s += `State:\t${STATE_NAMES[t.state]}\n`;
  s += `Tgid:\t${t.tgid}\n`;
  s += `Ngid:\t0\n`;
  s += `Pid:\t${t.pid}\n`;
  s += `PPid:\t${t.ppid}\n`;
  s += `TracerPid:\t0\n`;
  s += `Uid:\t${t.uid}\t${t.uid}\t${t.uid}\t${t.uid}\n`;
  s += `Gid:\t${t.gid}\t${t.gid}\t${t.gid}\t${t.gid}\n`;
  s += `FDSize:\t${t.kthread ? 0 : 64}\n`;
  s += `Groups:\t \n`;
  s += `NStgid:\t${t.tgid}\n`;
  s += `NSpid:\t${t.pid}\n`;
  s += `NSpgid:\t${t.kthread ? 0 : t.tgid}\n`;
  s += `NSsid:\t${t.kthread ? 0 : t.tgid}\n`;
  if (!t.kthread) {
    const rss = (t.anonPages + t.filePages) * kb;
    s += kbLine('VmPeak', rss);
    s += kbLine('VmSize', rss);
    s += kbLine('VmLck', 0);
    s += kbLine('VmPin', 0);
    s += kbLine('VmHWM', rss);
    s += kbLine('VmRSS', rss);
    s += kbLine('RssAnon', t.anonPages * kb);
    s += kbLine('RssFile', t.filePages * kb);
    s += kbLine('RssShmem', 0);
    s += kbLine('VmData', t.anonPages * kb);
    s += kbLine('VmStk', 0);
    s += kbLine('VmExe', 0);
    s += kbLine('VmLib', 0);
    s += kbLine('VmPTE', 0);
    s += kbLine('VmSwap', 0);
    s += `HugetlbPages:\t${padNum(0, 8)} kB\n`;
  }
  s += `CoreDumping:\t0\n`;
  s += `THP_enabled:\t1\n`;
  s += `Threads:\t${t.nrThreads}\n`;
  s += `SigQ:\t0/${Math.floor(maxThreads / 2)}\n`;
  s += `SigPnd:\t0000000000000000\n`;
  s += `ShdPnd:\t0000000000000000\n`;
  s += `SigBlk:\t0000000000000000\n`;
  s += `SigIgn:\t${t.kthread ? 'ffffffffffffffff' : '0000000000000000'}\n`;
  s += `SigCgt:\t0000000000000000\n`;
  s += `CapInh:\t0000000000000000\n`;
  s += `CapPrm:\t${caps}\n`;
  s += `CapEff:\t${caps}\n`;
  s += `CapBnd:\t000001ffffffffff\n`;
  s += `CapAmb:\t0000000000000000\n`;
  s += `NoNewPrivs:\t0\n`;
  s += `Seccomp:\t0\n`;
  s += `Speculation_Store_Bypass:\tthread vulnerable\n`;
  s += `Cpus_allowed:\t${cpuMask(t.nrCpus)}\n`;
  s += `Cpus_allowed_list:\t${rangeList(t.nrCpus)}\n`;
  s += `Mems_allowed:\t${bitmaskHex(t.nrNodes, 32)}\n`;
  s += `Mems_allowed_list:\t${rangeList(t.nrNodes)}\n`;
  s += `voluntary_ctxt_switches:\t0\n`;
  s += `nonvoluntary_ctxt_switches:\t0\n`;
  return s;
}
