import type { Matrix, MatrixInput } from '../core/data.js';
import { toMatrix } from '../core/data.js';
import { KnnkitError, checkInteger, checkNumber, checkOneOf } from '../core/errors.js';
import type { Label } from '../core/labels.js';
import { Rng } from '../core/rng.js';
import type { Metric, MetricSpec } from '../metrics/types.js';
import { resolveMetric } from '../metrics/registry.js';
import { FittedIndex } from './base.js';
import { encodeClassTargets } from './estimator.js';
import { checkIndexParams, checkK } from './params.js';
import type { Algorithm } from './params.js';

/**
 * Prototype selection (the seeds' "CNN, ENN, STOLP"): shrink a training set to the points that
 * matter for nearest-neighbour classification. Each function returns the kept row indices,
 * ascending, so `takeRows(X, kept)` / `kept.map(i => y[i])` give the reduced set.
 */

export interface EnnOptions {
  k?: number;
  metric?: MetricSpec;
  algorithm?: Algorithm;
  /** 'mode' (Wilson: keep if the k-NN majority vote is its own class, lowest class on ties) or 'all' (keep only if all k neighbours share its class). */
  kind?: 'mode' | 'all';
}

/**
 * Wilson's Edited Nearest Neighbours (1972): drop every point its k nearest other points
 * misclassify. Removes label noise and smooths class borders. Default k = 3.
 */
export function editedNearestNeighbors(X: MatrixInput, y: ArrayLike<Label>, opts: EnnOptions = {}): Int32Array {
  const k = opts.k === undefined ? 3 : checkK(opts.k);
  const kind = opts.kind === undefined ? 'mode' : checkOneOf('kind', opts.kind, ['mode', 'all'] as const);
  const { Xm, ids, C } = prepare(X, y);
  const index = new FittedIndex(Xm, checkIndexParams({ metric: opts.metric, algorithm: opts.algorithm }), k);
  const nb = index.kneighborsOfTraining(k);
  const kk = nb.offsets[1] - nb.offsets[0];
  const votes = new Int32Array(C);
  const kept: number[] = [];
  for (let i = 0; i < Xm.rows; i++) {
    votes.fill(0);
    for (let t = 0; t < kk; t++) votes[ids[nb.indices[i * kk + t]]]++;
    let best = 0;
    for (let c = 1; c < C; c++) if (votes[c] > votes[best]) best = c;
    const keep = kind === 'all' ? votes[ids[i]] === kk : best === ids[i];
    if (keep) kept.push(i);
  }
  return Int32Array.from(kept);
}

export interface CnnOptions {
  metric?: MetricSpec;
  /** Seed of the visiting order (and of the initial prototypes). Default 0. */
  seed?: number;
}

/**
 * Hart's Condensed Nearest Neighbour (1968): a consistent subset S, i.e. one whose 1-NN rule
 * classifies every training point correctly (points outside S; ties by lower row index).
 * S starts with one point per class (the first of each class in a seeded random order), then
 * passes over the points in that order, adding each point that the current S misclassifies,
 * until a full pass adds nothing. (A point whose exact duplicate carries another label ends up
 * in S: nothing else can classify it.) Nearest prototypes are maintained incrementally:
 * O(n |S| d) distance work.
 */
export function condensedNearestNeighbors(X: MatrixInput, y: ArrayLike<Label>, opts: CnnOptions = {}): Int32Array {
  const seed = opts.seed === undefined ? 0 : checkInteger('seed', opts.seed, 0, 0xffffffff);
  const { Xm, ids, C } = prepare(X, y);
  const metric = resolveMetric(checkIndexParams({ metric: opts.metric }).metric, Xm.kind === 'dense' ? Xm : undefined);
  const n = Xm.rows;
  const order = new Rng(seed).permutation(n);
  const inS = new Uint8Array(n);
  const nn = new Int32Array(n).fill(-1);
  const nnDist = new Float64Array(n).fill(Infinity);
  const add = (s: number) => {
    inS[s] = 1;
    for (let i = 0; i < n; i++) {
      const d = reducedBetween(metric, Xm, i, s);
      if (d < nnDist[i] || (d === nnDist[i] && s < nn[i])) { nnDist[i] = d; nn[i] = s; }
    }
  };
  const seen = new Uint8Array(C);
  for (const i of order) if (!seen[ids[i]]) { seen[ids[i]] = 1; add(i); }
  for (let changed = true; changed;) {
    changed = false;
    for (const i of order) {
      if (inS[i]) continue;
      if (ids[nn[i]] !== ids[i]) { add(i); changed = true; }
    }
  }
  return indicesOf(inS);
}

export interface StolpOptions {
  /** Neighbours used to measure the noise margin of step 1 (default 5). */
  k?: number;
  metric?: MetricSpec;
  /** Step 1 drops points whose k-NN margin is below delta (default 0: strictly outvoted points). */
  delta?: number;
  /** Stop when at most this many non-prototype points are misclassified (default 0). */
  maxErrors?: number;
}

export interface StolpResult {
  /** The prototypes ("etalons"), ascending row indices. */
  prototypes: Int32Array;
  /** Rows dropped as noise in step 1. */
  noise: Int32Array;
}

/**
 * STOLP (Zagoruiko), prototype selection by margins.
 *   Margin of x with class y over a reference set: M(x) = Gamma_y(x) - max_{c != y} Gamma_c(x).
 * 1. Noise: Gamma_c = votes of class c among the k nearest other points; drop x with M(x) < delta.
 * 2. Start Omega with, per class, the remaining point of largest margin (lowest row on ties).
 * 3. Classify the rest by 1-NN on Omega, with the distance margin
 *      M(x; Omega) = d(x, nearest other-class prototype) - d(x, nearest same-class prototype)
 *    (M <= 0: misclassified or tied). Stop when at most maxErrors points have M <= 0; otherwise
 *    add the point of smallest margin (the most confidently misclassified) and repeat.
 */
export function stolp(X: MatrixInput, y: ArrayLike<Label>, opts: StolpOptions = {}): StolpResult {
  const k = opts.k === undefined ? 5 : checkK(opts.k);
  const delta = opts.delta === undefined ? 0 : checkNumber('delta', opts.delta);
  const maxErrors = opts.maxErrors === undefined ? 0 : checkInteger('maxErrors', opts.maxErrors, 0);
  const { Xm, ids, C } = prepare(X, y);
  const index = new FittedIndex(Xm, checkIndexParams({ metric: opts.metric, algorithm: 'brute' }), k);
  const metric = index.metric;
  const n = Xm.rows;
  const nb = index.kneighborsOfTraining(k);
  const kk = nb.offsets[1] - nb.offsets[0];
  const margin = new Float64Array(n);
  const votes = new Int32Array(C);
  const alive = new Uint8Array(n);
  const noise: number[] = [];
  for (let i = 0; i < n; i++) {
    votes.fill(0);
    for (let t = 0; t < kk; t++) votes[ids[nb.indices[i * kk + t]]]++;
    let other = 0;
    for (let c = 0; c < C; c++) if (c !== ids[i] && votes[c] > other) other = votes[c];
    margin[i] = votes[ids[i]] - other;
    if (margin[i] < delta) noise.push(i); else alive[i] = 1;
  }
  const inO = new Uint8Array(n);
  const same = new Float64Array(n).fill(Infinity), diff = new Float64Array(n).fill(Infinity);
  const add = (s: number) => {
    inO[s] = 1;
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      const d = metric.reducedToDistance(reducedBetween(metric, Xm, i, s));
      if (ids[i] === ids[s]) { if (d < same[i]) same[i] = d; } else if (d < diff[i]) diff[i] = d;
    }
  };
  for (let c = 0; c < C; c++) {
    let best = -1;
    for (let i = 0; i < n; i++) if (alive[i] && ids[i] === c && (best < 0 || margin[i] > margin[best])) best = i;
    if (best >= 0) add(best);
  }
  for (;;) {
    let errors = 0, worst = -1, worstM = Infinity;
    for (let i = 0; i < n; i++) {
      if (!alive[i] || inO[i]) continue;
      const m = diff[i] - same[i];
      if (m <= 0 || Number.isNaN(m)) errors++;
      const mm = Number.isNaN(m) ? -Infinity : m;
      if (mm < worstM) { worstM = mm; worst = i; }
    }
    if (errors <= maxErrors || worst < 0) break;
    add(worst);
  }
  return { prototypes: indicesOf(inO), noise: Int32Array.from(noise) };
}

function prepare(X: MatrixInput, y: ArrayLike<Label>): { Xm: Matrix; ids: Int32Array; C: number } {
  const Xm = toMatrix(X, { name: 'X' });
  const { enc, y: ids } = encodeClassTargets(y, Xm.rows);
  if (Xm.rows < 2) throw new KnnkitError('X', `X: prototype selection needs at least 2 points; got ${Xm.rows}`);
  return { Xm, ids, C: enc.size };
}

function reducedBetween(m: Metric, X: Matrix, i: number, j: number): number {
  if (X.kind === 'dense') return m.reduced(X.data, i * X.cols, X.data, j * X.cols, X.cols);
  const k = m.sparseReduced;
  if (!k) throw new KnnkitError('metric', `metric: "${m.name}" has no sparse kernel for CSR data`);
  return k(X.indices, X.values, X.indptr[i], X.indptr[i + 1], X.indices, X.values, X.indptr[j], X.indptr[j + 1], NaN, NaN);
}

function indicesOf(mask: Uint8Array): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) out.push(i);
  return Int32Array.from(out);
}
