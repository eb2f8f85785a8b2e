import { nodeFsSync } from './node-fs.js';

// No static import of node:fs: modules that persist models (knn-graph's save / saveSync) import
// this one, and they must load in a browser, where only their in-memory API is used.

/**
 * Writes a file atomically: the bytes go to a temporary file in the same directory, are
 * flushed to disk, and the temporary file is renamed over the target. A crash or error midway
 * leaves the previous file untouched (nothing already saved is ever lost or half-written).
 */
export async function atomicWriteFile(path: string, data: Uint8Array | string): Promise<void> {
  const { writeFile, rename, open, unlink } = await import('node:fs/promises');
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
  const { writeFileSync, renameSync, openSync, fsyncSync, closeSync, unlinkSync } = nodeFsSync();
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

/** A hidden temporary name in the target's own directory (rename is atomic within one file system). */
function tempName(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1;
  return `${path.slice(0, cut)}.${path.slice(cut)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
}
