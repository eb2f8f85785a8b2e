import type { Matrix } from '../core/data.js';
import { ColumnSolver, type ColumnContext, type ColumnSolution } from './columns.js';
import { classNeighbourhoods, densityLambda, medianPairwiseDistance, type ClassNeighbourhoods } from './density.js';
import { nearestOthers, pairwiseSquaredDistances, rowSquaredNorms } from './distances.js';
import { compositeKernelInPlace, medianDistanceStreaming, symmetricGramRows } from './kernel.js';
import { MersenneTwister } from './matlab-folds.js';
import { consensus, referenceRule, supportRule, type NodeNeighbours } from './neighbours.js';
import type { ResolvedOptions } from './options.js';
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
}

function newFloat32(len: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(len * 4)) : new Float32Array(len);
}

/** Steps 1-3 of the reference document (and the allocation of H for step 4). */
export function prepare(X: Matrix, yIds: Int32Array, nClasses: number, o: ResolvedOptions, shared: boolean, threads = 1): Prepared {
  const n = X.rows;
  const norms = rowSquaredNorms(X);
  const sMax = Math.max(...o.scales);
  const nb = classNeighbourhoods(X, yIds, nClasses, sMax);
  const density = densityLambda(nb, n, o.scales, o.lambdaMinFactor * o.lambda, o.lambdaMaxFactor * o.lambda, o.scaleWeights);
  const fista = { maxIter: o.maxIter, tol: o.tol, eta: o.eta, L0: o.L0 };
  const local = o.candidates !== undefined && o.candidates < n - 1;
  if (!local) {
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
  const sigma = o.sigma === 'median' ? medianDistanceStreaming(X, norms, o.seed) : o.sigma;
  const cand = nearestOthers(X, o.candidates!, norms);
  const m = cand.m;
  const nearest = new Int32Array(n);
  for (let j = 0; j < n; j++) nearest[j] = m > 0 ? cand.indices[j * m] : -1;
  const ctx: ColumnContext = {
    mode: 'local', n, lambda: density.lambda, fista, m, cand: cand.indices, sigma,
    gaussWeight: o.gaussianWeight, labelWeight: o.labelWeight, labelDiscount: o.labelDiscount, yIds, norms,
    ...(X.kind === 'dense' ? { dense: { data: X.data, cols: X.cols } } : { csr: { indptr: X.indptr, indices: X.indices, values: X.values, cols: X.cols } }),
  };
  return { ctx, sigma, nb, density, nearest, needsGram: false };
}

/** Single-thread path: H, then every column in order. */
export function solveAllSync(p: Prepared): ColumnSolution[] {
  const ctx = p.ctx;
  if (p.needsGram) {
    if (ctx.layout) new Kernels(ctx.layout, 0).gramRows(0, ctx.n);
    else symmetricGramRows(p.A!, ctx.n, 0, ctx.n, ctx.H!);
  }
  const solver = new ColumnSolver(ctx);
  return solver.solveMany(Int32Array.from({ length: ctx.n }, (_, j) => j));
}

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
