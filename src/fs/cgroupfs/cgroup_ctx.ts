/**
 * Context of a cgroupfs interface file, and the parsing helpers its write handlers share.
 */
import type { MemCgroup, Task } from '../../kernel/index.js';
import { fail } from '../../kernel/index.js';
import type { TreeEnv } from '../env.js';
import { INT_MAX, kstrtoint } from '../parse.js';

export interface CgCtx {
  readonly env: TreeEnv;
  readonly cg: MemCgroup;
}

/** cgroup_procs_write_start: kstrtoint base 0; any parse error or a negative pid -> EINVAL. */
export function parsePid(input: string): number {
  let pid: number;
  try {
    pid = kstrtoint(input);
  } catch {
    fail('EINVAL', `bad pid ${JSON.stringify(input)}`);
  }
  if (pid < 0) fail('EINVAL', 'negative pid');
  return pid;
}

/** "max" -> Infinity, else kstrtoint (EINVAL/ERANGE); negative -> ERANGE; INT_MAX means max. */
export function parseMaxOrInt(input: string): number {
  if (input === 'max') return Infinity;
  const n = kstrtoint(input);
  if (n < 0) fail('ERANGE', 'negative');
  return n === INT_MAX ? Infinity : n;
}

/** "max\n" or the number. */
export function showMaxOrInt(n: number): string {
  return n === Infinity ? 'max\n' : `${n}\n`;
}

/** Live (not exited) tasks attached to the cgroup, in attach order. */
export function liveTasks(cg: MemCgroup): Task[] {
  const out: Task[] = [];
  for (const t of cg.tasks) if (!t.exited) out.push(t);
  return out;
}

/** One number per line. */
export function pidLines(pids: Iterable<number>): string {
  let s = '';
  for (const p of pids) s += `${p}\n`;
  return s;
}
