/**
 * Per-open state of an interface file (the kernfs_open_file / seq_file of the model).
 *
 * Theory of operation:
 * - Text files: a read at offset 0 (or the first read, at any offset) renders the whole file
 *   into this handle's snapshot; later offsets are served from it, so a reader never sees a torn
 *   file, and procps tools that lseek(0) + read on one fd see fresh values each time. A read is
 *   never short before the end. A renderer that throws is an internal error: EIO, never an
 *   empty file.
 * - Binary files (kpagecgroup, kpageflags) are positional and read straight from the kernel.
 * - Writes: one write() is one command; input above PAGE_SIZE is E2BIG (kernfs
 *   atomic_write_len); whitespace is stripped (strstrip) before parsing; success returns the
 *   whole byte count.
 * - Transaction files (memcgfs/ctl): a write runs a command and keeps its reply on this handle.
 *   The first read after the write anchors the reply at that read's offset, whatever the file
 *   offset is; later reads are served relative to the anchor, so sequential reads and a reader
 *   that lseeks back over unconsumed bytes (bash's `read`) both work.
 */
import { KernelError, fail, type ErrnoName } from '../kernel/index.js';
import type { FileNode } from './node.js';
import { strstrip } from './parse.js';
import { FsError, O_ACCMODE, O_RDONLY, O_WRONLY } from './vfs.js';

/** Errors that carry an errno on purpose; anything else thrown by a handler is a bug -> EIO. */
export function errnoOf(e: unknown): ErrnoName | undefined {
  if (e instanceof KernelError || e instanceof FsError) return e.code;
  return undefined;
}

function internalError(e: unknown): never {
  const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  throw new KernelError('EIO', `internal error: ${detail}`);
}

/**
 * Rendered files by path, tagged with the kernel generation they were rendered at: a render at
 * an unchanged generation would produce the same bytes, so it is reused (k.generation moves on
 * every state change, the virtual clock included).
 */
export class RenderCache {
  static readonly MAX_ENTRY_BYTES = 64 * 1024;
  private readonly entries = new Map<string, { gen: number; buf: Buffer }>();
  constructor(private readonly generation: () => number) {}

  get(path: string, render: () => Buffer): Buffer {
    const gen = this.generation();
    const hit = this.entries.get(path);
    if (hit && hit.gen === gen) return hit.buf;
    const buf = render();
    if (buf.length > RenderCache.MAX_ENTRY_BYTES) return buf; // large dumps (the snapshot) are not kept
    if (this.entries.size > 4096) this.entries.clear();
    this.entries.set(path, { gen, buf });
    return buf;
  }
}

export class OpenFile {
  private snapshot: Buffer | null = null;
  private reply: Buffer = Buffer.alloc(0);
  private replyAnchor: number | null = null;

  constructor(
    readonly node: FileNode,
    readonly flags: number,
    private readonly cache?: RenderCache,
  ) {}

  get readable(): boolean {
    return (this.flags & O_ACCMODE) !== O_WRONLY;
  }

  get writable(): boolean {
    return (this.flags & O_ACCMODE) !== O_RDONLY;
  }

  /** Reads `length` bytes at `offset`; see the theory of operation above. */
  read(offset: number, length: number): Buffer {
    if (!this.readable) fail('EBADF');
    if (offset < 0 || length < 0) fail('EINVAL');
    const def = this.node.def;
    if (def.transact) return this.readReply(offset, length);
    this.checkAlive();
    if (def.readAt) {
      try {
        return def.readAt(this.node.ctx, offset, length);
      } catch (e) {
        if (errnoOf(e)) throw e;
        internalError(e);
      }
    }
    if (!def.show) fail(def.readErrno ?? 'EINVAL');
    if (offset === 0 || this.snapshot === null) {
      this.snapshot = this.cache ? this.cache.get(this.node.path, () => this.render()) : this.render();
    }
    if (offset >= this.snapshot.length) return Buffer.alloc(0);
    return this.snapshot.subarray(offset, Math.min(this.snapshot.length, offset + length));
  }

  /** Executes one write; returns the full byte count. */
  write(data: Buffer, pageSize: number): number {
    if (!this.writable) fail('EBADF');
    if (data.length > pageSize) fail('E2BIG', `write of ${data.length} bytes exceeds PAGE_SIZE`);
    const def = this.node.def;
    if (def.transact) {
      this.replyAnchor = null;
      try {
        this.reply = Buffer.from(def.transact(this.node.ctx, data.toString('utf8')), 'utf8');
      } catch (e) {
        const code = errnoOf(e);
        const msg = e instanceof Error ? e.message : String(e);
        this.reply = Buffer.from(`error ${code ?? 'EIO'}: ${msg}\n`, 'utf8');
        if (code) throw e;
        internalError(e);
      }
      return data.length;
    }
    this.checkAlive();
    if (!def.write) fail(def.writeErrno ?? 'EINVAL');
    const text = data.toString('utf8');
    try {
      def.write(this.node.ctx, def.rawWrite ? text : strstrip(text));
    } catch (e) {
      if (errnoOf(e)) throw e;
      internalError(e);
    }
    return data.length;
  }

  private checkAlive(): void {
    const gone = this.node.gone?.();
    if (gone) fail(gone);
  }

  private render(): Buffer {
    try {
      return Buffer.from(this.node.def.show!(this.node.ctx), 'utf8');
    } catch (e) {
      // A file that cannot be rendered reads as EIO, never as empty; declared errnos
      // (ENODEV of a removed cgroup, ...) pass through.
      if (errnoOf(e) && errnoOf(e) !== 'EIO') throw e;
      internalError(e);
    }
  }

  private readReply(offset: number, length: number): Buffer {
    if (this.replyAnchor === null) this.replyAnchor = offset;
    const pos = Math.max(0, offset - this.replyAnchor);
    if (pos >= this.reply.length) return Buffer.alloc(0);
    return this.reply.subarray(pos, Math.min(this.reply.length, pos + length));
  }
}
