/**
 * Loads the workload registry (src/workloads/index.ts, `runWorkload(kernel, name)`) if the
 * project has one. The import is asynchronous while control commands are synchronous, so the
 * loader starts at once and reports "still loading" (undefined) until it settles.
 */
import { fail } from '../kernel/index.js';
import type { WorkloadRunner } from './commands.js';

export interface WorkloadLoader {
  /** The runner; undefined while loading, null when no registry exists. */
  get(): WorkloadRunner | null | undefined;
  /** Settles when loading has finished (successfully or not). */
  readonly ready: Promise<void>;
}

/** Starts loading src/workloads/index.js relative to this module. */
export function loadWorkloads(): WorkloadLoader {
  let runner: WorkloadRunner | null | undefined;
  // A variable specifier keeps the type checker from requiring the module to exist.
  const specifier = '../workloads/index.js';
  const ready = import(specifier).then(
    (m: { runWorkload?: WorkloadRunner }) => {
      runner = typeof m.runWorkload === 'function' ? m.runWorkload : null;
    },
    (e: unknown) => {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
        runner = null;
        return;
      }
      // The registry exists but failed to load: every workload command reports it.
      const detail = e instanceof Error ? e.message : String(e);
      runner = () => fail('EIO', `src/workloads failed to load: ${detail}`);
    },
  );
  return { get: () => runner, ready };
}

/** A loader that is already settled (tests, or callers that bring their own runner). */
export function staticWorkloads(runner: WorkloadRunner | null): WorkloadLoader {
  return { get: () => runner, ready: Promise.resolve() };
}
