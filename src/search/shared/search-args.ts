import { checkInteger } from '../../core/errors.js';

/**
 * The k an exact engine answers with: checked (an integer >= 1), then clamped to the number of
 * indexed points, as the NeighborIndex contract says (k > size is no error; every row then
 * holds all points).
 */
export function clampK(k: number, size: number): number {
  checkInteger('k', k, 1);
  return Math.min(k, size);
}

/** searchAsync's `threads` option, checked when given (before any query is parsed). */
export function checkThreads(threads: number | undefined): void {
  if (threads !== undefined) checkInteger('threads', threads, 1, 1024);
}
