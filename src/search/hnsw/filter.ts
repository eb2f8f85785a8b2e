import { invalidParam } from '../../core/errors.js';

/**
 * What a search filter may be: a predicate on user ids (evaluated during the walk), or an
 * allow-set of user ids (a Set, an Int32Array or a plain array), turned into a bitmap over
 * internal slots once per call.
 */
export type HnswFilter = ((id: number) => boolean) | Set<number> | Int32Array | readonly number[];

export type NormalisedFilter =
  | { kind: 'none' }
  | { kind: 'predicate'; fn: (id: number) => boolean }
  | { kind: 'set'; ids: Iterable<number>; size: number };

export function normaliseFilter(f: unknown): NormalisedFilter {
  if (f === undefined || f === null) return { kind: 'none' };
  if (typeof f === 'function') return { kind: 'predicate', fn: f as (id: number) => boolean };
  if (f instanceof Set) return { kind: 'set', ids: f as Set<number>, size: f.size };
  if (f instanceof Int32Array || Array.isArray(f)) return { kind: 'set', ids: f as Iterable<number>, size: (f as ArrayLike<number>).length };
  throw invalidParam('filter', f, 'a predicate (id) => boolean, a Set<number> of allowed ids, an Int32Array or an array of ids');
}

/**
 * Rule for very selective filters (documented in docs/hnsw.md): a filtered graph walk must
 * visit about ef / s nodes to collect ef allowed ones (s = allowed fraction); an exact scan
 * of the allowed points costs s * n distances and is exact. Scan when
 * s * n <= GRAPH_COST_PER_EF * ef / s. The constant is fitted to the measured crossovers
 * (bench/hnsw.ts, 128-d): about 4-5 % allowed at n = 100,000 (ef 40 and 80), above 10 % at
 * n = 20,000.
 */
export const GRAPH_COST_PER_EF = 6;

export function preferBruteForce(allowed: number, live: number, ef: number): boolean {
  if (live === 0) return true;
  const s = Math.max(allowed, 1) / live;
  return allowed <= (GRAPH_COST_PER_EF * ef) / s;
}
