import { writeFileSync, renameSync, openSync, fsyncSync, closeSync, unlinkSync } from 'node:fs';
import { writeFile, rename, open, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/**
 * Writes a file atomically: the bytes go to a temporary file in the same directory, are
 * flushed to disk, and the temporary file is renamed over the target. A crash or error midway
 * leaves the previous file untouched (nothing already saved is ever lost or half-written).
 */
export async function atomicWriteFile(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempName(path);
  try {
    await writeFile(tmp, data);
    const fh = await open(tmp, 'r+');
    try { await fh.sync(); } finally { await fh.close(); }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/** Synchronous twin of atomicWriteFile. */
export function atomicWriteFileSync(path: string, data: Uint8Array | string): void {
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, data);
    const fd = openSync(tmp, 'r+');
    try { fsyncSync(fd); } finally { closeSync(fd); }
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
}

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
}
