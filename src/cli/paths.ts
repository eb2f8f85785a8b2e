import { stat, access, constants } from 'node:fs/promises';
import { KnnkitError } from '../core/errors.js';

// Every path a command is given is checked here before any long work starts (reading data,
// building an index), so a typo in `--out` costs a second, not the whole build. Messages are one
// line and name the path (and the flag it came from).

/** The folder part of a path ("." when there is none). */
function folderOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? '.' : cut === 0 ? path.slice(0, 1) : path.slice(0, cut);
}

function label(path: string, flag?: string): string {
  return flag ? `${flag}: ${path}` : path;
}

/** An input file: it must exist and be a regular file (not a directory). */
export async function checkInputFile(path: string, flag?: string): Promise<void> {
  const param = flag ?? path;
  let s;
  try {
    s = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KnnkitError(param, `${label(path, flag)}: ${code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  if (s.isDirectory()) throw new KnnkitError(param, `${label(path, flag)}: is a directory; expected a file`);
  try {
    await access(path, constants.R_OK);
  } catch {
    throw new KnnkitError(param, `${label(path, flag)}: permission denied (cannot read it)`);
  }
}

/**
 * An output file: its folder must exist and be writable, and the path itself must not be a
 * directory. The file need not exist (it is written atomically later).
 */
export async function checkOutputFile(path: string, flag: string): Promise<void> {
  if (path === '') throw new KnnkitError(flag, `${flag}: got ""; expected a file path`);
  if (/[/\\]$/.test(path)) throw new KnnkitError(flag, `${label(path, flag)}: is a folder name; expected a file path`);
  const dir = folderOf(path);
  let d;
  try {
    d = await stat(dir);
  } catch {
    throw new KnnkitError(flag, `${label(path, flag)}: cannot write it: its folder ${dir} does not exist`);
  }
  if (!d.isDirectory()) throw new KnnkitError(flag, `${label(path, flag)}: cannot write it: ${dir} is not a folder`);
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw new KnnkitError(flag, `${label(path, flag)}: cannot write it: permission denied in ${dir}`);
  }
  try {
    if ((await stat(path)).isDirectory()) throw new KnnkitError(flag, `${label(path, flag)}: is a directory; expected a file path`);
  } catch (e) {
    if (e instanceof KnnkitError) throw e;
    // absent: it will be created
  }
}

/** Checks a path's extension; `exts` are lower-case with their dot. */
export function checkExtension(path: string, flag: string, exts: readonly string[]): string {
  const lower = path.toLowerCase();
  const ext = exts.find((e) => lower.endsWith(e));
  if (!ext) throw new KnnkitError(flag, `${label(path, flag)}: expected a file name ending in ${exts.join(', ')}`);
  return ext;
}

/** Runs a write, turning a raw file-system failure into a one-line KnnkitError naming the target. */
export async function writing<T>(path: string, flag: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof KnnkitError) throw e;
    const code = (e as NodeJS.ErrnoException)?.code;
    const why = code === 'ENOENT' ? 'its folder does not exist' : code === 'EISDIR' ? 'it is a directory'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'no space left on the device' : (e as Error)?.message ?? String(e);
    throw new KnnkitError(flag, `${flag}: cannot write ${path}: ${why}`);
  }
}
