import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { wrapFsError } from './errors.js';
import type { OnProgress } from '../core/progress.js';

/** Default read size: large enough to amortise syscalls, small next to any data matrix. */
export const CHUNK_BYTES = 1 << 20;

/**
 * Reads a file as a sequence of byte chunks (each a fresh view valid until the next iteration),
 * through one reusable buffer, so the text of a file is never held whole in memory.
 */
export async function* fileChunks(path: string, chunkBytes = CHUNK_BYTES): AsyncGenerator<Uint8Array> {
  const fh = await openForRead(path);
  try {
    const buf = new Uint8Array(chunkBytes);
    for (;;) {
      let n: number;
      try { ({ bytesRead: n } = await fh.read(buf, 0, chunkBytes, null)); } catch (e) { throw wrapFsError(path, e); }
      if (n === 0) break;
      yield buf.subarray(0, n);
    }
  } finally {
    await fh.close();
  }
}

/** Opens a file for reading; failure is a KnnkitError naming the file (wrapFsError). */
export async function openForRead(path: string): Promise<FileHandle> {
  try { return await open(path, 'r'); } catch (e) { throw wrapFsError(path, e); }
}

/** File size in bytes (for capacity estimates and binary-format checks). */
export async function fileSize(path: string): Promise<number> {
  try { return (await stat(path)).size; } catch (e) { throw wrapFsError(path, e); }
}

/** A byte counter reporting a streamed read as progress (phase "read <file name>"). */
export function readProgress(path: string, size: number, onProgress: OnProgress | undefined): (bytes: number) => void {
  if (!onProgress) return () => undefined;
  const phase = `read ${path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1)}`;
  let done = 0;
  return (bytes) => { done += bytes; onProgress({ phase, done, total: Math.max(size, done) }); };
}
