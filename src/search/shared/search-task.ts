/**
 * One chunk of a searchAsync batch as a worker receives it: rows [q0, q1) of the shared query
 * matrix `q`, results written straight into the shared outIdx/outDist (row-major, k per row,
 * pre-filled with -1 / Infinity for slots a filter leaves empty). `init` says which index to
 * search (see WorkerPayloads); `allowed` is the per-call filter evaluated once per indexed point
 * (1 = allowed), since a filter function cannot be posted.
 */
export interface SearchChunk<Init, Q> {
  init: Init;
  q: Q;
  q0: number;
  q1: number;
  k: number;
  allowed: Uint8Array | null;
  outIdx: Int32Array;
  outDist: Float32Array;
}
