import { KnnkitError } from '../../core/errors.js';
import type * as Fs from 'node:fs';

/**
 * O_DIRECT reads for the disk family: DiskANN reads its sectors with O_DIRECT so that the OS
 * page cache neither holds the index (the RAM budget then bounds everything the index uses) nor
 * reads ahead around each random 4 KB read (with buffered reads a cold miss pulls in several
 * pages, and the kernel's work per read several times a sector's). O_DIRECT wants the file
 * position, the length and the memory address aligned to the device's logical block (512 B or
 * 4 KB). Positions and lengths are widened here to 4 KB bounds; JavaScript cannot ask for an
 * aligned address, so a bounce arena is allocated and its aligned offset found once by probing
 * (a misaligned O_DIRECT read fails with EINVAL at once); reads land there and are copied out.
 */
export const DIRECT_ALIGN = 4096;

/** The flag, or a KnnkitError where the platform has none (O_DIRECT is Linux's). */
export function directFlag(fs: typeof Fs): number {
  const f = (fs.constants as { O_DIRECT?: number }).O_DIRECT;
  if (!f) throw new KnnkitError('direct', `direct: O_DIRECT reads are not available on ${process.platform}; load without { direct: true }`);
  return f;
}

/** One bounce slot: `bytes` aligned bytes at `offset` of `buf`. */
interface Slot { buf: Uint8Array; offset: number }

/** Aligned bounce buffers of `slotBytes` each, handed out and returned (reads in flight). */
export class BouncePool {
  private free: Slot[] = [];

  constructor(private readonly fs: typeof Fs, private readonly fd: number, readonly slotBytes: number, private readonly perArena: number) {}

  take(): Slot {
    const s = this.free.pop();
    if (s) return s;
    this.grow(this.perArena);
    return this.free.pop()!;
  }

  give(s: Slot): void { this.free.push(s); }

  /** count more slots in one arena, its first aligned byte found by probing. */
  private grow(count: number): void {
    const arena = new Uint8Array(count * this.slotBytes + DIRECT_ALIGN);
    const a = alignedOffset(this.fs, this.fd, arena);
    for (let i = 0; i < count; i++) this.free.push({ buf: arena, offset: a + i * this.slotBytes });
  }
}

/** The first offset of `arena` at which an O_DIRECT read of one block at position 0 succeeds. */
function alignedOffset(fs: typeof Fs, fd: number, arena: Uint8Array): number {
  let last = '';
  for (let off = 0; off < DIRECT_ALIGN; off += 8) {
    try {
      fs.readSync(fd, arena, off, DIRECT_ALIGN, 0);
      return off;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== 'EINVAL') throw new KnnkitError('direct', `direct: an O_DIRECT read failed: ${(e as Error).message}`);
      last = (e as Error).message;
    }
  }
  throw new KnnkitError('direct', `direct: no buffer alignment works for O_DIRECT reads on this file system (${last}); load without { direct: true }`);
}

/** The 4 KB-aligned span that covers [pos, pos + len). */
export function alignedSpan(pos: number, len: number): { start: number; bytes: number } {
  const start = Math.floor(pos / DIRECT_ALIGN) * DIRECT_ALIGN;
  const end = Math.ceil((pos + len) / DIRECT_ALIGN) * DIRECT_ALIGN;
  return { start, bytes: end - start };
}
