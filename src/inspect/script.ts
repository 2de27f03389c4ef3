/**
 * Inspection scripts (scripts/inspect/*.ts): each gathers its data from a Program and formats it
 * apart, so `--json` prints the very data the text was made from.
 */
import type { Program } from './program.js';

export interface ScriptContext {
  /** The mount the snapshot came from, when it came from one (for paths given inside it). */
  mountDir?: string;
}

export interface InspectScript<D = unknown> {
  readonly name: string;
  readonly summary: string;
  /** argument synopsis, e.g. "CGROUP" */
  readonly usage: string;
  /** Gathers the data. Throws ScriptError on bad arguments or lookups. */
  collect(prog: Program, args: readonly string[], ctx: ScriptContext): D;
  /** The text output (ends with a newline unless empty). */
  format(data: D): string;
}

/** A script failure with the message it prints on stderr and its exit status. */
export class ScriptError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'ScriptError';
    this.exitCode = exitCode;
  }
}

/** Splits script arguments into flags (--x, --x=v) and positionals. */
export function parseScriptArgs(args: readonly string[], known: Record<string, 'flag' | 'value'>): { flags: Record<string, string | true>; positional: string[] } {
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2);
      const kind = known[name];
      if (!kind) throw new ScriptError(`unknown option --${name}`, 2);
      if (kind === 'flag') flags[name] = true;
      else {
        const v = inline ?? args[++i];
        if (v === undefined) throw new ScriptError(`option --${name} needs a value`, 2);
        flags[name] = v;
      }
      continue;
    }
    positional.push(a);
  }
  return { flags, positional };
}
