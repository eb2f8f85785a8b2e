import type { Matrix } from '../core/data.js';
import { BATCH, ColumnSolver, type ColumnContext, type ColumnSolution } from './columns.js';
import type { OnProgress } from '../core/progress.js';
import {
  classMembers, classNeighbourhoods, classNeighbourhoodsOf, densityLambda, emptyNeighbourhoods, medianOfSquared,
  medianPairwiseDistance, neighbourhoodFallback, type ClassNeighbourhoods,
} from './density.js';
import { nearestOthers, pairwiseSquaredDistances, rowSquaredNorms } from './distances.js';
import { compositeKernelInPlace, symmetricGramRows } from './kernel.js';
import { medianPairCount, medianPairValues, medianPlan, type MedianPlan } from './median.js';
import { MersenneTwister } from './matlab-folds.js';
import { consensus, referenceRule, supportRule, type NodeNeighbours } from './neighbours.js';
import { dictionarySize, type ResolvedOptions } from './options.js';
import { createLayout, Kernels } from './wasm/kernels.js';

/** The learned graph: everything inference and `explain` need. */
export interface TrainedGraph {
  n: number;
  nClasses: number;
  sigma: number;
  scaleWeights: number[];
  rho: Float64Array;
  lambda: Float64Array;
  /** Neighbours of node j: nbrIdx/nbrW/nbrDist[nbrOffsets[j] .. nbrOffsets[j+1]). */
  nbrOffsets: Int32Array;
  nbrIdx: Int32Array;
  nbrW: Float64Array;
  nbrDist: Float64Array;
  /** Consensus label id per node (Eq. 4) and normalised class scores (n x nClasses). */
  nodeLabels: Int32Array;
  nodeScores: Float32Array;
  /** Mean FISTA iterations per column. */
  meanIterations: number;
}

/** What is prepared before the column solves (the expensive shared part). */
export interface Prepared {
  ctx: ColumnContext;
  sigma: number;
  nb: ClassNeighbourhoods;
  density: ReturnType<typeof densityLambda>;
  /** full mode: the composite kernel A (n x n), needed by H and the reference fallback. */
  A?: Float32Array;
  /** full mode: the squared distances D2 (Float32), kept for the consensus distances of step 6. */
  D2?: Float32Array;
  /** local mode: the nearest other point of every node. */
  nearest?: Int32Array;
  /** full mode: H rows still to be computed (by the caller: in-thread or on workers). */
  needsGram: boolean;
  /** candidates mode: the O(n)-row passes still to run (then `completeLocal`). */
  pending?: { work: LocalWork; o: ResolvedOptions };
}

function newFloat32(len: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(len * 4)) : new Float32Array(len);
}

/** Steps 1-3 of the reference document (and the allocation of H for step 4). */
export function prepare(X: Matrix, yIds: Int32Array, nClasses: number, o: ResolvedOptions, shared: boolean, threads = 1): Prepared {
  const n = X.rows;
  const local = dictionarySize(n, o.candidates) !== undefined;
  // candidates mode on worker threads: the per-row work is left to solveAllParallel
  if (local) return shared && threads > 1 ? deferLocal(X, yIds, nClasses, o) : prepareLocal(X, yIds, nClasses, o);
  const norms = rowSquaredNorms(X);
  const sMax = Math.max(...o.scales);
  const nb = classNeighbourhoods(X, yIds, nClasses, sMax);
  const density = densityLambda(nb, n, o.scales, o.lambdaMinFactor * o.lambda, o.lambdaMaxFactor * o.lambda, o.scaleWeights);
  const fista = { maxIter: o.maxIter, tol: o.tol, eta: o.eta, L0: o.L0 };
  // A and H on one shared WebAssembly memory when the SIMD kernels are available
  const layout = createLayout(n, threads + 1, X.kind === 'dense' ? X.cols : 0) ?? undefined;
  const A = layout ? new Float32Array(layout.memory.buffer, layout.A, n * n) : newFloat32(n * n, shared);
  if (layout && X.kind === 'dense') {
    // step 1 GEMM-style in WebAssembly: <x_i, x_k> for all pairs, then D2 from the norms
    new Float32Array(layout.memory.buffer, layout.X, n * X.cols).set(X.data.subarray(0, n * X.cols));
    new Kernels(layout, 0).dataGram();
    for (let i = 0; i < n; i++) {
      const o = i * n, ni = norms[i];
      for (let k = 0; k < n; k++) { const v = ni + norms[k] - 2 * A[o + k]; A[o + k] = k === i || v < 0 ? 0 : v; }
    }
  } else pairwiseSquaredDistances(X, A, norms);
  const sigma = o.sigma === 'median' ? medianPairwiseDistance(A, n) : o.sigma;
  const D2 = A.slice();
  compositeKernelInPlace(A, n, sigma, yIds, o.gaussianWeight, o.labelWeight, o.labelDiscount);
  const H = layout ? new Float32Array(layout.memory.buffer, layout.H, n * n) : newFloat32(n * n, shared);
  return { ctx: { mode: 'full', n, lambda: density.lambda, fista, H, layout }, sigma, nb, density, A, D2, needsGram: true };
}

/**
 * Candidates mode, the three O(n)-row passes of the preparation: class neighbourhoods (Eq. 3),
 * sigma (median of the pairwise distances, exact or sampled) and the m nearest other rows of
 * every node (the dictionaries S_j). Each row's result depends on that row only, so they may
 * be computed in any order, on any thread: `LocalWork` is the description a worker needs.
 */
export interface LocalWork {
  X: Matrix;
  norms: Float64Array;
  m: number;
  members: Int32Array[];
  /** the median's pairs (drawn by `ensurePlan`; count 0 until then or without the median) */
  plan: MedianPlan;
  seed: number;
  /** outputs: pair distances of the median, the candidate lists (n x m), the neighbourhoods */
  pairD2: Float64Array;
  cand: Int32Array;
  nb: ClassNeighbourhoods;
}

export function localWork(X: Matrix, yIds: Int32Array, nClasses: number, o: ResolvedOptions, shared: boolean): LocalWork {
  const n = X.rows;
  const m = dictionarySize(n, o.candidates)!;
  // the sampled pairs are drawn later (ensurePlan): on the fitAsync path while the workers start
  const plan: MedianPlan = { n, exact: true, count: 0 };
  const count = o.sigma === 'median' ? medianPairCount(n) : 0;
  const f64 = (len: number) => shared ? new Float64Array(new SharedArrayBuffer(Math.max(1, len) * 8), 0, len) : new Float64Array(len);
  const i32 = (len: number) => shared ? new Int32Array(new SharedArrayBuffer(Math.max(1, len) * 4), 0, len) : new Int32Array(len);
  const norms = f64(n);
  norms.set(rowSquaredNorms(X));
  return {
    X, norms, m, members: classMembers(yIds, nClasses), plan, seed: o.seed, pairD2: f64(count), cand: i32(n * m),
    nb: emptyNeighbourhoods(n, Math.max(...o.scales), shared),
  };
}

/** The O(n)-row passes in the calling thread (sync fit). */
function prepareLocal(X: Matrix, yIds: Int32Array, nClasses: number, o: ResolvedOptions): Prepared {
  const p = deferLocal(X, yIds, nClasses, o, localWork(X, yIds, nClasses, o, false));
  runPendingInThread(p);
  return p;
}

/** Draws the median's pairs (exact: all pairs, nothing to draw) once the work needs them. */
export function ensurePlan(w: LocalWork): void {
  if (w.pairD2.length > 0 && w.plan.count === 0) w.plan = medianPlan(w.X.rows, w.seed, w.pairD2.buffer instanceof SharedArrayBuffer);
}

function runPendingInThread(p: Prepared): void {
  const w = p.pending!.work, X = w.X;
  ensurePlan(w);
  for (const rows of w.members) classNeighbourhoodsOf(X, w.norms, rows, w.nb);
  if (w.pairD2.length > 0) medianPairValues(X, w.norms, w.plan, 0, w.plan.exact ? X.rows : w.plan.count, w.pairD2);
  w.cand.set(nearestOthers(X, w.m).indices);
  completeLocal(p);
}

/**
 * A candidates-mode Prepared whose O(n)-row passes are still to run (`pending`): on worker
 * threads by solveAllParallel, or here by `completeLocal` after running them in-thread.
 */
function deferLocal(X: Matrix, yIds: Int32Array, nClasses: number, o: ResolvedOptions, w = localWork(X, yIds, nClasses, o, true)): Prepared {
  const n = X.rows;
  const fista = { maxIter: o.maxIter, tol: o.tol, eta: o.eta, L0: o.L0 };
  const ctx: ColumnContext = {
    mode: 'local', n, lambda: new Float64Array(n), fista, m: w.m, cand: w.cand, sigma: NaN,
    gaussWeight: o.gaussianWeight, labelWeight: o.labelWeight, labelDiscount: o.labelDiscount, yIds, norms: w.norms,
    ...(X.kind === 'dense' ? { dense: { data: X.data, cols: X.cols } } : { csr: { indptr: X.indptr, indices: X.indices, values: X.values, cols: X.cols } }),
  };
  const density = { rho: new Float64Array(n), scaleWeights: [], lambda: ctx.lambda };
  return { ctx, sigma: NaN, nb: w.nb, density, nearest: new Int32Array(n).fill(-1), needsGram: false, pending: { work: w, o } };
}

/** After the row passes: the fallback neighbourhoods, density and lambda (Eq. 3), sigma, nearest. */
export function completeLocal(p: Prepared): void {
  const { work: w, o } = p.pending!;
  const n = p.ctx.n;
  neighbourhoodFallback(w.X, w.norms, w.nb);
  p.density = densityLambda(w.nb, n, o.scales, o.lambdaMinFactor * o.lambda, o.lambdaMaxFactor * o.lambda, o.scaleWeights);
  p.sigma = o.sigma === 'median' ? medianOfSquared(w.pairD2) : o.sigma;
  p.ctx.lambda = p.density.lambda;
  p.ctx.sigma = p.sigma;
  for (let j = 0; j < n; j++) p.nearest![j] = w.m > 0 ? w.cand[j * w.m] : -1;
  delete p.pending;
}

/** Single-thread path: H, then every column in order. */
export function solveAllSync(p: Prepared, onProgress?: OnProgress): ColumnSolution[] {
  if (p.pending) runPendingInThread(p);
  const ctx = p.ctx;
  if (p.needsGram) {
    if (ctx.layout) new Kernels(ctx.layout, 0).gramRows(0, ctx.n);
    else symmetricGramRows(p.A!, ctx.n, 0, ctx.n, ctx.H!);
  }
  const solver = new ColumnSolver(ctx);
  const all = Int32Array.from({ length: ctx.n }, (_, j) => j);
  if (!onProgress) return solver.solveMany(all);
  // in blocks of whole solver batches (BATCH divides PROGRESS_COLS): the same solves, reported
  const out: ColumnSolution[] = [];
  for (let j0 = 0; j0 < ctx.n; j0 += PROGRESS_COLS) {
    out.push(...solver.solveMany(all.subarray(j0, Math.min(ctx.n, j0 + PROGRESS_COLS))));
    onProgress({ phase: 'knn-graph solve', done: out.length, total: ctx.n });
  }
  return out;
}

/** Columns solved between two progress reports of a fit in the calling thread (a multiple of BATCH). */
const PROGRESS_COLS = BATCH * 32;

/** Steps 5-6: neighbour rule (in column order, seeded) and consensus labels. */
export function finish(X: Matrix, yIds: Int32Array, nClasses: number, o: ResolvedOptions, p: Prepared, sols: ColumnSolution[]): TrainedGraph {
  const n = X.rows;
  // the reference rule's rand / randi: MATLAB's rng(seed, 'twister') stream (Demo.m: algorithm_seed = 3)
  const rng = new MersenneTwister(o.seed);
  const nbrs: NodeNeighbours[] = new Array(n);
  let iters = 0;
  for (let j = 0; j < n; j++) {
    iters += sols[j].iterations;
    if (o.neighbourRule === 'support') nbrs[j] = supportRule(sols[j]);
    else {
      nbrs[j] = referenceRule(j, sols[j], rng, p.nb.nearestSame, () => {
        if (p.nearest) return p.nearest[j];
        // most similar other sample by A (reference code: argmax of A[:, j] without j)
        const A = p.A!;
        let best = -1, bv = -Infinity;
        for (let i = 0; i < n; i++) if (i !== j && A[i * n + j] > bv) { bv = A[i * n + j]; best = i; }
        return best;
      });
    }
  }
  const nbrOffsets = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) nbrOffsets[j + 1] = nbrOffsets[j] + nbrs[j].idx.length;
  const total = nbrOffsets[n];
  const nbrIdx = new Int32Array(total), nbrW = new Float64Array(total), nbrDist = new Float64Array(total);
  const nodeLabels = new Int32Array(n), nodeScores = new Float32Array(n * nClasses);
  const scores = new Float64Array(nClasses);
  const rowBuf = X.kind === 'csr' ? new Float32Array(X.cols) : null;
  for (let j = 0; j < n; j++) {
    const { idx, w } = nbrs[j];
    const o0 = nbrOffsets[j];
    nbrIdx.set(idx, o0); nbrW.set(w, o0);
    const labels = new Int32Array(idx.length);
    if (rowBuf && X.kind === 'csr') for (let p2 = X.indptr[j]; p2 < X.indptr[j + 1]; p2++) rowBuf[X.indices[p2]] = X.values[p2];
    for (let t = 0; t < idx.length; t++) {
      nbrDist[o0 + t] = p.D2 ? Math.sqrt(p.D2[j * n + idx[t]]) : euclidean(X, j, idx[t], rowBuf);
      labels[t] = yIds[idx[t]];
    }
    if (rowBuf && X.kind === 'csr') for (let p2 = X.indptr[j]; p2 < X.indptr[j + 1]; p2++) rowBuf[X.indices[p2]] = 0;
    nodeLabels[j] = consensus(yIds[j], labels, nbrDist.subarray(o0, o0 + idx.length), scores, o.selfWeightFactor);
    let s = 0;
    for (let c = 0; c < nClasses; c++) s += scores[c];
    for (let c = 0; c < nClasses; c++) nodeScores[j * nClasses + c] = s > 0 ? scores[c] / s : (c === nodeLabels[j] ? 1 : 0);
  }
  return {
    n, nClasses, sigma: p.sigma, scaleWeights: p.density.scaleWeights, rho: p.density.rho, lambda: p.density.lambda,
    nbrOffsets, nbrIdx, nbrW, nbrDist, nodeLabels, nodeScores, meanIterations: iters / Math.max(1, n),
  };
}

/** Euclidean distance between training rows j and i (row j pre-scattered into rowBuf for CSR). */
function euclidean(X: Matrix, j: number, i: number, rowBuf: Float32Array | null): number {
  let s = 0;
  if (X.kind === 'dense') {
    const d = X.cols, a = X.data, oj = j * d, oi = i * d;
    for (let t = 0; t < d; t++) { const v = a[oj + t] - a[oi + t]; s += v * v; }
    return Math.sqrt(s);
  }
  // |x_j - x_i|^2 = |x_j|^2 + |x_i|^2 - 2 <x_j, x_i>, exact enough in float64 for sparse rows
  let nj = 0, ni = 0, dot = 0;
  for (let p = X.indptr[j]; p < X.indptr[j + 1]; p++) nj += X.values[p] * X.values[p];
  for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) { ni += X.values[p] * X.values[p]; dot += rowBuf![X.indices[p]] * X.values[p]; }
  s = nj + ni - 2 * dot;
  return Math.sqrt(s > 0 ? s : 0);
}
