import { KnnkitError } from '../core/errors.js';
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

/** A failed write or read as a one-line KnnkitError naming the target (never the temporary file). */
function ioError(op: 'write' | 'read', path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why = code === 'ENOENT' ? (op === 'write' ? 'its folder does not exist' : 'no such file')
    : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'ENOSPC' ? 'no space left on the device' : (e as Error)?.message ?? String(e);
  return new KnnkitError('path', `path: cannot ${op} ${JSON.stringify(path)}: ${why}`);
}

/**
 * Streams chunks into a temporary file beside `path`, flushes it and renames it over the target
 * (atomic within one file system). Each chunk is written as given (views, no copy). On failure
 * the temporary file is removed; temporaries of earlier saves to the same target whose process
 * is gone (a killed save) are removed first.
 */
export async function streamAtomic(path: string, chunks: Iterable<Uint8Array>): Promise<void> {
  const { open, rename, unlink, readdir } = await import('node:fs/promises');
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1;
  const dir = path.slice(0, cut) || '.', base = path.slice(cut);
  try {
    for (const name of await readdir(dir)) {
      const m = name.startsWith(`.${base}.`) && name.endsWith('.tmp') ? /^(\d+)\./.exec(name.slice(base.length + 2)) : null;
      if (m && !processAlive(Number(m[1]))) await unlink(`${path.slice(0, cut)}${name}`).catch(() => undefined);
    }
  } catch (e) {
    throw ioError('write', path, e);
  }
  const tmp = tempName(path);
  let fh: Awaited<ReturnType<typeof open>> | null = null;
  try {
    fh = await open(tmp, 'w');
    for (const c of chunks) {
      let off = 0;
      while (off < c.length) {
        const { bytesWritten } = await fh.write(c, off, c.length - off);
        off += bytesWritten;
      }
    }
    await fh.sync();
    await fh.close();
    fh = null;
    await rename(tmp, path);
  } catch (e) {
    if (fh) await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    if (e instanceof KnnkitError) throw e;
    throw ioError('write', path, e);
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Reads a whole file; failures are one-line KnnkitErrors naming the path. */
export async function readFileChecked(path: string): Promise<Uint8Array> {
  const { readFile } = await import('node:fs/promises');
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw ioError('read', path, e);
  }
}

/**
 * A file opened for positional synchronous reads (index envelopes read section by section);
 * open failures are one-line KnnkitErrors naming the path.
 */
export async function openForReading(path: string): Promise<{ size: number; readAt: (dest: Uint8Array, position: number) => number; close(): void }> {
  const { nodeFsSync: fsSync } = await import('./node-fs.js');
  const fs = fsSync();
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw ioError('read', path, e);
  }
  const size = fs.fstatSync(fd).size;
  return {
    size,
    readAt: (dest, position) => fs.readSync(fd, dest, 0, dest.length, position),
    close: () => fs.closeSync(fd),
  };
}
