/**
 * The CLI's one error handler: every failure ends as a single `memcgfs: <message>` line on stderr
 * and a non-zero exit. Errno-carrying errors are spelled the way coreutils would
 * (`memcgfs: cat: /proc/x: No such file or directory`).
 */
import { getSystemErrorMap } from 'node:util';

/** A failure whose message is already fit for the user (no stack trace, no prefix). */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

const systemErrors = getSystemErrorMap();

/** "No such file or directory" for ENOENT (libuv's text, capitalised like strerror(3)). */
export function strerror(code: string): string {
  for (const [name, message] of systemErrors.values()) {
    if (name === code) return message.charAt(0).toUpperCase() + message.slice(1);
  }
  return code;
}

/** One line describing `err` for the user. */
export function formatError(err: unknown): string {
  if (err instanceof CliError) return err.message;
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; syscall?: unknown; path?: unknown; errno?: unknown };
    // FsError (and Node's own system errors) carry syscall, path and an errno name.
    if (e.name === 'FsError' && typeof e.code === 'string') {
      return `${String(e.syscall)}: ${String(e.path)}: ${strerror(e.code)}`;
    }
    if (e.name === 'KernelError' && typeof e.code === 'string') {
      const detail = e.message.startsWith(`${e.code}: `) ? e.message.slice(e.code.length + 2) : '';
      return detail || strerror(e.code);
    }
    return err.message;
  }
  return String(err);
}

/** Prints `memcgfs: <message>` and exits non-zero. */
export function handleError(err: unknown): never {
  process.stderr.write(`memcgfs: ${formatError(err)}\n`);
  if (process.env.MEMCGFS_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
}
