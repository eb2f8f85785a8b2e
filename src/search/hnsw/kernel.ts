import type { Layout } from './layout.js';

/** Filter modes of a search: none, the allow bitmap in memory, or a host predicate per slot. */
export const FILTER_NONE = 0;
export const FILTER_BITMAP = 1;
export const FILTER_HOST = 2;

/** Distance kinds the graph kernels compute natively (reduced distances). */
export const KIND_L2 = 0;
export const KIND_DOT = 1;
/** Bit-packed 0/1 vectors (storage 'bits'): number of differing bits = squared L2 of the 0/1 vectors. */
export const KIND_BITS = 2;
/**
 * Codec storage (HnswOptions.storage 'f16' / 'sq8'): code rows scored against a float32 query
 * (asymmetric) and against each other (links), squared L2 or 1 - <a,b> of the decoded vectors.
 */
export const KIND_F16_L2 = 3;
export const KIND_F16_DOT = 4;
export const KIND_SQ8_L2 = 5;
export const KIND_SQ8_DOT = 6;
/** Codes of unit vectors (cosine): 1 - <q, x> / |x|, 1 / |decoded x| kept in the row's last 32-bit word. */
export const KIND_F16_COS = 7;
export const KIND_SQ8_COS = 8;

/**
 * The graph kernels over one index memory (see layout.ts), one instance per thread: the
 * WebAssembly module (kernel-wasm.ts) or its TypeScript twin (kernel-js.ts). The caller
 * writes the query into its scratch `q` block; results come back nearest first in `wd`/`wi`.
 */
export interface GraphKernel {
  readonly name: 'wasm-simd' | 'wasm-relaxed-simd' | 'js';
  /** (Re)binds to a layout (after growth) using scratch block `thread`. */
  bind(layout: Layout, thread: number): void;
  /** Predicate on slots for FILTER_HOST searches (called during the walk). */
  setHostFilter(f: ((slot: number) => boolean) | undefined): void;
  insert(slot: number, level: number, ep: number, maxLevel: number, efC: number, exclusions: number): void;
  repair(slot: number, level: number): void;
  searchKnn(ep: number, maxLevel: number, ef: number, k: number, mode: number, exclusions: number): number;
  /** Exact top-k over the n slots written at `ci`. */
  bruteList(n: number, k: number): number;
  queryDist(slot: number): number;
  /**
   * Storage 'bits': packs the f32 query staged at scratch `qf` into `q`; false when a
   * coordinate is neither 0 nor 1 (the query block is then meaningless).
   */
  packQuery(): boolean;
  distCount(): number;
  resetDistCount(): void;
}
