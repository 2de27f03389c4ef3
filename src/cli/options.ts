/** Option parsing shared by the commands that boot a kernel (mount, inspect). */
import { InvalidArgumentError } from 'commander';
import type { MachineConfig } from '../kernel/index.js';

export function parseInteger(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('not a non-negative integer');
  return Number(value);
}

/** Bytes with an optional K/M/G/T suffix (powers of 1024), as memory.max accepts them. */
export function parseSize(value: string): number {
  const m = /^(\d+)\s*([KMGT])?(i?B)?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected bytes with an optional K, M, G or T suffix');
  const shift = { K: 10, M: 20, G: 30, T: 40 }[(m[2] ?? '').toUpperCase() as 'K'] ?? 0;
  return Number(m[1]) * 2 ** shift;
}

export interface MachineOptions {
  cpus?: number;
  pageSize?: number;
  mem?: number;
  nodes?: number;
}

/** The machine profile fields the command line overrides. */
export function machineOverrides(opts: MachineOptions): Partial<MachineConfig> {
  const o: Partial<MachineConfig> = {};
  if (opts.cpus !== undefined) o.nrCpus = opts.cpus;
  if (opts.pageSize !== undefined) o.pageSize = opts.pageSize;
  if (opts.mem !== undefined) o.memBytes = opts.mem;
  if (opts.nodes !== undefined) o.nrNodes = opts.nodes;
  return o;
}
