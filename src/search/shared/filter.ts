import { invalidParam } from '../../core/errors.js';

/**
 * The per-call filter evaluated once per indexed point (1 = allowed), or null for none. Worker
 * threads need it as data (functions cannot be posted); BruteForce's kernels also read it as a
 * mask in every path.
 */
export function filterMask(filter: unknown, n: number): Uint8Array | null {
  if (filter === undefined) return null;
  // the index contract hands engines a ready mask over their points (src/index/filter.ts)
  if (filter instanceof Uint8Array && filter.length >= n) return filter.length === n ? filter : filter.subarray(0, n);
  if (typeof filter !== 'function') throw invalidParam('filter', filter, 'a function (id: number) => boolean');
  const m = new Uint8Array(n);
  for (let j = 0; j < n; j++) m[j] = filter(j) ? 1 : 0;
  return m;
}
