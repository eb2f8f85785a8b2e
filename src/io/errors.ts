import { KnnkitError } from '../core/errors.js';

/**
 * A malformed-file error located as compilers do (`train.csv:17:4: "abc" is not a number`), so
 * editors and terminals can jump to the spot. `line` and `column` are 1-based; the parameter
 * of the KnnkitError is the file.
 */
export function fileError(file: string, message: string, line?: number, column?: number): KnnkitError {
  const at = line === undefined ? file : column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
  return new KnnkitError(file, `${at}: ${message}`);
}

/** Turns Node's file-system errors (missing file, directory, permissions) into KnnkitErrors naming the path. */
export function wrapFsError(path: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new KnnkitError(path, `${path}: no such file`);
  if (code === 'EISDIR') return new KnnkitError(path, `${path}: is a directory; expected a data file`);
  if (code === 'EACCES' || code === 'EPERM') return new KnnkitError(path, `${path}: permission denied`);
  return e;
}

/** Short, quoted rendering of a bad token for messages (long tokens are cut). */
export function quoteToken(s: string): string {
  return JSON.stringify(s.length > 40 ? s.slice(0, 37) + '...' : s);
}
