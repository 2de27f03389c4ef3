/**
 * Sparse memory and its ELF core file. The drgn image is an ELF64 ET_CORE for x86-64 whose
 * PT_LOAD program headers map the simulated kernel's virtual addresses (no notes: drgn 0.0.22
 * treats it as a user-space core and reads memory natively, by virtual address). Memory is built
 * page by page in regions; a region's present ranges become segments, and pages nobody wrote are
 * left as holes in the file (zeros, no disk blocks on file systems with sparse files).
 */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

export const IMAGE_PAGE = 4096;
const SHIFT = 12;

/** One contiguous virtual range, stored as the 4 KiB pages that were written. */
export class Region {
  readonly name: string;
  readonly base: bigint;
  readonly size: number;
  readonly pages = new Map<number, Uint8Array>();
  /** page ranges readable even where nothing was written: [firstPage, endPage) pairs */
  readonly present: Array<[number, number]> = [];
  /** make the whole region one segment (every byte readable) */
  readonly dense: boolean;
  private lastKey = -1;
  private lastPage: Uint8Array | null = null;
  private lastView: DataView | null = null;

  constructor(name: string, base: bigint, size: number, dense = false) {
    this.name = name;
    this.base = base;
    this.size = size;
    this.dense = dense;
  }

  contains(addr: bigint): boolean {
    return addr >= this.base && addr < this.base + BigInt(this.size);
  }

  private view(off: number): DataView {
    const key = Math.floor(off / IMAGE_PAGE);
    if (key !== this.lastKey) {
      if (off < 0 || off >= this.size) throw new RangeError(`image: ${this.name}+0x${off.toString(16)} outside the region`);
      let p = this.pages.get(key);
      if (!p) {
        p = new Uint8Array(IMAGE_PAGE);
        this.pages.set(key, p);
      }
      this.lastKey = key;
      this.lastPage = p;
      this.lastView = new DataView(p.buffer);
    }
    return this.lastView!;
  }

  u8(off: number, v: number): void {
    this.view(off).setUint8(off & (IMAGE_PAGE - 1), v);
  }
  u16(off: number, v: number): void {
    this.view(off).setUint16(off & (IMAGE_PAGE - 1), v, true);
  }
  u32(off: number, v: number): void {
    this.view(off).setUint32(off & (IMAGE_PAGE - 1), v >>> 0, true);
  }
  u64(off: number, v: bigint | number): void {
    const x = typeof v === 'bigint' ? BigInt.asUintN(64, v) : BigInt.asUintN(64, BigInt(v));
    this.view(off).setBigUint64(off & (IMAGE_PAGE - 1), x, true);
  }
  read32(off: number): number {
    return this.view(off).getUint32(off & (IMAGE_PAGE - 1), true);
  }
  bytes(off: number, data: Uint8Array): void {
    let i = 0;
    while (i < data.length) {
      const o = off + i;
      const inPage = o & (IMAGE_PAGE - 1);
      const n = Math.min(IMAGE_PAGE - inPage, data.length - i);
      this.view(o);
      this.lastPage!.set(data.subarray(i, i + n), inPage);
      i += n;
    }
  }
  /** Marks [off, off + len) readable (zeros unless written). */
  markPresent(off: number, len: number): void {
    this.present.push([Math.floor(off / IMAGE_PAGE), Math.ceil((off + len) / IMAGE_PAGE)]);
  }
}

/** The simulated address space: a set of non-overlapping regions. */
export class SparseMemory {
  readonly regions: Region[] = [];

  add(r: Region): Region {
    this.regions.push(r);
    return r;
  }

  /** The region holding `addr` and the offset inside it. */
  at(addr: bigint): { r: Region; off: number } {
    for (const r of this.regions) if (r.contains(addr)) return { r, off: Number(addr - r.base) };
    throw new RangeError(`image: no region holds 0x${addr.toString(16)}`);
  }

  u8(addr: bigint, v: number): void {
    const { r, off } = this.at(addr);
    r.u8(off, v);
  }
  u16(addr: bigint, v: number): void {
    const { r, off } = this.at(addr);
    r.u16(off, v);
  }
  u32(addr: bigint, v: number): void {
    const { r, off } = this.at(addr);
    r.u32(off, v);
  }
  u64(addr: bigint, v: bigint | number): void {
    const { r, off } = this.at(addr);
    r.u64(off, v);
  }
  bytes(addr: bigint, data: Uint8Array): void {
    const { r, off } = this.at(addr);
    r.bytes(off, data);
  }
  read32(addr: bigint): number {
    const { r, off } = this.at(addr);
    return r.read32(off);
  }
}

interface Segment {
  vaddr: bigint;
  region: Region;
  firstPage: number;
  endPage: number;
}

/** Present page ranges of a region merged across gaps of at most `gap` pages. */
function plan(r: Region, gap: number): Segment[] {
  if (r.dense) return [{ vaddr: r.base, region: r, firstPage: 0, endPage: Math.ceil(r.size / IMAGE_PAGE) }];
  const ranges: Array<[number, number]> = [...r.present];
  for (const key of r.pages.keys()) ranges.push([key, key + 1]);
  ranges.sort((a, b) => a[0] - b[0]);
  const segs: Segment[] = [];
  for (const [a, b] of ranges) {
    const last = segs[segs.length - 1];
    if (last && a <= last.endPage + gap) last.endPage = Math.max(last.endPage, b);
    else segs.push({ vaddr: r.base + (BigInt(a) << BigInt(SHIFT)), region: r, firstPage: a, endPage: b });
  }
  return segs;
}

export interface CoreStats {
  segments: number;
  /** bytes of memory the core maps */
  mappedBytes: number;
  /** bytes actually written (pages with content) */
  writtenBytes: number;
  fileBytes: number;
}

/** Writes `mem` as an ELF64 x86-64 core file. */
export function writeElfCore(mem: SparseMemory, file: string): CoreStats {
  let gap = 256;
  let segs: Segment[] = [];
  for (;;) {
    segs = mem.regions.flatMap((r) => plan(r, gap));
    if (segs.length < 60000) break;
    gap *= 4;
  }
  const EHSIZE = 64;
  const PHENTSIZE = 56;
  let offset = Math.ceil((EHSIZE + PHENTSIZE * segs.length) / IMAGE_PAGE) * IMAGE_PAGE;
  const header = Buffer.alloc(offset);
  // ELF header
  header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
  header.writeUInt16LE(4, 16); // ET_CORE
  header.writeUInt16LE(62, 18); // EM_X86_64
  header.writeUInt32LE(1, 20); // EV_CURRENT
  header.writeBigUInt64LE(0n, 24); // e_entry
  header.writeBigUInt64LE(BigInt(EHSIZE), 32); // e_phoff
  header.writeBigUInt64LE(0n, 40); // e_shoff
  header.writeUInt32LE(0, 48); // e_flags
  header.writeUInt16LE(EHSIZE, 52);
  header.writeUInt16LE(PHENTSIZE, 54);
  header.writeUInt16LE(segs.length, 56);
  header.writeUInt16LE(64, 58); // e_shentsize
  header.writeUInt16LE(0, 60);
  header.writeUInt16LE(0, 62);
  const fileOffsets: number[] = [];
  let mapped = 0;
  segs.forEach((s, i) => {
    const len = (s.endPage - s.firstPage) * IMAGE_PAGE;
    const p = EHSIZE + i * PHENTSIZE;
    header.writeUInt32LE(1, p); // PT_LOAD
    header.writeUInt32LE(4, p + 4); // PF_R
    header.writeBigUInt64LE(BigInt(offset), p + 8);
    header.writeBigUInt64LE(s.vaddr, p + 16);
    header.writeBigUInt64LE(0n, p + 24);
    header.writeBigUInt64LE(BigInt(len), p + 32);
    header.writeBigUInt64LE(BigInt(len), p + 40);
    header.writeBigUInt64LE(BigInt(IMAGE_PAGE), p + 48);
    fileOffsets.push(offset);
    offset += len;
    mapped += len;
  });
  const fd = openSync(file, 'w');
  let written = 0;
  try {
    writeSync(fd, header, 0, header.length, 0);
    segs.forEach((s, i) => {
      const keys = [...s.region.pages.keys()].filter((k) => k >= s.firstPage && k < s.endPage).sort((a, b) => a - b);
      // coalesce consecutive written pages into one write
      for (let j = 0; j < keys.length; ) {
        let e = j + 1;
        while (e < keys.length && keys[e] === keys[e - 1] + 1 && e - j < 256) e++;
        const buf = Buffer.alloc((e - j) * IMAGE_PAGE);
        for (let q = j; q < e; q++) buf.set(s.region.pages.get(keys[q])!, (q - j) * IMAGE_PAGE);
        writeSync(fd, buf, 0, buf.length, fileOffsets[i] + (keys[j] - s.firstPage) * IMAGE_PAGE);
        written += buf.length;
        j = e;
      }
    });
    ftruncateSync(fd, offset);
  } finally {
    closeSync(fd);
  }
  return { segments: segs.length, mappedBytes: mapped, writtenBytes: written, fileBytes: offset };
}
